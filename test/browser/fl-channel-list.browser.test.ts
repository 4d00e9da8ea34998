// <fl-channel-list> in real Chromium over a real IndexedDB storage: which channels it plots as
// "On this device", and how it groups the server's channels.
import '../../src/gadgets/design/components';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type SlDetails from '@shoelace-style/shoelace/dist/components/details/details.js';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { serverStorageContext, storageContext } from '../../src/controllers';
import { FlChannelChart } from '../../src/gadgets/fl-channel-chart';
import { FlChannelList } from '../../src/gadgets/fl-channel-list';
import { FlSignIn } from '../../src/gadgets/fl-sign-in';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

// Only the gadgets under test (not the whole design system the app registers).
for (const [tag, element] of [['fl-channel-list', FlChannelList], ['fl-channel-chart', FlChannelChart], ['fl-sign-in', FlSignIn]] as const) {
  if (!customElements.get(tag)) customElements.define(tag, element);
}

class ListHost extends LitElement {
  static override properties = { storage: { attribute: false }, server: { attribute: false } };
  declare storage: Storage | undefined;
  declare server: Storage | undefined;
  readonly #provider = new ContextProvider(this, { context: storageContext });
  readonly #server = new ContextProvider(this, { context: serverStorageContext });
  protected override willUpdate(): void {
    this.#provider.setValue(this.storage);
    this.#server.setValue(this.server);
  }
  override render() {
    return html`<fl-channel-list></fl-channel-list>`;
  }
}
customElements.define('channel-list-host', ListHost);

let storage: Storage;
let host: ListHost;

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('channel-list'), index: ['type', 'site', 'kind'] } });
  host = document.createElement('channel-list-host') as ListHost;
  host.storage = storage;
});

afterEach(() => {
  host.remove();
});

