// The site, asset and sites views in real Chromium over a real IndexedDB storage: titles not ids,
// the asset tree, last values from the arrays, and live events moving them without a reload.
// Live events come from `live` below (what a LiveService hands its subscribers).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { ChannelStatusController, liveContext, storageContext, type LiveEvent, type LiveEvents } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { mainChannels } from '../../src/gadgets/fl-site';
import type { FlChannelChart } from '../../src/gadgets/fl-channel-chart';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class Live implements LiveEvents {
  readonly listeners = new Set<(event: LiveEvent) => void>();
  connected = true;
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

class ViewHost extends LitElement {
  static override properties = { storage: { attribute: false }, live: { attribute: false }, view: { attribute: false } };
  declare storage: Storage | undefined;
  declare live: LiveEvents | undefined;
  declare view: unknown;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  readonly #live = new ContextProvider(this, { context: liveContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
    this.#live.setValue(this.live);
  }
  override render() {
    return this.view;
  }
}
customElements.define('view-host', ViewHost);

let storage: Storage;
let live: Live;
let host: ViewHost;
const now = Date.now();

async function channel(id: string, asset: string, title: string, unit: string, values: number[]): Promise<string> {
  const array = `array/test/${id}`;
  const created = await ChannelArray.create(storage, array, { timing: 'regular', unit, site: 'site/north' });
  await created.append(Float32Array.from(values), { t0: now - values.length * 60_000, dt: 60_000 });
  await storage.put(`channel/test/${id}`, { type: 'channel', site: 'site/north', asset, source: 'source/test', array, title, unit, field: id, rate: 1 / 60 });
  return array;
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('site-view'), index: ['type', 'site', 'asset', 'kind'] } });
  live = new Live();
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm', location: { label: 'German Bight' } });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant', simulated: true });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine', make: 'Nordwind', model: 'NW-3000' });
  await storage.put('asset/north/t01-gearbox', { type: 'asset', site: 'site/north', title: 'T01 gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
  await storage.put('asset/north/t01-bearing', { type: 'asset', site: 'site/north', title: 'T01 main bearing', asset_type: 'main_bearing', parent: 'asset/north/t01-gearbox' });
  await storage.put('asset/south/inv1', { type: 'asset', site: 'site/south', title: 'Inverter 1', asset_type: 'inverter' });
  host = document.createElement('view-host') as ViewHost;
  host.storage = storage;
  host.live = live;
});

afterEach(() => {
  host.remove();
});

const text = (element: Element | null | undefined) => element?.shadowRoot?.textContent?.replace(/\s+/g, ' ') ?? '';

