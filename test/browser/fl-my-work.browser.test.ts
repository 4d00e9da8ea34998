/// <reference types="@vitest/browser-playwright" />
// <fl-my-work> in real Chromium over the app's real parts: a replica of IndexedDB (what sync brought
// to this device) synced from a remote, a real SyncService (what waits to sync) and PinService (what
// channel data is here). A technician's open work by site in order; an engineer's review list;
// screenshots at the tablet and laptop sizes in test-results/screenshots/my-work/.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { PinService, SyncService, localDay, storageContext, syncContext, type Role } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { ReplicateStorage, createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class WorkHost extends LitElement {
  static override properties = { storage: { attribute: false }, sync: { attribute: false }, username: { attribute: false }, userRole: { attribute: false } };
  declare storage: Storage | undefined;
  declare sync: SyncService | undefined;
  declare username: string | undefined;
  declare userRole: Role | undefined;
  static override styles = css`:host { display: block; }`;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  readonly #sync = new ContextProvider(this, { context: syncContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
    this.#sync.setValue(this.sync);
  }
  override render() {
    return html`<fl-my-work .username=${this.username} .userRole=${this.userRole}></fl-my-work>`;
  }
}
customElements.define('work-host', WorkHost);

/** A day relative to today, as a due date. */
function day(offset: number): string {
  const date = new Date();
  date.setDate(date.getDate() + offset);
  return localDay(date.getTime());
}

let remote: Storage;
let replica: ReplicateStorage;
let service: SyncService;
let pins: PinService;
let host: WorkHost;

const root = (): ShadowRoot => host.shadowRoot!.querySelector('fl-my-work')!.shadowRoot!;
const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

beforeEach(async () => {
  remote = createStorage({ type: 'memory' });
  const local = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('my-work'), index: ['type', 'site', 'asset', 'assignee', 'status'] } });
  replica = new ReplicateStorage(local, remote, createStorage({ type: 'memory' }), { query: 'NOT kind:"fl-channel-array"' });
  const signatures = new Map<string, Storage>();
  pins = new PinService({ local, remote, device: createStorage({ type: 'memory' }), signaturesFor: (site) => signatures.get(site) ?? signatures.set(site, createStorage({ type: 'memory' })).get(site)! });
  service = new SyncService({ replica, pins, renewSession: async () => 'ok', debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: uniqueName('last-sync') });
  const order = (id: string, fields: Record<string, unknown>) => remote.put(`work_order/${id}`, { type: 'work_order', site: 'site/north', asset: 'asset/north/t01', notes: '', status: 'assigned', assignee: 'tina', priority: 'medium', ...fields });
  await remote.put('site/north', { type: 'site', title: 'North Sea Wind' });
  await remote.put('site/south', { type: 'site', title: 'Sunfield Solar' });
  await remote.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await remote.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
  await remote.put('asset/south/inv1', { type: 'asset', site: 'site/south', title: 'Inverter 1', asset_type: 'inverter' });
  await order('later', { title: 'Repaint tower door', due: day(20), priority: 'low' });
  await order('overdue', { title: 'Replace yaw brake pads', due: day(-2), priority: 'high', status: 'in_progress', checklist: [{ id: 'a', label: 'Pads worn', kind: 'pass_fail' }, { id: 'b', label: 'Gap', kind: 'value', unit: 'mm' }, { id: 'c', label: 'Torque', kind: 'value' }, { id: 'd', label: 'Clean', kind: 'pass_fail' }, { id: 'e', label: 'Test', kind: 'pass_fail' }], results: { a: { value: 'pass', at: '2026-12-01T08:00:00Z', by: 'tina' }, b: { value: 3, at: '2026-12-01T08:01:00Z', by: 'tina' }, c: { value: 80, at: '2026-12-01T08:02:00Z', by: 'tina' } }, photos: { 'photo/p1.jpg': { taken_at: '2026-12-01T08:03:00Z', by: 'tina', width: 1600, height: 1200, bytes: 200_000 }, 'photo/p2.jpg': { taken_at: '2026-12-01T08:04:00Z', by: 'tina', width: 1600, height: 1200, bytes: 210_000 } } });
  await order('soon', { title: 'Inspect blade B2', due: day(2), asset: 'asset/north/t02', kind: 'inspection' });
  await order('solar', { title: 'Clean inverter filters', site: 'site/south', asset: 'asset/south/inv1', due: day(5), status: 'open' });
  await order('done', { title: 'Grease main bearing', status: 'done', completed_at: new Date(Date.now() - 3 * 86_400_000).toISOString() });
  await order('verified', { title: 'Old verified job', status: 'verified' });
  await order('tom', { title: 'Tom’s job', assignee: 'tom', due: day(-5) });
  expect(await service.syncNow()).toBe(true);
  await pins.pin({ site: 'site/north', days: 7 });
});

afterEach(() => {
  host?.remove();
  service.stop();
});

async function mount(username: string, userRole: Role): Promise<void> {
  host = document.createElement('work-host') as WorkHost;
  host.storage = replica;
  host.sync = service;
  host.username = username;
  host.userRole = userRole;
  document.body.append(host);
  await host.updateComplete;
}

