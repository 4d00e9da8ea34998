// <fl-explorer> in real Chromium over real IndexedDB storages: a device storage (pinned arrays)
// and a second one standing for the server's (serverStorageContext), with the real picker and
// panels. Picking, the address, the shared range and Back, offline notes, derived series and
// saved views.
import '../../src/gadgets/design/components';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { serverStorageContext, storageContext } from '../../src/controllers';
import type { ExplorerSeries } from '../../src/controllers/explorer/series-loader';
import { FlExplorer } from '../../src/gadgets/fl-explorer';
import { FlExplorerPanel } from '../../src/gadgets/fl-explorer-panel';
import { FlExplorerPicker } from '../../src/gadgets/fl-explorer-picker';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

for (const [tag, element] of [['fl-explorer', FlExplorer], ['fl-explorer-panel', FlExplorerPanel], ['fl-explorer-picker', FlExplorerPicker]] as const) {
  if (!customElements.get(tag)) customElements.define(tag, element);
}

class ExplorerHost extends LitElement {
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
    return html`<fl-explorer .username=${'erin'}></fl-explorer>`;
  }
}
if (!customElements.get('explorer-host')) customElements.define('explorer-host', ExplorerHost);

const T0 = Date.UTC(2026, 10, 1);
const POWER = 'channel/src-t01/power';
const WIND = 'channel/src-t01/wind_speed';
const ACC = 'channel/src-cms/acc_x';

const newStorage = (name: string): Storage => createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName(name), index: ['type', 'site', 'kind'] } });

/** The documents of a small fleet; arrays of `arrays` (field names) with an hour at 1 Hz. */
async function fleet(storage: Storage, arrays: string[]): Promise<void> {
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/north/t01-gearbox', { type: 'asset', site: 'site/north', title: 'T01 gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
  const channels = [
    { id: POWER, title: 'Active power', unit: 'kW', field: 'power', asset: 'asset/north/t01', source: 'src-t01' },
    { id: WIND, title: 'Wind speed', unit: 'm/s', field: 'wind_speed', asset: 'asset/north/t01', source: 'src-t01' },
    { id: ACC, title: 'Gearbox acceleration X', unit: 'g', field: 'acc_x', asset: 'asset/north/t01-gearbox', source: 'src-cms' },
  ];
  for (const channel of channels) {
    const array = `array/${channel.source}/${channel.field}`;
    await storage.put(channel.id, { type: 'channel', title: channel.title, unit: channel.unit, field: channel.field, site: 'site/north', asset: channel.asset, source: channel.source, array });
    if (!arrays.includes(channel.field)) continue;
    const created = await ChannelArray.create(storage, array, { timing: 'regular', unit: channel.unit, site: 'site/north' });
    await created.append(Float32Array.from({ length: 3600 }, (_, i) => (channel.field === 'power' ? 1000 + i : i / 100)), { t0: T0, dt: 1000 });
  }
}

let device: Storage;
let server: Storage;
let host: ExplorerHost;

const explorer = (): FlExplorer => host.shadowRoot!.querySelector('fl-explorer')!;
const root = (): ShadowRoot => explorer().shadowRoot!;
const picker = (): FlExplorerPicker => root().querySelector('fl-explorer-picker')!;
const panels = (): FlExplorerPanel[] => [...root().querySelectorAll('fl-explorer-panel')];
const panelChannels = (): string[][] => panels().map((panel) => panel.series.map((series) => series.channel));

async function mount(options: { server?: boolean } = {}): Promise<void> {
  host = document.createElement('explorer-host') as ExplorerHost;
  host.storage = device;
  host.server = options.server === false ? undefined : server;
  document.body.append(host);
  await host.updateComplete;
  await explorer().updateComplete;
  // A narrow frame (the test's) has the picker in a drawer: open it with "Channels".
  if (!explorer().wide) {
    expect(picker()).toBeNull();
    [...root().querySelectorAll<HTMLElement>('sl-button')].find((button) => button.textContent!.trim() === 'Channels')!.click();
    await explorer().updateComplete;
  }
  await expect.poll(() => picker()?.catalog.channels.length ?? 0, { timeout: 5000 }).toBeGreaterThan(0);
}