describe('<fl-site>', () => {
  it('lists the top-level assets as tiles with their parts as a tree, by title, never by id', async () => {
    host.view = html`<fl-site .site=${'site/north'}></fl-site>`;
    document.body.append(host);
    const site = () => host.shadowRoot!.querySelector('fl-site')!;
    await vi.waitFor(() => expect(site().shadowRoot!.querySelectorAll('article')).toHaveLength(1));
    const tile = site().shadowRoot!.querySelector('article')!;
    expect(tile.querySelector('h3')?.textContent?.trim()).toBe('Turbine T01');
    const parts = [...tile.querySelectorAll('ul.tree li a')].map((link) => [...link.querySelectorAll('span')].map((span) => span.textContent?.trim()));
    expect(parts).toEqual([
      ['T01 gearbox', 'Gearbox'],
      ['T01 main bearing', 'Main bearing'],
    ]);
    expect(tile.querySelector('ul.tree a')?.getAttribute('href')).toBe('#/assets/asset%2Fnorth%2Ft01-gearbox');
    expect(text(site())).not.toContain('asset/north');
    expect(text(site())).not.toContain('Inverter 1'); // another site's asset
    expect(tile.querySelector('[data-health]')).not.toBeNull();
    expect(tile.querySelector('[data-alarms]')).not.toBeNull();
  });

  it('tiles show the last values of the main channels and move with live samples, without a reload', async () => {
    const power = await channel('power', 'asset/north/t01', 'Active power', 'kW', [1000, 1200, 1500]);
    await channel('wind', 'asset/north/t01', 'Wind speed', 'm/s', [8, 9, 10]);
    host.view = html`<fl-site .site=${'site/north'}></fl-site>`;
    document.body.append(host);
    const site = () => host.shadowRoot!.querySelector('fl-site')!;
    const value = (array: string) => site().shadowRoot!.querySelector(`dd[data-array="${array}"]`)?.textContent?.trim();
    // Offline from a server (this test has none): the arrays on this device answer.
    await vi.waitFor(() => expect(value(power)).toBe('1,500 kW'));
    await vi.waitFor(() => expect(value('array/test/wind')).toBe('10.0 m/s'));
    const sparkline = site().shadowRoot!.querySelector('fl-sparkline')!;
    await vi.waitFor(() => expect(sparkline.values.filter((point) => point !== null)).toHaveLength(3));

    live.emit({ type: 'samples', array: power, site: 'site/north', length: 4, last: { time: Date.now(), value: 2345.6 } });
    await vi.waitFor(() => expect(value(power)).toBe('2,346 kW'));
    expect(sparkline.values.at(-1)).toBe(2345.6);
    // Another array's samples change nothing here.
    live.emit({ type: 'samples', array: 'array/elsewhere', site: 'site/north', length: 9, last: { time: Date.now(), value: 1 } });
    expect(value(power)).toBe('2,346 kW');
  });

  it('a live doc event lists the assets again (here without a sync: straight from the storage)', async () => {
    host.view = html`<fl-site .site=${'site/north'}></fl-site>`;
    document.body.append(host);
    const site = () => host.shadowRoot!.querySelector('fl-site')!;
    await vi.waitFor(() => expect(site().shadowRoot!.querySelectorAll('article')).toHaveLength(1));
    await storage.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
    live.emit({ type: 'doc', id: 'asset/north/t02', site: 'site/north' });
    await vi.waitFor(() => expect(site().shadowRoot!.querySelectorAll('article')).toHaveLength(2));
    expect([...site().shadowRoot!.querySelectorAll('article h3')].map((heading) => heading.textContent?.trim())).toEqual(['Turbine T01', 'Turbine T02']);
  });

  it('main channels: power first, then wind or irradiance, no high-rate channels; "winding" is no wind', () => {
    const make = (field: string, title: string, rate?: number) => ({ id: field, type: 'channel' as const, site: 's', asset: 'a', source: 's', array: field, title, field, ...(rate === undefined ? {} : { rate }) });
    const picked = mainChannels([make('gen_temp', 'Generator winding temperature'), make('vib_x', 'Vibration X', 1000), make('wind_speed', 'Wind speed'), make('power', 'Active power')]);
    expect(picked.map((channel) => channel.field)).toEqual(['power', 'wind_speed', 'gen_temp']);
  });
});

