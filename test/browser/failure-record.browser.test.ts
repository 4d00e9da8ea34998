/// <reference types="@vitest/browser-playwright" />
// Recording failures in real Chromium over a real IndexedDB storage: the asset page's "Record
// failure" dialog (component, mode, when — not in the future — and notes) writes one
// failure/<uuid> that the core check accepts, refuses a missing mode or a future time in words
// (nothing written); a work order's "Done, failure found" writes the failure of its asset linked
// to the work order, marks it done and names the failure in the done entry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { localDateTime, storageContext } from '../../src/controllers';
import { failureProblem, type FailureDoc, type WorkOrder } from '../../src/core';
import { defineGadgets, type FlFailureDialog, type FlWorkOrder } from '../../src/gadgets';
import { createStorage, type Doc, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class FailureHost extends LitElement {
  static override properties = { storage: { attribute: false }, view: { attribute: false } };
  declare storage: Storage | undefined;
  declare view: unknown;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return this.view;
  }
}
customElements.define('failure-host', FailureHost);

let storage: Storage;
let host: FailureHost;

const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();
const failures = async (): Promise<Array<FailureDoc & { id: string }>> =>
  (await storage.allDocs({ query: 'type:failure', include_docs: true })).rows.map((row) => ({ ...(row.doc as unknown as FailureDoc), id: row.id }));

async function fill(root: ParentNode, name: string, text: string): Promise<void> {
  const control = root.querySelector(`[name="${name}"]`)!;
  const input = control.shadowRoot!.querySelector('input, textarea') as HTMLInputElement;
  await userEvent.fill(input, text);
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('failures'), index: ['type', 'site', 'asset'] } });
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind' });
  await storage.put('asset/north/t01/main-bearing', { type: 'asset', site: 'site/north', title: 'T01 main bearing', asset_type: 'main_bearing' });
  host = document.createElement('failure-host') as FailureHost;
  host.storage = storage;
  document.body.append(host);
});

afterEach(async () => {
  host.remove();
  await storage.destroy();
});