async function pick(search: string, title: string): Promise<void> {
  const box = picker().shadowRoot!.querySelector('sl-input')!;
  box.value = search;
  box.dispatchEvent(new CustomEvent('sl-input'));
  await picker().updateComplete;
  const button = [...picker().shadowRoot!.querySelectorAll<HTMLButtonElement>('button.channel')].find((each) => each.textContent!.includes(title));
  expect(button, `a channel button "${title}" for "${search}"`).toBeDefined();
  button!.click();
  await explorer().updateComplete;
}

beforeEach(async () => {
  history.replaceState(null, '', '#/explore');
  device = newStorage('explorer-device');
  server = newStorage('explorer-server');
  await fleet(server, ['power', 'wind_speed', 'acc_x']);
  await fleet(device, ['power']);
});

afterEach(() => {
  host?.remove();
  history.replaceState(null, '', '#/');
});

describe('<fl-explorer>', () => {
  it('picks channels by search and from the tree into panels; the address carries them and reopens the same view', async () => {
    await mount();
    await pick('t01 power', 'Active power');
    // Into panel 1 this time (the picker's "Add to").
    const target = picker().shadowRoot!.querySelector('sl-select')!;
    picker().target = '0';
    await picker().updateComplete;
    expect(target.value).toBe('0');
    await pick('wind', 'Wind speed');
    // From the tree: open Turbine T01, then its gearbox, with no search.
    picker().target = 'new';
    const box = picker().shadowRoot!.querySelector('sl-input')!;
    box.value = '';
    box.dispatchEvent(new CustomEvent('sl-input'));
    await picker().updateComplete;
    const open = async (selector: string) => {
      const details = picker().shadowRoot!.querySelector<HTMLDetailsElement>(selector)!;
      details.open = true;
      await expect.poll(() => picker().shadowRoot!.querySelector(`${selector} ul, ${selector} details`) !== null, { timeout: 2000 }).toBe(true);
    };
    await open('details[data-asset="asset/north/t01"]');
    await open('details[data-asset="asset/north/t01-gearbox"]');
    picker().shadowRoot!.querySelector<HTMLButtonElement>(`button[data-channel="${ACC}"]`)!.click();
    await explorer().updateComplete;

    // A "last 24 h" range ends at the data's end: the panels come once it is known.
    await expect.poll(() => panelChannels(), { timeout: 5000 }).toEqual([[POWER, WIND], [ACC]]);
    // Online with a server: every series reads the server's arrays.
    expect(panels().flatMap((panel) => panel.series).every((series) => series.storage === server)).toBe(true);
    expect(panels()[0]!.series.map((series) => series.title)).toEqual(['Active power · Turbine T01', 'Wind speed · Turbine T01']);
    // The address is written (after a pause, or before leaving: a click flushes it).
    document.body.click();
    await expect.poll(() => location.hash, { timeout: 2000 }).toContain('p=');
    const written = location.hash;

    // The panels load and draw (the last 24 h ends at the data's end).
    await expect.poll(() => panels()[0]!.dataset.points ?? '', { timeout: 10_000 }).not.toBe('');

    host.remove();
    history.replaceState(null, '', written);
    await mount();
    await expect.poll(() => panelChannels(), { timeout: 5000 }).toEqual([[POWER, WIND], [ACC]]);
  });

  it('a zoom in one panel moves every panel; history once per gesture; Back returns to the range before', async () => {
    history.replaceState(null, '', `#/explore?p=${encodeURIComponent(POWER)}%3B${encodeURIComponent(WIND)}&from=${T0}&to=${T0 + 3_600_000}`);
    await mount();
    await expect.poll(() => panels().length, { timeout: 5000 }).toBe(2);
    const back = root().querySelector<HTMLElement>('[data-action="back"]')!;
    expect(back.hasAttribute('disabled')).toBe(true);
    const zoom = (from: number, to: number, settled: boolean) =>
      panels()[0]!.dispatchEvent(new CustomEvent('fl-explorer-range', { detail: { from, to, settled }, bubbles: true, composed: true }));
    zoom(T0 + 600_000, T0 + 1_800_000, false);
    zoom(T0 + 900_000, T0 + 1_500_000, false);
    zoom(T0 + 1_000_000, T0 + 1_400_000, true);
    await explorer().updateComplete;
    expect(panels().map((panel) => panel.range)).toEqual([
      { from: T0 + 1_000_000, to: T0 + 1_400_000 },
      { from: T0 + 1_000_000, to: T0 + 1_400_000 },
    ]);
    await expect.poll(() => location.hash, { timeout: 2000 }).toContain(`from=${T0 + 1_000_000}`);
    // A second gesture, then Back twice: the frames within a gesture are not steps of the history.
    zoom(T0 + 1_100_000, T0 + 1_200_000, true);
    await explorer().updateComplete;
    back.click();
    await explorer().updateComplete;
    expect(panels()[1]!.range).toEqual({ from: T0 + 1_000_000, to: T0 + 1_400_000 });
    // The panel's own Back (Backspace/Escape) goes the same way.
    panels()[1]!.dispatchEvent(new CustomEvent('fl-explorer-back', { bubbles: true, composed: true }));
    await explorer().updateComplete;
    expect(panels()[0]!.range).toEqual({ from: T0, to: T0 + 3_600_000 });
    expect(back.hasAttribute('disabled')).toBe(true);
  });

  it('the readout shows every channel’s value at the shared cursor', async () => {
    history.replaceState(null, '', `#/explore?p=${encodeURIComponent(POWER)}%3B${encodeURIComponent(WIND)}&from=${T0}&to=${T0 + 600_000}`);
    await mount();
    await expect.poll(() => panels().every((panel) => (panel.dataset.points ?? '') !== '' && panel.dataset.loading === undefined), { timeout: 10_000 }).toBe(true);
    panels()[1]!.dispatchEvent(new CustomEvent('fl-explorer-cursor', { detail: { x: T0 + 100_000 }, bubbles: true, composed: true }));
    const readout = () => root().querySelector('.readout')!;
    await expect.poll(() => readout().getAttribute('data-cursor'), { timeout: 2000 }).toBe(String(T0 + 100_000));
    const value = (key: string) => readout().querySelector(`[data-key="${key}"] dd`)!.getAttribute('data-value');
    // Sample 100 at 1 Hz: power 1000 + 100, wind 100 / 100.
    expect(Number(value(POWER))).toBe(1100);
    expect(Number(value(WIND))).toBeCloseTo(1, 5);
    expect(readout().textContent).toContain('Active power · Turbine T01');
    expect(readout().textContent).toContain('kW');
  });

  it('without the server, a channel of the view whose data is not on this device says so; the pinned one draws from the device', async () => {
    history.replaceState(null, '', `#/explore?p=${encodeURIComponent(POWER)}%2C${encodeURIComponent(WIND)}&from=${T0}&to=${T0 + 600_000}`);
    await mount({ server: false });
    await expect.poll(() => panelChannels(), { timeout: 5000 }).toEqual([[POWER]]);
    expect(panels()[0]!.series[0]!.storage).toBe(device);
    const note = root().querySelector('[data-note="missing"]')!;
    expect(note.textContent).toContain('Wind speed (Turbine T01) is not on this device');
    // The missing one stays in the view (and the address): it can be removed by hand.
    expect(root().querySelector(`[data-series="${WIND}"][data-missing]`)).not.toBeNull();
  });

  it('a derived series (fl-explorer-derived) joins its panel and can be removed', async () => {
    history.replaceState(null, '', `#/explore?p=${encodeURIComponent(ACC)}&from=${T0}&to=${T0 + 600_000}`);
    await mount();
    await expect.poll(() => panels().length, { timeout: 5000 }).toBe(1);
    const derived: ExplorerSeries = { key: 'derived/escalated-max', channel: ACC, title: 'Escalated max', unit: 'g', array: 'array/src-cms/acc_x', storage: server, derived: { label: 'Escalated max of Gearbox acceleration X' } };
    root().querySelector('.workspace')!.dispatchEvent(new CustomEvent('fl-explorer-derived', { detail: { panel: 0, series: derived }, bubbles: true, composed: true }));
    await explorer().updateComplete;
    expect(panels()[0]!.series.map((series) => series.key)).toEqual([ACC, 'derived/escalated-max']);
    expect(root().querySelector('.readout')!.textContent).toContain('Escalated max of Gearbox acceleration X');
    // Never in the address: it is this session's output.
    document.body.click();
    expect(location.hash).not.toContain('derived');
  });

  it('saves the view as a document, opens it again after changes, deletes it', async () => {
    history.replaceState(null, '', `#/explore?p=${encodeURIComponent(POWER)}&from=${T0}&to=${T0 + 600_000}`);
    await mount();
    await expect.poll(() => panels().length, { timeout: 5000 }).toBe(1);
    (root().querySelector('sl-button:has(sl-icon[name="bookmark"])') as HTMLElement).click();
    await explorer().updateComplete;
    const title = root().querySelector<HTMLElement & { value: string }>('form.save sl-input')!;
    title.value = 'T01 power, first 10 min';
    title.dispatchEvent(new CustomEvent('sl-input'));
    root().querySelector('form.save')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await expect.poll(async () => (await device.allDocs({ query: 'type:explorer_view', include_docs: true })).rows.map((row) => row.doc!.title), { timeout: 5000 }).toEqual(['T01 power, first 10 min']);
    const saved = (await device.allDocs({ query: 'type:explorer_view', include_docs: true })).rows[0]!;
    expect(saved.doc).toMatchObject({ owner: 'erin', panels: [{ series: [{ channel: POWER }] }], range: { from: T0, to: T0 + 600_000 } });

    // Change the view, then open the saved one.
    await pick('wind', 'Wind speed');
    await expect.poll(() => panelChannels(), { timeout: 5000 }).toEqual([[POWER], [WIND]]);
    await expect.poll(() => root().querySelector(`li[data-view="${saved.id}"]`) !== null, { timeout: 5000 }).toBe(true);
    (root().querySelector(`li[data-view="${saved.id}"] sl-button`) as HTMLElement).click();
    await explorer().updateComplete;
    expect(panelChannels()).toEqual([[POWER]]);
    expect(location.hash).toContain(`from=${T0}`);
    // A link naming the view opens it too.
    host.remove();
    history.replaceState(null, '', `#/explore?view=${encodeURIComponent(saved.id)}`);
    await mount();
    await expect.poll(() => panelChannels(), { timeout: 5000 }).toEqual([[POWER]]);

    (root().querySelector('sl-button:has(sl-icon[name="bookmark"])') as HTMLElement).click();
    await explorer().updateComplete;
    await expect.poll(() => root().querySelector(`li[data-view="${saved.id}"]`) !== null, { timeout: 5000 }).toBe(true);
    const confirm = window.confirm;
    window.confirm = () => true;
    try {
      (root().querySelector(`li[data-view="${saved.id}"] sl-icon-button`) as HTMLElement).click();
      await expect.poll(async () => (await device.allDocs({ query: 'type:explorer_view' })).rows.length, { timeout: 5000 }).toBe(0);
    } finally {
      window.confirm = confirm;
    }
  });
});