describe('<fl-channel-list>', () => {
  it('server channels appeared a second time under "On this device", stuck on "loading…": only channels whose array is here are plotted', async () => {
    // A channel of this device, with its array.
    const array = await ChannelArray.create(storage, 'array/demo/temp', { timing: 'regular', unit: '°C' });
    await array.append(new Float32Array(100).fill(20), { t0: Date.UTC(2026, 10, 1), dt: 1000 });
    await storage.put('channel/demo/temp', { type: 'channel', title: 'Gearbox temperature', unit: '°C', site: 'site/demo', array: 'array/demo/temp' });
    // A server channel document that sync brought down; its array stays on the server (no pin).
    await storage.put('channel/source/abc/power', { type: 'channel', title: 'Active power', unit: 'kW', site: 'site/north', array: 'array/source/abc/power' });
    document.body.append(host);
    await host.updateComplete;
    const list = host.shadowRoot!.querySelector('fl-channel-list') as FlChannelList;
    const section = (): Element => list.shadowRoot!.querySelector('section[aria-label="On this device"]')!;
    await expect.poll(() => list.shadowRoot!.querySelector('section[aria-label="On this device"] fl-channel-chart') !== null, { timeout: 5000 }).toBe(true);
    const charts = [...section().querySelectorAll('fl-channel-chart')];
    expect(charts.map((chart) => chart.label)).toEqual(['Gearbox temperature']);
    expect(section().querySelector('.elsewhere')?.textContent).toContain('1 more channel is on the server only');
    // The chart it does show loads.
    await expect.poll(() => charts[0]!.dataset.points, { timeout: 5000 }).toBe('100');
    // Pinning the site brings the array down; the sync says so and the channel joins the list.
    const pinned = await ChannelArray.create(storage, 'array/source/abc/power', { timing: 'regular', unit: 'kW', site: 'site/north' });
    await pinned.append(new Float32Array(50).fill(1), { t0: Date.UTC(2026, 10, 1), dt: 1000 });
    window.dispatchEvent(new Event('fl-data-changed'));
    await expect.poll(() => [...section().querySelectorAll('fl-channel-chart')].map((chart) => chart.label), { timeout: 5000 }).toEqual(['Active power', 'Gearbox temperature']);
    expect(section().querySelector('.elsewhere')).toBeNull();
  });

  it('a chart of an array that is not here said "loading…" for ever: it says the array is not available', async () => {
    const chart = document.createElement('fl-channel-chart');
    chart.storage = storage;
    chart.label = 'Missing';
    chart.array = 'array/source/abc/missing';
    document.body.append(chart);
    try {
      await expect.poll(() => chart.shadowRoot?.querySelector('[role="alert"]')?.textContent ?? '', { timeout: 5000 }).toContain('no array');
      expect(chart.shadowRoot!.querySelector('header')!.textContent).toContain('not available');
      expect(chart.shadowRoot!.querySelector('header')!.textContent).not.toContain('loading');
    } finally {
      chart.remove();
    }
  });

  it('drew a chart for every server channel at once (109 with the fleet): groups by site and asset title, charts only in open groups', async () => {
    // The server's storage (a real one; the app gives the http storage): a site, two turbines, 14 channels.
    const server = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('channel-list-server'), index: ['type', 'site', 'kind'] } });
    await server.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    await server.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
    await server.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
    for (const turbine of ['t02', 't01']) {
      for (let field = 0; field < 7; field++) {
        await server.put(`channel/source/${turbine}/f${field}`, { type: 'channel', title: `${turbine} field ${field}`, unit: 'kW', site: 'site/north', asset: `asset/north/${turbine}`, array: `array/source/${turbine}/f${field}` });
      }
    }
    host.server = server;
    document.body.append(host);
    await host.updateComplete;
    const list = host.shadowRoot!.querySelector('fl-channel-list') as FlChannelList;
    const section = (): Element | null => list.shadowRoot!.querySelector('section[aria-label="On the server"]');
    const groups = () => [...(section()?.querySelectorAll('sl-details') ?? [])] as SlDetails[];
    await expect.poll(() => groups().map((group) => group.summary), { timeout: 5000 }).toEqual(['Turbine T01 · 7 channels', 'Turbine T02 · 7 channels']);
    expect(section()!.querySelector('h4')?.textContent).toBe('North Sea Wind');
    // Over the bound, only the first group is open and only its charts exist.
    expect(groups().map((group) => group.open)).toEqual([true, false]);
    expect(section()!.querySelectorAll('fl-channel-chart')).toHaveLength(7);
    expect(groups()[1]!.querySelector('fl-channel-chart')).toBeNull();
    // Opening the second group makes its charts; closing the first drops them.
    await groups()[1]!.show();
    await expect.poll(() => groups()[1]!.querySelectorAll('fl-channel-chart').length, { timeout: 5000 }).toBe(7);
    await groups()[0]!.hide();
    await expect.poll(() => groups()[0]!.querySelectorAll('fl-channel-chart').length, { timeout: 5000 }).toBe(0);
  });

  it('a server with few channels shows every group open', async () => {
    const server = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('channel-list-small'), index: ['type', 'site', 'kind'] } });
    await server.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    await server.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
    await server.put('channel/source/a/rotor', { type: 'channel', title: 'Rotor speed', unit: 'rpm', site: 'site/north', asset: 'asset/north/t01', array: 'array/source/a/rotor' });
    await server.put('channel/source/b/volts', { type: 'channel', title: 'DC voltage', unit: 'V', site: 'site/north', array: 'array/source/b/volts' });
    host.server = server;
    document.body.append(host);
    await host.updateComplete;
    const list = host.shadowRoot!.querySelector('fl-channel-list') as FlChannelList;
    const section = (): Element | null => list.shadowRoot!.querySelector('section[aria-label="On the server"]');
    await expect.poll(() => [...(section()?.querySelectorAll('sl-details') ?? [])].map((group) => [group.getAttribute('summary'), group.hasAttribute('open')]), { timeout: 5000 }).toEqual([
      ['Turbine T01 · 1 channel', true],
      ['The whole site · 1 channel', true],
    ]);
    expect([...section()!.querySelectorAll('fl-channel-chart')].map((chart) => chart.label)).toEqual(['Rotor speed', 'DC voltage']);
  });
});
