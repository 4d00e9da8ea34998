// <fl-sources> in real Chromium: the register form binds a source to a site and asset chosen from
// this device's lists by title (never typed ids), over a real storage (IndexedDB) and an in-page
// sources API (the real client is tested against a real server in test/unit/source-binding.node.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import axe from 'axe-core';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { ApiError, storageContext, type DataSource, type NewDataSource, type Role } from '../../src/controllers';
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

type Binding = { asset?: string | null; site?: string | null };

/** An in-page sources API that keeps what it was asked to register and to rebind (`refuse`: the server's refusal). */
function inPageApi(options: { sources?: DataSource[]; refuse?: ApiError } = {}): SourcesViewApi & { created: NewDataSource[]; rebound: Array<{ id: string; binding: Binding }> } {
  const sources: DataSource[] = options.sources ?? [];
  const created: NewDataSource[] = [];
  const rebound: Array<{ id: string; binding: Binding }> = [];
  return {
    created,
    rebound,
    rebind: async (id: string, binding: Binding) => {
      rebound.push({ id, binding });
      if (options.refuse) throw options.refuse;
      const index = sources.findIndex((source) => source.id === id);
      sources[index] = { ...sources[index]!, site: binding.site ?? null, asset: binding.asset ?? null };
      return { source: sources[index]!, moved: { channels: 2, arrays: 2 } };
    },
    list: async () => [...sources],
    create: async (input: NewDataSource) => {
      created.push(input);
      const source = { id: `source/${created.length}`, tag: input.tag, site: input.site ?? null, asset: input.asset ?? null, units: input.units ?? {}, events_stored: 0, late_pending: 0 } as unknown as DataSource;
      sources.push(source);
      return { ...source, token: 'token', shared_key: 'key' };
    },
    rebuild: async () => ({ merged: 0, rewritten: 0, from: null }),
    forwardPort: async () => 24225,
    mqtt: async () => ({ port: 18830, topics: ['fieldline/{tag}', 'fieldline/{tag}/#'] }),
  };
}