describe('Record failure on the asset page', () => {
  async function open(): Promise<{ dialog: FlFailureDialog; form: HTMLFormElement; save: HTMLElement; events: string[] }> {
    host.view = html`<fl-failure-dialog .asset=${'asset/north/t01/main-bearing'} .site=${'site/north'} .assetTitle=${'T01 main bearing'} .username=${'erin'} .userRole=${'engineer'}></fl-failure-dialog>`;
    await host.updateComplete;
    const dialog = host.shadowRoot!.querySelector('fl-failure-dialog')!;
    const events: string[] = [];
    dialog.addEventListener('fl-failure-recorded', (event) => events.push((event as CustomEvent<{ id: string }>).detail.id));
    await dialog.updateComplete;
    dialog.shadowRoot!.querySelector<HTMLElement>('sl-button[data-record-failure]')!.click();
    await vi.waitFor(() => expect(dialog.shadowRoot!.querySelector<HTMLElement & { open: boolean }>('sl-dialog')!.open).toBe(true));
    return { dialog, form: dialog.shadowRoot!.querySelector('form')!, save: dialog.shadowRoot!.querySelector<HTMLElement>('sl-button[data-save]')!, events };
  }

  it('writes one failure document the core check accepts, with who and when', async () => {
    await page.viewport(768, 1024);
    const { dialog, form, save, events } = await open();
    await fill(form, 'component', 'Outer race');
    await fill(form, 'mode', 'Outer race defect');
    await fill(form, 'when', '2026-11-28T14:05');
    await fill(form, 'notes', 'Spalling found at the 6 o’clock position');
    await page.screenshot({ path: '../../test-results/screenshots/failures/record-failure-768x1024.png' });
    save.click();
    await vi.waitFor(() => expect(events).toHaveLength(1));
    const written = await failures();
    expect(written).toHaveLength(1);
    const [failure] = written as [FailureDoc & { id: string }];
    expect(failure.id).toBe(events[0]);
    expect(failure.id).toMatch(/^failure\/[0-9a-f-]{36}$/);
    const doc: Record<string, unknown> = { ...failure };
    delete doc.id;
    expect(failureProblem(doc)).toBeUndefined();
    expect(doc).toEqual({ type: 'failure', site: 'site/north', asset: 'asset/north/t01/main-bearing', component: 'Outer race', mode: 'Outer race defect', at: new Date(2026, 10, 28, 14, 5).getTime(), by: 'erin', notes: 'Spalling found at the 6 o’clock position' });
    await vi.waitFor(() => expect(dialog.shadowRoot!.querySelector<HTMLElement & { open: boolean }>('sl-dialog')!.open).toBe(false));
  });

  it('refuses a missing mode and a time in the future in words, writing nothing', async () => {
    const { dialog, form, save, events } = await open();
    const problem = () => squash(dialog.shadowRoot!.querySelector('[data-problem]')?.textContent);
    // The time offered at first is now (to the minute, in this device's zone).
    expect(Math.abs(new Date((form.querySelector('[name="when"]') as HTMLElement & { value: string }).value).getTime() - Date.now())).toBeLessThan(3 * 60_000);
    save.click();
    await vi.waitFor(() => expect(problem()).toBe('Failure mode: say how it failed (e.g. outer race defect)'));
    await fill(form, 'mode', 'Seized');
    await fill(form, 'when', localDateTime(Date.now() + 2 * 86_400_000));
    save.click();
    await vi.waitFor(() => expect(problem()).toBe('When: a failure cannot be in the future'));
    // The mode's field takes at most the 200 characters a failure holds.
    await fill(form, 'mode', 'x'.repeat(250));
    expect((form.querySelector('[name="mode"]') as HTMLElement & { value: string }).value).toHaveLength(200);
    expect(await failures()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('shows no button to someone not signed in', async () => {
    host.view = html`<fl-failure-dialog .asset=${'asset/north/t01/main-bearing'} .site=${'site/north'}></fl-failure-dialog>`;
    await host.updateComplete;
    const dialog = host.shadowRoot!.querySelector('fl-failure-dialog')!;
    await dialog.updateComplete;
    expect(dialog.shadowRoot!.querySelector('sl-button')).toBeNull();
  });
});

describe('"Done, failure found" on a work order', () => {
  const ID = 'work_order/bearing-noise';
  const order: WorkOrder = {
    type: 'work_order',
    site: 'site/north',
    asset: 'asset/north/t01/main-bearing',
    title: 'Main bearing noise T01',
    notes: '',
    status: 'in_progress',
    assignee: 'tess',
    priority: 'high',
    kind: 'corrective',
    history: [{ id: 'h0', at: '2026-11-30T08:00:00.000Z', by: 'erin', action: 'created' }],
    created_at: '2026-11-30T08:00:00.000Z',
    created_by: 'erin',
  };

  it('writes the failure linked to the work order, marks it done and names the failure in the history', async () => {
    await storage.put(ID, order as unknown as Doc);
    host.view = html`<fl-work-order .workOrder=${ID} .username=${'tess'} .userRole=${'technician'}></fl-work-order>`;
    await host.updateComplete;
    const gadget: FlWorkOrder = host.shadowRoot!.querySelector('fl-work-order')!;
    await vi.waitFor(() => expect(gadget.shadowRoot!.querySelector('sl-button[data-failure-found]')).not.toBeNull(), { timeout: 10_000 });
    const root = gadget.shadowRoot!;
    root.querySelector<HTMLElement>('sl-button[data-failure-found]')!.click();
    const dialog = () => root.querySelector<HTMLElement & { open: boolean }>('sl-dialog[data-done]')!;
    await vi.waitFor(() => expect(dialog().open).toBe(true));
    // No mode: refused in words, nothing written, still in progress.
    dialog().querySelector<HTMLElement>('sl-button[data-confirm-done]')!.click();
    await vi.waitFor(() => expect(squash(dialog().querySelector('[data-problem]')?.textContent)).toBe('Failure mode: say how it failed (e.g. outer race defect)'));
    expect(await failures()).toEqual([]);
    await fill(dialog(), 'failure-component', 'Outer race');
    await fill(dialog(), 'failure-mode', 'Outer race defect');
    await page.screenshot({ path: '../../test-results/screenshots/failures/done-failure-found-768x1024.png' });
    dialog().querySelector<HTMLElement>('sl-button[data-confirm-done]')!.click();
    await vi.waitFor(async () => expect(((await storage.get(ID)) as unknown as WorkOrder).status).toBe('done'));
    const [failure] = (await failures()) as [FailureDoc & { id: string }];
    expect(failure).toMatchObject({ type: 'failure', site: 'site/north', asset: 'asset/north/t01/main-bearing', component: 'Outer race', mode: 'Outer race defect', by: 'tess', work_order: ID });
    const doc: Record<string, unknown> = { ...failure };
    delete doc.id;
    expect(failureProblem(doc)).toBeUndefined();
    const stored = (await storage.get(ID)) as unknown as WorkOrder;
    // Found when the work was done: the failure's time is the done entry's, to the second.
    expect(failure.at).toBeLessThanOrEqual(Date.parse(stored.completed_at!));
    expect(failure.at).toBeGreaterThan(Date.parse(stored.completed_at!) - 60_000);
    const last = stored.history!.at(-1)!;
    expect(last.comment).toBe(`Failure found: Outer race — Outer race defect (${failure.id})`);
    expect(last.changes).toMatchObject({ status: { from: 'in_progress', to: 'done' } });
    expect(stored.history).toHaveLength(2);
  });

  it('is not offered on a work order without an asset', async () => {
    const siteOnly: Record<string, unknown> = { ...order };
    delete siteOnly.asset;
    await storage.put(ID, siteOnly as unknown as Doc);
    host.view = html`<fl-work-order .workOrder=${ID} .username=${'tess'} .userRole=${'technician'}></fl-work-order>`;
    await host.updateComplete;
    const gadget: FlWorkOrder = host.shadowRoot!.querySelector('fl-work-order')!;
    await vi.waitFor(() => expect(gadget.shadowRoot!.querySelector('sl-button[data-transition="done"]')).not.toBeNull(), { timeout: 10_000 });
    expect(gadget.shadowRoot!.querySelector('sl-button[data-failure-found]')).toBeNull();
  });
});
