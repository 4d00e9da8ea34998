// <fl-sources> in real Chromium: the register form binds a source to a site and asset chosen from
// this device's lists by title (never typed ids), over a real storage (IndexedDB) and an in-page
// sources API (the real client is tested against a real server in test/unit/source-binding.node.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { storageContext, type DataSource, type NewDataSource } from '../../src/controllers';
import { defineGadgets, type SourcesViewApi } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class SourcesHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html``;
  }
}
customElements.define('sources-host', SourcesHost);

let host: SourcesHost | undefined;
afterEach(() => host?.remove());

/** An in-page sources API that keeps what it was asked to register. */
function inPageApi(): SourcesViewApi & { created: NewDataSource[] } {
  const sources: DataSource[] = [];
  const created: NewDataSource[] = [];
  return {
    created,
    list: async () => [...sources],
    create: async (input: NewDataSource) => {
      created.push(input);
      const source = { id: `source/${created.length}`, tag: input.tag, site: input.site ?? null, asset: input.asset ?? null, units: input.units ?? {}, events_stored: 0, late_pending: 0 } as unknown as DataSource;
      sources.push(source);
      return { ...source, token: 'token', shared_key: 'key' };
    },
    rebuild: async () => ({ merged: 0, rewritten: 0, from: null }),
    forwardPort: async () => 24225,
  };
}

async function mount(storage: Storage, api: SourcesViewApi): Promise<ShadowRoot> {
  host = document.createElement('sources-host') as SourcesHost;
  host.storage = storage;
  document.body.append(host);
  await host.updateComplete;
  const gadget = document.createElement('fl-sources');
  gadget.api = api;
  host.shadowRoot!.append(gadget);
  await vi.waitFor(() => expect(gadget.shadowRoot!.querySelector('form[aria-label="Register a data source"]')).not.toBeNull());
  return gadget.shadowRoot!;
}

describe('<fl-sources>', () => {
  it('registers a source bound to a site and asset chosen by title; no typed site or asset field', async () => {
    const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('sources-view'), index: ['type', 'site', 'asset'] } });
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
    await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
    await storage.put('asset/south/inv1', { type: 'asset', site: 'site/south', title: 'Inverter 1', asset_type: 'inverter' });
    const api = inPageApi();
    const root = await mount(storage, api);
    const selects = () => [...root.querySelectorAll<SlSelect>('sl-select')];
    await vi.waitFor(() => expect(selects().map((select) => select.label)).toEqual(['Site', 'Asset']));
    expect(root.querySelector('input[name="site"], input[name="asset"]')).toBeNull();
    expect([...selects()[0]!.querySelectorAll('sl-option')].map((option) => option.textContent?.trim())).toEqual(['North Sea Wind', 'Sunfield Solar']);
    selects()[0]!.value = 'site/north';
    selects()[0]!.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
    // Only the chosen site's assets are offered.
    await vi.waitFor(() => expect([...selects()[1]!.querySelectorAll('sl-option')].map((option) => option.textContent?.trim())).toEqual(['Turbine T01']));
    selects()[1]!.value = 'asset/north/t01';
    selects()[1]!.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
    root.querySelector<HTMLInputElement>('input[name="tag"]')!.value = 'turbine.t01';
    root.querySelector<HTMLInputElement>('input[name="units"]')!.value = 'temp=°C';
    root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await vi.waitFor(() => expect(api.created).toEqual([{ tag: 'turbine.t01', site: 'site/north', asset: 'asset/north/t01', units: { temp: '°C' } }]));
    // The list then shows the new source by the titles of its site and asset.
    await vi.waitFor(() => expect([...root.querySelectorAll('tbody tr td')].slice(0, 3).map((cell) => cell.textContent?.trim())).toEqual(['turbine.t01', 'North Sea Wind', 'Turbine T01']));
  });

  it('with no site on this device, registers the source unbound instead of asking for a typed id', async () => {
    const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('sources-empty'), index: ['type', 'site', 'asset'] } });
    const api = inPageApi();
    const root = await mount(storage, api);
    await vi.waitFor(() => expect(root.textContent).toContain('No sites on this device yet'));
    expect(root.querySelector('input[name="site"], input[name="asset"], sl-select')).toBeNull();
    root.querySelector<HTMLInputElement>('input[name="tag"]')!.value = 'loose.tag';
    root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await vi.waitFor(() => expect(api.created).toEqual([{ tag: 'loose.tag', units: {} }]));
  });
});
