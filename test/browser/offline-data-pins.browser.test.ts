/// <reference types="@vitest/browser-playwright" />
// The Sync view's "Channel data on this device" in real Chromium over real IndexedDB: the pins
// that follow the signed-in technician's open work orders are listed "For your work orders" by
// asset title with their size (what to expect before the first sync, then what is on the device)
// and go when the work is done; an asset pinned by hand is listed apart, with Unpin.
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { PinService, SyncService, storageContext, syncContext } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { ReplicateStorage, createStorage, type Doc, type Storage } from '../../src/storage';

defineGadgets();

class OfflineHost extends LitElement {
  static override properties = { service: { attribute: false }, storage: { attribute: false } };
  declare service: SyncService | undefined;
  declare storage: Storage | undefined;
  readonly #sync = new ContextProvider(this, { context: syncContext });
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#sync.setValue(this.service);
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-offline-data></fl-offline-data>`;
  }
}
customElements.define('offline-pins-host', OfflineHost);

const stamp = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
let counter = 0;
const unique = (name: string): string => `${name}-${stamp}-${++counter}`;
let host: OfflineHost | undefined;
let service: SyncService | undefined;

afterEach(() => {
  service?.stop();
  host?.remove();
});

describe('<fl-offline-data> and pins that follow assignments', () => {
  it('lists the automatic pins for your work orders by asset with their size, and drops them when the work is done', async () => {
    const site = 'site/north';
    const remote = createStorage({ type: 'memory' });
    const put = (id: string, doc: object) => remote.put(id, doc as Doc);
    await put(site, { type: 'site', site, title: 'North Sea Wind', kind: 'wind_farm' });
    await put('asset/north/t01', { type: 'asset', site, title: 'Turbine T01', asset_type: 'turbine' });
    await put('asset/north/t01-gearbox', { type: 'asset', site, title: 'T01 gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
    await put('asset/north/t02', { type: 'asset', site, title: 'Turbine T02', asset_type: 'turbine' });
    for (const [asset, field] of [['asset/north/t01', 'power'], ['asset/north/t01-gearbox', 'oil_temp'], ['asset/north/t02', 'power']] as const) {
      const arrayId = `array/source/${asset.slice(12)}/${field}`;
      await put(`channel/source/${asset.slice(12)}/${field}`, { type: 'channel', site, asset, source: `source/${asset.slice(12)}`, array: arrayId, title: field, field, unit: '' });
      const array = await ChannelArray.create(remote, arrayId, { timing: 'regular', site });
      await array.append(Float32Array.from({ length: 3600 }, (_, index) => index), { t0: Date.now() - 3_600_000, dt: 1000 });
    }
    await put('work_order/w1', { type: 'work_order', site, asset: 'asset/north/t01', title: 'Gearbox oil', notes: '', status: 'assigned', assignee: 'tina' });

    const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: unique('offline-pins'), index: ['type', 'site', 'asset', 'kind'] } } });
    const replica = new ReplicateStorage(local, remote, createStorage({ type: 'memory' }), { query: 'NOT kind:"fl-channel-array"' });
    const signatures = new Map<string, Storage>();
    const pins = new PinService({
      local,
      remote,
      device: createStorage({ type: 'indexeddb', database: unique('offline-pins-device') }),
      signaturesFor: (pinSite, asset) => {
        const key = `${pinSite} ${asset ?? ''}`;
        if (!signatures.has(key)) signatures.set(key, createStorage({ type: 'memory' }));
        return signatures.get(key)!;
      },
    });
    service = new SyncService({ replica, pins, renewSession: async () => 'ok', debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: unique('last-sync') });
    await page.viewport(768, 1024);
    host = document.createElement('offline-pins-host') as OfflineHost;
    host.service = service;
    host.storage = replica;
    document.body.append(host);
    await host.updateComplete;
    const data = host.shadowRoot!.querySelector('fl-offline-data')!;
    const root = data.shadowRoot!;

    expect(await service.syncNow()).toBe(true); // the work order and the asset tree come down (no user followed yet)
    await pins.followAssignments('tina');
    const row = () => root.querySelector<HTMLTableRowElement>('tr[aria-label="Asset Turbine T01"]');
    await expect.poll(() => row()?.querySelector('.size')?.textContent ?? '', { timeout: 10_000 }).toMatch(/^about .+ to download at the next sync$/);
    expect(root.querySelector('#auto-pins')?.textContent).toBe('For your work orders');
    expect(row()!.textContent).toContain('North Sea Wind');

    expect(await service.syncNow()).toBe(true);
    // The turbine's and its gearbox's channels, not T02's.
    await expect.poll(() => row()?.querySelector('.size')?.textContent ?? '', { timeout: 10_000 }).toMatch(/^[\d.]+ (KB|KiB|kB|MB|MiB|B) on this device \(2 channels\)$/);
    expect(row()!.cells[4]!.textContent).not.toBe('not yet');
    await page.screenshot({ path: '../../test-results/offline-data-pins-768.png', element: data });
    await page.viewport(1366, 900);
    await page.screenshot({ path: '../../test-results/offline-data-pins-1366.png', element: data });

    // An asset pinned by hand is listed apart; the work order done, the automatic pin goes.
    await pins.pin({ site, asset: 'asset/north/t02', days: 30 });
    await remote.put('work_order/w1', { type: 'work_order', site, asset: 'asset/north/t01', title: 'Gearbox oil', notes: '', status: 'done', assignee: 'tina' } as Doc);
    expect(await service.syncNow()).toBe(true);
    await expect.poll(() => row(), { timeout: 10_000 }).toBeNull();
    expect(root.querySelector('#auto-pins')).toBeNull();
    const manual = root.querySelector<HTMLTableRowElement>('tr[aria-label="Asset Turbine T02"]')!;
    expect(root.querySelector('#asset-pins')?.textContent).toBe('Assets kept on this device');
    expect(manual.querySelector('.size')!.textContent).toMatch(/on this device \(1 channel\)$/);
    manual.querySelector('button')!.click();
    await expect.poll(() => root.querySelector('tr[aria-label="Asset Turbine T02"]'), { timeout: 10_000 }).toBeNull();
    expect((await local.allDocs({ query: 'kind:"fl-channel-array"' })).rows).toEqual([]);
  });
});