async function mount(storage: Storage, api: SourcesViewApi, role?: Role): Promise<ShadowRoot> {
  host = document.createElement('sources-host') as SourcesHost;
  host.storage = storage;
  document.body.append(host);
  await host.updateComplete;
  const gadget = document.createElement('fl-sources');
  gadget.api = api;
  gadget.userRole = role;
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
    // Shown once: the token, fluentd's settings with the server's port, and the MQTT settings.
    await vi.waitFor(() => expect(root.querySelector('[aria-label="New source"]')?.textContent).toContain('port 24225'));
    const mqtt = [...root.querySelectorAll('dl[aria-label="MQTT settings"] dd')].map((cell) => cell.textContent?.trim());
    expect(mqtt).toEqual([`mqtt://${location.hostname}:18830`, 'turbine.t01', 'the token above', 'fieldline/turbine.t01']);
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

  describe('moving a source (admins)', () => {
    const boundSource = { id: 'source/a', tag: 'turbine.t01', site: 'site/north', asset: 'asset/north/t01', units: {}, events_stored: 10, late_pending: 0 } as DataSource;

    async function fleet(name: string): Promise<Storage> {
      const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName(name), index: ['type', 'site', 'asset'] } });
      await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
      await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
      await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
      await storage.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
      await storage.put('asset/south/inv1', { type: 'asset', site: 'site/south', title: 'Inverter 1', asset_type: 'inverter' });
      await storage.put('channel/source/a/power', { type: 'channel', site: 'site/north', asset: 'asset/north/t01', source: 'source/a', title: 'Power' });
      await storage.put('channel/source/a/wind', { type: 'channel', site: 'site/north', asset: 'asset/north/t01', source: 'source/a', title: 'Wind speed' });
      await storage.put('channel/source/b/power', { type: 'channel', site: 'site/south', asset: 'asset/south/inv1', source: 'source/b', title: 'AC power' });
      return storage;
    }

    const dialogOf = (root: ShadowRoot) => root.querySelector('sl-dialog');
    const choose = async (select: SlSelect, value: string) => {
      select.value = value;
      select.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
    };

    async function openMove(root: ShadowRoot): Promise<SlSelect[]> {
      const button = await vi.waitFor(() => {
        const found = root.querySelector<HTMLButtonElement>('button[aria-label="Move turbine.t01"]');
        expect(found).not.toBeNull();
        return found!;
      });
      expect(button.textContent?.trim()).toBe('Move…');
      button.click();
      await vi.waitFor(() => expect(dialogOf(root)?.label).toBe('Move turbine.t01'));
      return [...dialogOf(root)!.querySelectorAll<SlSelect>('sl-select')];
    }

    it('moves a source to an asset chosen by title: the api gets exactly the site and asset ids, and a toast says what moved', async () => {
      const api = inPageApi({ sources: [{ ...boundSource }] });
      const root = await mount(await fleet('sources-move'), api, 'admin');
      const [site, asset] = await openMove(root);
      expect([site!.label, asset!.label]).toEqual(['Site', 'Asset']);
      // The asset list follows the site, by title.
      await vi.waitFor(() => expect([...asset!.querySelectorAll('sl-option')].map((option) => option.textContent?.trim())).toEqual(['Turbine T01', 'Turbine T02']));
      await choose(asset!, 'asset/north/t02');
      await vi.waitFor(() => expect(dialogOf(root)!.querySelector('[role="status"]')?.textContent).toBe('Its 2 channels and their history move to Turbine T02.'));
      await choose(site!, 'site/south');
      await vi.waitFor(() => expect([...asset!.querySelectorAll('sl-option')].map((option) => option.textContent?.trim())).toEqual(['Inverter 1']));
      await choose(asset!, 'asset/south/inv1');
      await vi.waitFor(() => expect(dialogOf(root)!.querySelector('[role="status"]')?.textContent).toBe('Its 2 channels and their history move to Inverter 1; technicians of North Sea Wind lose access.'));
      // The open dialog and the list: visible labels, unique ids, no serious or critical violation.
      const results = await axe.run(host!, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
      expect(results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
      dialogOf(root)!.querySelector<HTMLElement>('sl-button[type="submit"]')!.click();
      await vi.waitFor(() => expect(api.rebound).toEqual([{ id: 'source/a', binding: { site: 'site/south', asset: 'asset/south/inv1' } }]));
      await vi.waitFor(() => expect([...document.querySelectorAll('sl-alert[data-variant="success"]')].map((alert) => alert.textContent)).toContain('turbine.t01 moved to Inverter 1: 2 channels, 2 arrays'));
      // Reloaded: the row shows the new place, and the dialog is gone.
      await vi.waitFor(() => expect([...root.querySelectorAll('tbody tr td')].slice(0, 3).map((cell) => cell.textContent?.trim())).toEqual(['turbine.t01', 'Sunfield Solar', 'Inverter 1']));
      expect(dialogOf(root)).toBeNull();
    });

    it('offers no Move action to a non-admin', async () => {
      const api = inPageApi({ sources: [{ ...boundSource }] });
      const root = await mount(await fleet('sources-nomove'), api, 'engineer');
      await vi.waitFor(() => expect(root.querySelector('tbody tr')).not.toBeNull());
      expect(root.querySelector('button[aria-label^="Move"]')).toBeNull();
      expect([...root.querySelectorAll('button')].map((button) => button.textContent?.trim())).not.toContain('Move…');
    });

    it("shows the server's detail when it refuses the move, and keeps the dialog open", async () => {
      const api = inPageApi({ sources: [{ ...boundSource }], refuse: new ApiError(400, 'asset asset/north/t02 does not belong to site site/south') });
      const root = await mount(await fleet('sources-refused'), api, 'admin');
      const [, asset] = await openMove(root);
      await vi.waitFor(() => expect(asset!.querySelectorAll('sl-option')).toHaveLength(2));
      await choose(asset!, 'asset/north/t02');
      await vi.waitFor(() => expect(dialogOf(root)!.querySelector('[role="status"]')).not.toBeNull());
      dialogOf(root)!.querySelector<HTMLElement>('sl-button[type="submit"]')!.click();
      await vi.waitFor(() => expect(dialogOf(root)!.querySelector('[role="alert"]')?.textContent).toBe('asset asset/north/t02 does not belong to site site/south'));
      await vi.waitFor(() => expect([...document.querySelectorAll('sl-alert[data-variant="danger"]')].map((alert) => alert.textContent)).toContain('turbine.t01 not moved: asset asset/north/t02 does not belong to site site/south'));
      expect(api.rebound).toEqual([{ id: 'source/a', binding: { site: 'site/north', asset: 'asset/north/t02' } }]);
      expect(dialogOf(root)!.open).toBe(true);
    });
  });
});
