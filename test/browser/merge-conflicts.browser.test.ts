// Work orders merged three-way in real Chromium over real IndexedDB (device and sync bookkeeping),
// and what <fl-conflicts> shows of a merge's conflict: the fields changed on both, side by side.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { SyncService, syncContext } from '../../src/controllers';
import { editWorkOrder, mergePolicyFor, newWorkOrder, recordResult, type WorkOrder } from '../../src/core';
import { defineGadgets } from '../../src/gadgets';
import { ReplicateStorage, createStorage, type Doc, type Storage } from '../../src/storage';

defineGadgets();

let counter = 0;
const unique = (name: string): string => `${name}-${Date.now().toString(36)}-${++counter}`;
const who = (by: string, minute: number) => ({ by, at: new Date(Date.UTC(2026, 11, 1, 8, minute)).toISOString(), id: crypto.randomUUID() });
const asDoc = (order: WorkOrder): Doc => order as unknown as Doc;
const asOrder = (doc: Doc): WorkOrder => doc as unknown as WorkOrder;

class MergeHost extends LitElement {
  static override properties = { service: { attribute: false } };
  declare service: SyncService | undefined;
  readonly #provider = new ContextProvider(this, { context: syncContext });
  protected override willUpdate(): void {
    this.#provider.setValue(this.service);
  }
  override render() {
    return html`<fl-conflicts></fl-conflicts>`;
  }
}
customElements.define('merge-host', MergeHost);

let remote: Storage;
let host: MergeHost;
let service: SyncService;
const opened: Storage[] = [];

/** A tablet: IndexedDB for its data and its sync bookkeeping, merging work orders. */
function tablet(): ReplicateStorage {
  const local = createStorage({ type: 'indexeddb', database: unique('merge-local') });
  const signatures = createStorage({ type: 'indexeddb', database: unique('merge-signatures') });
  opened.push(local, signatures);
  return new ReplicateStorage(local, remote, signatures, { merge: mergePolicyFor });
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeEach(() => {
  remote = createStorage({ type: 'memory' });
});
afterEach(async () => {
  host?.remove();
  service?.stop();
  for (const storage of opened.splice(0)) await storage.destroy().catch(() => undefined);
});

const planned = (): WorkOrder =>
  newWorkOrder({ site: 'north', title: 'Gearbox oil', checklist: [{ id: 'c1', label: 'Oil level', kind: 'pass_fail' }] }, { ...who('engineer', 0), role: 'engineer' });

describe('three-way merge on IndexedDB', () => {
  it('different fields merge; the same field shows in <fl-conflicts> as "Changed on both" with only that row, and the device version can be kept', async () => {
    await remote.put('work_order/w', asDoc(planned()));
    const a = tablet();
    const b = tablet();
    await a.sync();
    await b.sync();
    await a.put('work_order/w', asDoc(editWorkOrder(asOrder(await a.get('work_order/w')), { priority: 'high', notes: 'Seal leaks' }, who('anna', 10))));
    const mine = recordResult(asOrder(await b.get('work_order/w')), 'c1', 'pass', who('ben', 11));
    await b.put('work_order/w', asDoc(editWorkOrder(mine, { notes: 'Seal replaced' }, who('ben', 12))));
    await a.sync();
    expect(await b.sync()).toMatchObject({ merged: 1, conflicts: 1 });
    expect(await b.get('work_order/w')).toMatchObject({ priority: 'high', notes: 'Seal leaks', results: { c1: { value: 'pass' } } });

    service = new SyncService({ replica: b, debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: unique('last-sync'), renewSession: async () => 'ok' });
    host = document.createElement('merge-host') as MergeHost;
    host.service = service;
    document.body.append(host);
    await host.updateComplete;
    const view = host.shadowRoot!.querySelector('fl-conflicts')!;
    await until(() => view.shadowRoot?.querySelector('article') !== null && view.shadowRoot?.querySelector('article') !== undefined, 'the conflict to show');
    const article = view.shadowRoot!.querySelector('article')!;
    expect(article.querySelector('.fields')?.textContent?.trim()).toBe('Changed on both: notes');
    const rows = [...article.querySelectorAll('tbody tr')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent));
    expect(rows).toEqual([['notes', 'Seal replaced', 'Seal leaks']]);
    expect(article.querySelector('tbody tr')?.classList.contains('differs')).toBe(true);
    [...article.querySelectorAll('button')].find((button) => button.textContent?.trim() === "Keep this device's version")!.click();
    await until(async () => (await b.conflicts()).length === 0 && !b.syncing, 'the resolution');
    await b.sync();
    expect(await remote.get('work_order/w')).toMatchObject({ priority: 'high', notes: 'Seal replaced', results: { c1: { value: 'pass' } } });
  });
});