describe('<fl-my-work>', () => {
  it("lists a technician's open work by site, overdue first, with progress, photos and the due date in words", async () => {
    await page.viewport(768, 1024);
    await mount('tina', 'technician');
    await vi.waitFor(() => expect(squash(root().querySelector('[data-summary]')?.textContent)).toBe('4 open, 1 overdue, 2 due soon'), { timeout: 10_000 });
    const groups = [...root().querySelectorAll('section[data-site]')].map((section) => [squash(section.querySelector('h3')?.textContent), [...section.querySelectorAll('a.card .title')].map((title) => title.textContent)]);
    expect(groups).toEqual([
      ['North Sea Wind (3)', ['Replace yaw brake pads', 'Inspect blade B2', 'Repaint tower door']],
      ['Sunfield Solar (1)', ['Clean inverter filters']],
    ]);
    const overdue = root().querySelector<HTMLAnchorElement>('a.card[data-work-order="work_order/overdue"]')!;
    expect(overdue.getAttribute('href')).toBe('#/work-orders/work_order%2Foverdue');
    expect(overdue.dataset.due).toBe('overdue');
    expect(squash(overdue.querySelector('.meta')?.textContent)).toBe('Turbine T01 In progress High priority overdue by 2 days');
    expect(squash(overdue.querySelector('[data-checklist]')?.textContent)).toBe('3 / 5 done');
    expect(squash(overdue.querySelector('[data-photos]')?.textContent)).toBe('2 photos');
    expect(squash(root().querySelector('a.card[data-work-order="work_order/soon"] .due')?.textContent)).toBe('in 2 days');
    // Technicians review nothing.
    expect(root().querySelector('[data-review]')).toBeNull();
    // Nothing written here yet: nothing waits.
    expect(squash(root().querySelector('[data-sync]')?.textContent)).toMatch(/^Nothing waiting to sync last sync just now$/);

    // The channel data of their assets: the pinned site's are here, the other site's are not.
    await vi.waitFor(() => expect(root().querySelector('tr[data-asset="asset/south/inv1"] [data-device-data]')?.textContent).toBe('Not on this device yet'));
    expect(root().querySelector('tr[data-asset="asset/north/t01"] [data-device-data]')?.getAttribute('data-device-data')).toBe('site');
    await page.screenshot({ path: '../../test-results/screenshots/my-work/technician-768x1024.png', element: host });

    // A change made on this device, not sent yet (the service is not started: no sync runs), shows as waiting.
    const current = await replica.get('work_order/soon');
    await replica.put('work_order/soon', { ...current, status: 'in_progress' });
    await service.refreshCounts();
    await vi.waitFor(() => expect(squash(root().querySelector('[data-waiting]')?.textContent)).toBe('1 change waiting to sync'));
  });

  it("shows an engineer's done work waiting for review with the link to the filtered list", async () => {
    await page.viewport(1366, 900);
    await mount('erin', 'engineer');
    await vi.waitFor(() => expect(squash(root().querySelector('[data-summary]')?.textContent)).toBe('Nothing open assigned to you; 1 done, waiting for your review'), { timeout: 10_000 });
    await vi.waitFor(() => expect([...root().querySelectorAll('[data-review] a.card .title')].map((title) => title.textContent)).toEqual(['Grease main bearing']));
    expect(squash(root().querySelector('[data-review] a.card [data-done-by]')?.textContent)).toBe('by tina, done 3 days ago');
    // The summary says it: no empty-state panel for a reviewer with nothing assigned.
    expect(root().querySelector('[data-empty]')).toBeNull();
    const all = root().querySelector<HTMLAnchorElement>('[data-review-all]')!;
    expect(all.textContent?.trim()).toBe('Open the review list');
    expect(all.getAttribute('href')).toBe('#/work-orders?q=status%3Adone');
    await page.screenshot({ path: '../../test-results/screenshots/my-work/engineer-1366x900.png', element: host });
  });

  it('says so when nothing is assigned to a technician', async () => {
    await mount('nobody', 'technician');
    await vi.waitFor(() => expect(root().querySelector('[data-empty]')).not.toBeNull(), { timeout: 10_000 });
    expect(squash(root().querySelector('[data-summary]')?.textContent)).toBe('Nothing open assigned to you');
    expect(root().querySelectorAll('a.card')).toHaveLength(0);
    expect(root().querySelector('[data-empty] a')?.getAttribute('href')).toBe('#/work-orders');
  });

  it('takes the screenshot of a technician at the laptop size', async () => {
    await page.viewport(1366, 900);
    await mount('tina', 'technician');
    await vi.waitFor(() => expect(root().querySelectorAll('a.card')).toHaveLength(4), { timeout: 10_000 });
    await vi.waitFor(() => expect(root().querySelector('[data-device-data="none"]')).not.toBeNull());
    await page.screenshot({ path: '../../test-results/screenshots/my-work/technician-1366x900.png', element: host });
  });
});