describe('<fl-sites> and <fl-asset>', () => {
  it('the sites list shows each site by title, kind and place, marked when simulated, linked by encoded id', async () => {
    host.view = html`<fl-sites></fl-sites>`;
    document.body.append(host);
    const sites = () => host.shadowRoot!.querySelector('fl-sites')!;
    await vi.waitFor(() => expect(sites().shadowRoot!.querySelectorAll('a.site')).toHaveLength(2));
    const links = [...sites().shadowRoot!.querySelectorAll('a.site')];
    expect(links.map((link) => link.querySelector('.title')?.textContent)).toEqual(['North Sea Wind', 'Sunfield Solar']);
    expect(links[0]!.getAttribute('href')).toBe('#/sites/site%2Fnorth');
    expect(links[0]!.textContent).toContain('German Bight');
    expect(links[1]!.textContent).toContain('Simulated');
  });

  it('a long list of sites is virtualized: 400 sites listed, only those near the screen are in the DOM', async () => {
    for (let index = 0; index < 400; index++) {
      await storage.put(`site/many-${String(index).padStart(3, '0')}`, { type: 'site', title: `Site ${String(index).padStart(3, '0')}`, kind: 'other' });
    }
    host.view = html`<fl-sites></fl-sites>`;
    document.body.append(host);
    const sites = () => host.shadowRoot!.querySelector('fl-sites')!;
    await vi.waitFor(() => expect(sites().shadowRoot!.textContent).toContain('402 sites'), { timeout: 10_000 });
    await vi.waitFor(() => expect(sites().shadowRoot!.querySelectorAll('a.site').length).toBeGreaterThan(0));
    const rendered = sites().shadowRoot!.querySelectorAll('a.site').length;
    expect(rendered).toBeLessThan(100);
    // Scrolling to the end brings the last ones in.
    const virtualizer = sites().shadowRoot!.querySelector('lit-virtualizer') as HTMLElement & { element(index: number): { scrollIntoView(): void } | undefined };
    virtualizer.element(401)?.scrollIntoView();
    await vi.waitFor(() => expect(sites().shadowRoot!.textContent).toContain('Sunfield Solar'));
  });

  it('the asset view names its site and parent by title, lists its channels with last values and its parts', async () => {
    await channel('bearing_temp', 'asset/north/t01-gearbox', 'Gearbox bearing temperature', '°C', [60, 61, 62.5]);
    host.view = html`<fl-asset .asset=${'asset/north/t01-gearbox'}></fl-asset>`;
    document.body.append(host);
    const asset = () => host.shadowRoot!.querySelector('fl-asset')!;
    await vi.waitFor(() => expect(text(asset())).toContain('Gearbox bearing temperature'));
    await vi.waitFor(() => expect(asset().shadowRoot!.querySelector('td[data-array="array/test/bearing_temp"]')?.textContent?.trim()).toBe('62.5 °C'));
    await vi.waitFor(() => expect(text(asset())).toContain('North Sea Wind'));
    expect(text(asset())).toContain('Turbine T01'); // its parent
    expect(text(asset())).toContain('T01 main bearing'); // its part
    expect(asset().shadowRoot!.querySelector('fl-channel-chart')?.array).toBe('array/test/bearing_temp');
    expect(text(asset())).not.toContain('site/north');
  });
});

describe('<fl-channel>', () => {
  it('draws the channel at full size: a taller plot than the 220 px of charts in lists', async () => {
    await channel('power', 'asset/north/t01', 'Active power', 'kW', [1000, 1200, 1500]);
    host.view = html`<fl-channel .channel=${'channel/test/power'}></fl-channel>`;
    document.body.append(host);
    const view = () => host.shadowRoot!.querySelector('fl-channel')!;
    const chart = await vi.waitFor(() => {
      const found = view().shadowRoot!.querySelector<FlChannelChart>('fl-channel-chart');
      expect(found?.plot).toBeDefined();
      return found!;
    });
    expect(chart.height).toBeGreaterThanOrEqual(280);
    expect(chart.plot!.height).toBe(chart.height);
    expect(text(view())).toContain('Turbine T01');
  });
});

describe('ChannelStatusController', () => {
  it('asks the server for a big site a few channels at a time, and every channel gets its status', async () => {
    let inFlight = 0;
    let most = 0;
    const asked: string[] = [];
    const release: Array<() => void> = [];
    const fetcher: typeof fetch = async (input) => {
      asked.push(String(input));
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => release.push(resolve));
      inFlight--;
      const body = { start: 0, end: 2, edges: [0, 1, 2], summaries: [{ count: 1, first: 1, last: 1, min: 1, max: 1 }, { count: 1, first: 2, last: asked.length, min: 2, max: 2 }] };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    class StatusHost extends LitElement {
      readonly status = new ChannelStatusController(this, { fetch: fetcher });
    }
    customElements.define('status-host', StatusHost);
    const element = document.createElement('status-host') as StatusHost;
    document.body.append(element);
    const arrays = Array.from({ length: 30 }, (_, index) => `array/big/${index}`);
    element.status.watch(arrays);
    // Answer whatever is waiting until all 30 were asked and answered.
    await vi.waitFor(
      () => {
        for (const resolve of release.splice(0)) resolve();
        expect(arrays.every((array) => element.status.status.get(array)?.state === 'ready')).toBe(true);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(asked).toHaveLength(30);
    expect(most).toBeLessThanOrEqual(4);
    expect(asked[0]).toContain('/api/arrays/array%2Fbig%2F0/summaries?from=');
    element.remove();
  });
});
