// Alarms on the device in real Chromium over a real IndexedDB storage: actions written here
// (offline: only the local storage) folded into the synced alarm by the same applyAction the server
// runs, the list's filters, the badge's count with navigator.setAppBadge, the detail's actions
// and "Create work order" (linked both ways), and the chart's alarm bands.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { AlarmsController, activationBands, badgeCount, liveContext, storageContext, writeAlarmAction, type AlarmFilter, type BadgeApi, type LiveEvent, type LiveEvents } from '../../src/controllers';
import type { Alarm } from '../../src/core';
import { defineGadgets, type FlAlarm, type FlAlarmBadge, type FlAlarms } from '../../src/gadgets';
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

class AlarmsHost extends LitElement {
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
customElements.define('alarms-host', AlarmsHost);

/** A gadget that only holds an AlarmsController (what the views hold), to read it in tests. */
class AlarmsProbe extends LitElement {
  filter: AlarmFilter = {};
  readonly alarms = new AlarmsController(this, { filter: () => this.filter });
  updates = 0;
  protected override updated(): void {
    this.updates++;
  }
}
customElements.define('alarms-probe', AlarmsProbe);

let storage: Storage;
let live: Live;
let host: AlarmsHost;
const now = Date.now();

function alarm(overrides: Partial<Alarm> = {}): Alarm {
  return {
    type: 'alarm',
    site: 'site/north',
    asset: 'asset/north/t01',
    channel: 'channel/t01/bearing_temp',
    rule: 'alarm_rule/bearing-hot',
    rule_title: 'Bearing hot',
    message: 'Bearing temperature above 80 °C',
    severity: 'high',
    state: 'active_unacked',
    raised_at: now - 3_600_000,
    value: 83.2,
    count: 1,
    history: [{ at: now - 3_600_000, kind: 'raised', severity: 'high', value: 83.2 }],
    ...overrides,
  };
}

async function mount<T extends Element>(view: unknown, tag: string): Promise<T> {
  host.view = view;
  document.body.append(host);
  await vi.waitFor(() => expect(host.shadowRoot?.querySelector(tag)).not.toBeNull());
  return host.shadowRoot!.querySelector(tag) as unknown as T;
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('alarms'), index: ['type', 'site', 'asset', 'kind'] } });
  live = new Live();
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/north/t01-gearbox', { type: 'asset', site: 'site/north', title: 'T01 gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
  await storage.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
  await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  await storage.put('channel/t01/bearing_temp', { type: 'channel', site: 'site/north', asset: 'asset/north/t01', source: 'source/t01', array: 'array/t01/bearing_temp', title: 'Bearing temperature', unit: '°C', field: 'bearing_temp' });
  host = document.createElement('alarms-host') as AlarmsHost;
  host.storage = storage;
  host.live = live;
});

afterEach(() => {
  host.remove();
  location.hash = '';
});

describe('AlarmsController', () => {
  it("folds this device's pending actions into the synced alarm, and stops counting them pending once the server's alarm names them", async () => {
    await storage.put('alarm/bearing-hot/t01/1', alarm() as never);
    const probe = await mount<AlarmsProbe>(html`<alarms-probe></alarms-probe>`, 'alarms-probe');
    await vi.waitFor(() => expect(probe.alarms.byId('alarm/bearing-hot/t01/1')?.state).toBe('active_unacked'));

    // Offline: the action goes into the local storage only; the alarm document is untouched.
    const ack = await writeAlarmAction({ id: 'alarm/bearing-hot/t01/1', site: 'site/north' }, { action: 'acknowledge' }, { storage, by: 'tess' });
    await writeAlarmAction({ id: 'alarm/bearing-hot/t01/1', site: 'site/north' }, { action: 'comment', text: 'Checked on site, fan clogged.' }, { storage, by: 'tess', now: Date.now() + 1 });
    await vi.waitFor(() => expect(probe.alarms.byId('alarm/bearing-hot/t01/1')?.pending).toBe(2));
    const folded = probe.alarms.byId('alarm/bearing-hot/t01/1')!;
    expect(folded.state).toBe('active_acked');
    expect(folded.acked_by).toBe('tess');
    expect(folded.history.map((entry) => entry.kind)).toEqual(['raised', 'acknowledged', 'commented']);
    expect(((await storage.get('alarm/bearing-hot/t01/1')) as unknown as Alarm).state).toBe('active_unacked');
    const action = (await storage.get(ack)) as Record<string, unknown>;
    expect(action).toMatchObject({ type: 'alarm_action', site: 'site/north', alarm: 'alarm/bearing-hot/t01/1', action: 'acknowledge', by: 'tess' });

    // The server applied the acknowledgement (its history names the action): one pending left, nothing doubled.
    const server = alarm({ state: 'active_acked', acked_at: now, acked_by: 'tess', history: [...alarm().history, { at: now, kind: 'acknowledged', by: 'tess', action: ack }] });
    await storage.put('alarm/bearing-hot/t01/1', server as never);
    await probe.alarms.reload();
    await vi.waitFor(() => expect(probe.alarms.byId('alarm/bearing-hot/t01/1')?.pending).toBe(1));
    expect(probe.alarms.byId('alarm/bearing-hot/t01/1')!.history.map((entry) => entry.kind)).toEqual(['raised', 'acknowledged', 'commented']);
  });

  it('filters by site, asset (with its parts), severity and state; shelved and out-of-service alarms only with showHidden; an expired shelve counts as unshelved', async () => {
    await storage.put('alarm/a/1', alarm({ severity: 'critical' }) as never);
    await storage.put('alarm/b/1', alarm({ asset: 'asset/north/t01-gearbox', severity: 'medium', state: 'active_acked' }) as never);
    await storage.put('alarm/c/1', alarm({ asset: 'asset/north/t02', severity: 'low', state: 'cleared_unacked' }) as never);
    await storage.put('alarm/d/1', alarm({ site: 'site/south', asset: 'asset/south/inv01', severity: 'high' }) as never);
    await storage.put('alarm/e/1', alarm({ state: 'normal' }) as never);
    await storage.put('alarm/f/1', alarm({ shelved: { until: now + 3_600_000, by: 'tess', at: now } }) as never);
    await storage.put('alarm/g/1', alarm({ out_of_service: { by: 'tess', at: now } }) as never);
    await storage.put('alarm/h/1', alarm({ shelved: { until: now - 1000, by: 'tess', at: now - 7_200_000 } }) as never);
    const probe = await mount<AlarmsProbe>(html`<alarms-probe></alarms-probe>`, 'alarms-probe');
    await vi.waitFor(() => expect(probe.alarms.all).toHaveLength(8));
    const ids = (filter: AlarmFilter) => {
      probe.filter = filter;
      return probe.alarms.shown.map((row) => row.id).sort();
    };
    // Default: open (not normal), not hidden; the expired shelve (h) is back in the list.
    expect(ids({})).toEqual(['alarm/a/1', 'alarm/b/1', 'alarm/c/1', 'alarm/d/1', 'alarm/h/1']);
    expect(ids({ site: 'site/south' })).toEqual(['alarm/d/1']);
    expect(ids({ assets: new Set(['asset/north/t01', 'asset/north/t01-gearbox']) })).toEqual(['alarm/a/1', 'alarm/b/1', 'alarm/h/1']);
    expect(ids({ severity: 'critical' })).toEqual(['alarm/a/1']);
    expect(ids({ state: 'cleared_unacked' })).toEqual(['alarm/c/1']);
    expect(ids({ state: 'normal' })).toEqual(['alarm/e/1']);
    expect(ids({ state: 'any', showHidden: true })).toHaveLength(8);
    expect(ids({ showHidden: true })).toEqual(['alarm/a/1', 'alarm/b/1', 'alarm/c/1', 'alarm/d/1', 'alarm/f/1', 'alarm/g/1', 'alarm/h/1']);
    // Most urgent first: active before cleared, then severity.
    probe.filter = {};
    expect(probe.alarms.shown[0]!.id).toBe('alarm/a/1');
    expect(probe.alarms.shown.at(-1)!.id).toBe('alarm/c/1');
    // The badge counts open, unacknowledged, shown ones: a, c, d, h (b is acknowledged, e normal, f shelved, g out of service).
    expect(badgeCount(probe.alarms.all, Date.now())).toBe(4);
  });

  it('a live doc event about an alarm lists again (here without a sync: straight from the storage)', async () => {
    const probe = await mount<AlarmsProbe>(html`<alarms-probe></alarms-probe>`, 'alarms-probe');
    await vi.waitFor(() => expect(probe.alarms.loaded).toBe(true));
    expect(probe.alarms.all).toHaveLength(0);
    await storage.put('alarm/live/1', alarm() as never);
    live.emit({ type: 'doc', id: 'alarm/live/1', site: 'site/north' });
    await vi.waitFor(() => expect(probe.alarms.all.map((row) => row.id)).toEqual(['alarm/live/1']));
  });
});

/** Records what the badge API was asked. */
function recordingBadge(): BadgeApi & { calls: Array<number | 'clear'> } {
  const calls: Array<number | 'clear'> = [];
  return {
    calls,
    setAppBadge: async (count?: number) => void calls.push(count ?? 0),
    clearAppBadge: async () => void calls.push('clear'),
  };
}

describe('<fl-alarm-badge>', () => {
  it('shows the count in the header and sets the app icon badge (navigator.setAppBadge) as alarms are acknowledged', async () => {
    await storage.put('alarm/a/1', alarm() as never);
    await storage.put('alarm/b/1', alarm({ severity: 'critical' }) as never);
    await storage.put('alarm/c/1', alarm({ state: 'active_acked' }) as never);
    const api = recordingBadge();
    const badge = await mount<FlAlarmBadge>(html`<fl-alarm-badge .badgeApi=${api}></fl-alarm-badge>`, 'fl-alarm-badge');
    await vi.waitFor(() => expect(badge.dataset.count).toBe('2'));
    expect(badge.shadowRoot!.querySelector('a')!.getAttribute('aria-label')).toBe('Alarms: 2 need attention');
    expect(badge.shadowRoot!.querySelector('a')!.getAttribute('href')).toBe('#/alarms');
    await vi.waitFor(() => expect(api.calls).toEqual([2]));

    await writeAlarmAction({ id: 'alarm/a/1', site: 'site/north' }, { action: 'acknowledge' }, { storage, by: 'tess' });
    await vi.waitFor(() => expect(api.calls).toEqual([2, 1]));
    await writeAlarmAction({ id: 'alarm/b/1', site: 'site/north' }, { action: 'shelve', until: Date.now() + 3_600_000 }, { storage, by: 'tess' });
    await vi.waitFor(() => expect(api.calls).toEqual([2, 1, 'clear']));
    expect(badge.dataset.count).toBe('0');
    expect(badge.shadowRoot!.querySelector('a')!.getAttribute('aria-label')).toBe('Alarms: none need attention');
  });

  it('where the browser has no Badging API the header badge still counts, and nothing throws', async () => {
    await storage.put('alarm/a/1', alarm() as never);
    const badge = await mount<FlAlarmBadge>(html`<fl-alarm-badge .badgeApi=${{}}></fl-alarm-badge>`, 'fl-alarm-badge');
    await vi.waitFor(() => expect(badge.dataset.count).toBe('1'));
    expect(badge.shadowRoot!.querySelector('.count')?.textContent).toBe('1');
  });
});

describe('<fl-alarms>', () => {
  it('lists alarms by title with severity as icon and word, filters by asset from the link, and hides shelved ones behind the switch', async () => {
    await storage.put('alarm/a/1', alarm({ count: 3 }) as never);
    await storage.put('alarm/b/1', alarm({ asset: 'asset/north/t02', message: 'Rotor overspeed', severity: 'critical' }) as never);
    await storage.put('alarm/c/1', alarm({ message: 'Yaw misalignment', shelved: { until: now + 3_600_000, by: 'tess', at: now } }) as never);
    location.hash = '#/alarms?asset=asset%2Fnorth%2Ft01';
    const list = await mount<FlAlarms>(html`<fl-alarms></fl-alarms>`, 'fl-alarms');
    const rows = () => [...list.shadowRoot!.querySelectorAll<HTMLAnchorElement>('a.alarm')];
    await vi.waitFor(() => expect(rows().map((row) => row.dataset.alarm)).toEqual(['alarm/a/1']));
    const row = rows()[0]!;
    expect(row.querySelector('.severity')?.textContent?.trim()).toBe('High');
    expect(row.querySelector('.severity sl-icon')?.getAttribute('name')).toBe('exclamation-diamond');
    expect(row.textContent).toContain('Turbine T01');
    expect(row.textContent).toContain('Bearing temperature');
    expect(row.querySelector('[data-count]')?.textContent).toBe('3× active');
    expect(row.textContent).not.toMatch(/asset\/|channel\//);
    expect(row.getAttribute('href')).toBe('#/alarms/alarm%2Fa%2F1');
    expect(list.shadowRoot!.querySelector('[data-shown]')?.textContent).toContain('1 shelved or out of service hidden');

    list.showHidden = true;
    await vi.waitFor(() => expect(rows().map((r) => r.dataset.alarm)).toEqual(['alarm/a/1', 'alarm/c/1']));
    list.asset = '';
    await vi.waitFor(() => expect(rows().map((r) => r.dataset.alarm)).toEqual(['alarm/b/1', 'alarm/a/1', 'alarm/c/1']));
  });

  it('virtualizes a long list (only the rows on screen are in the DOM)', async () => {
    for (let index = 0; index < 300; index++) await storage.put(`alarm/many/${index}`, alarm({ raised_at: now - index * 60_000 }) as never);
    const list = await mount<FlAlarms>(html`<fl-alarms></fl-alarms>`, 'fl-alarms');
    await vi.waitFor(() => expect(list.shadowRoot!.querySelector('[data-shown]')?.getAttribute('data-shown')).toBe('300'), { timeout: 15_000 });
    await vi.waitFor(() => expect(list.shadowRoot!.querySelectorAll('lit-virtualizer a.alarm').length).toBeGreaterThan(0));
    expect(list.shadowRoot!.querySelectorAll('a.alarm').length).toBeLessThan(300);
  });
});

describe('<fl-alarm>', () => {
  it('acknowledges and comments (written as actions, shown at once as not synced), and creates a work order linked both ways', async () => {
    await storage.put('alarm/bearing-hot/t01/1', alarm() as never);
    const view = await mount<FlAlarm>(html`<fl-alarm .alarm=${'alarm/bearing-hot/t01/1'} .username=${'tess'}></fl-alarm>`, 'fl-alarm');
    const root = () => view.shadowRoot!;
    await vi.waitFor(() => expect(root().querySelector('[data-fact="state"] dd')?.textContent).toBe('Active, not acknowledged'));
    await vi.waitFor(() => expect(root().querySelector('[data-fact="Asset"] a')?.textContent).toBe('Turbine T01'));

    (root().querySelector('sl-button[data-action="acknowledge"]') as HTMLElement).click();
    await vi.waitFor(() => expect(root().querySelector('[data-fact="state"] dd')?.textContent).toBe('Active, acknowledged'));
    expect(root().querySelector('[data-fact="acknowledged"] dd')?.textContent).toContain('by tess');
    expect(root().querySelector('[data-pending]')?.textContent).toContain('1 change not synced yet');
    expect(root().querySelector('sl-button[data-action="acknowledge"]')).toBeNull();

    view.comment = 'Fan clogged, cleaning it.';
    await view.updateComplete;
    (root().querySelector('sl-button[data-action="comment"]') as HTMLElement).click();
    await vi.waitFor(() => expect(root().querySelector('ol.history li[data-kind="commented"] .text')?.textContent).toBe('Fan clogged, cleaning it.'));
    expect(view.comment).toBe('');

    (root().querySelector('sl-button[data-action="work-order"]') as HTMLElement).click();
    await vi.waitFor(() => expect(location.hash).toMatch(/^#\/work-orders\/work_order%2F/));
    const orderId = decodeURIComponent(location.hash.slice('#/work-orders/'.length));
    const order = (await storage.get(orderId)) as Record<string, unknown>;
    expect(order).toMatchObject({ type: 'work_order', site: 'site/north', asset: 'asset/north/t01', status: 'open', alarm: 'alarm/bearing-hot/t01/1', updated_by: 'tess' });
    expect(order.title).toBe('Turbine T01: Bearing temperature above 80 °C');
    expect(order.notes).toContain('Severity: high');
    expect(order.notes).toContain('Value at raise: 83.2 °C');
    expect(order.notes).toContain('Comment by tess');
    const actions = await storage.allDocs({ query: 'type:alarm_action', include_docs: true });
    expect(actions.rows.map((row) => (row.doc as { action: string }).action).sort()).toEqual(['acknowledge', 'comment', 'link_work_order']);
    expect(actions.rows.find((row) => (row.doc as { action: string }).action === 'link_work_order')?.doc).toMatchObject({ work_order: orderId, by: 'tess' });
    await vi.waitFor(() => expect(root().querySelector('ul.links a')?.getAttribute('href')).toBe(`#/work-orders/${encodeURIComponent(orderId)}`));
  });

  it('without a signed-in user the actions are disabled (an action records who did it)', async () => {
    await storage.put('alarm/bearing-hot/t01/1', alarm() as never);
    const view = await mount<FlAlarm>(html`<fl-alarm .alarm=${'alarm/bearing-hot/t01/1'}></fl-alarm>`, 'fl-alarm');
    await vi.waitFor(() => expect(view.shadowRoot!.querySelector('sl-button[data-action="acknowledge"]')).not.toBeNull());
    expect(view.shadowRoot!.querySelector('sl-button[data-action="acknowledge"]')!.hasAttribute('disabled')).toBe(true);
    await expect(writeAlarmAction({ id: 'alarm/x', site: 'site/north' }, { action: 'acknowledge' }, { storage, by: '' })).rejects.toThrow(/sign in/);
  });
});

describe('<fl-work-orders> from an alarm', () => {
  // The link back to the alarm is on the work order's page now (#/work-orders/<id>); the list's row leads there.
  it('lists the work order an alarm created, its row opening its page, and finds it by the alarm', async () => {
    await storage.put('work_order/w1', { type: 'work_order', site: 'site/north', asset: 'asset/north/t01', title: 'Turbine T01: Bearing hot', status: 'open', notes: '', alarm: 'alarm/bearing-hot/t01/1' });
    await storage.put('work_order/w2', { type: 'work_order', site: 'site/north', title: 'Unrelated', status: 'open', notes: '' });
    const orders = await mount<HTMLElement>(html`<fl-work-orders></fl-work-orders>`, 'fl-work-orders');
    await vi.waitFor(() => expect(orders.shadowRoot!.querySelectorAll('a.order')).toHaveLength(2));
    expect(orders.shadowRoot!.querySelector('a.order[data-id="work_order/w1"]')!.getAttribute('href')).toBe('#/work-orders/work_order%2Fw1');
    const search = orders.shadowRoot!.querySelector('sl-input[label="Search"]') as HTMLElement & { value: string };
    search.value = 'alarm/bearing-hot';
    search.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
    await vi.waitFor(() => expect([...orders.shadowRoot!.querySelectorAll('a.order')].map((row) => row.getAttribute('data-id'))).toEqual(['work_order/w1']));
  });
});

describe('alarm state of assets', () => {
  it("a site's tile shows the worst open alarm of the asset and its parts (severity word and count), linking to the filtered list; the asset's Alarms fact too", async () => {
    await storage.put('alarm/a/1', alarm({ severity: 'medium' }) as never);
    await storage.put('alarm/b/1', alarm({ asset: 'asset/north/t01-gearbox', severity: 'critical' }) as never);
    await storage.put('alarm/c/1', alarm({ severity: 'critical', state: 'normal' }) as never); // closed: not counted
    await storage.put('alarm/d/1', alarm({ severity: 'critical', shelved: { until: now + 3_600_000, by: 'tess', at: now } }) as never); // shelved: not counted
    const site = await mount<HTMLElement>(html`<fl-site .site=${'site/north'}></fl-site>`, 'fl-site');
    const tile = (title: string) => [...site.shadowRoot!.querySelectorAll('article')].find((article) => article.querySelector('h3')?.textContent?.trim() === title);
    await vi.waitFor(() => expect(tile('Turbine T01')?.querySelector('[data-alarms]')?.getAttribute('data-alarms')).toBe('2'));
    const state = tile('Turbine T01')!.querySelector('a[data-alarms]')!;
    expect(state.querySelector('.severity')?.textContent?.trim()).toBe('Critical');
    expect(state.textContent).toContain('2 open alarms');
    expect(state.getAttribute('href')).toBe('#/alarms?asset=asset%2Fnorth%2Ft01');
    expect(tile('Turbine T02')?.querySelector('[data-alarms]')?.textContent?.trim()).toBe('No open alarms');
    host.remove();

    const asset = await mount<HTMLElement>(html`<fl-asset .asset=${'asset/north/t01'}></fl-asset>`, 'fl-asset');
    await vi.waitFor(() => expect(asset.shadowRoot!.querySelector('.facts a[data-alarms]')?.getAttribute('data-alarms')).toBe('2'));
    expect(asset.shadowRoot!.querySelector('.facts a[data-alarms] .severity')?.textContent?.trim()).toBe('Critical');
    // Every alarm of the asset and its parts, closed and shelved too, is on the asset's timeline (one raise each).
    await vi.waitFor(() => expect(asset.shadowRoot!.querySelectorAll('ol.timeline li[data-kind="alarm"]')).toHaveLength(4));
  });
});

describe('alarm bands on <fl-channel-chart>', () => {
  it('a chattering alarm is one band per activation (from its history), escalations colour the band, a dropped history falls back to raised_at', () => {
    const t = now - 3_600_000;
    const chattering = alarm({
      state: 'active_unacked',
      count: 2,
      history: [
        { at: t, kind: 'raised', severity: 'medium' },
        { at: t + 60_000, kind: 'escalated', severity: 'critical' },
        { at: t + 120_000, kind: 'cleared' },
        { at: t + 600_000, kind: 'reactivated', severity: 'medium' },
      ],
    });
    expect(activationBands([chattering])).toEqual([
      { raised_at: t, cleared_at: t + 120_000, severity: 'critical' },
      { raised_at: t + 600_000, severity: 'medium' },
    ]);
    const dropped = alarm({ raised_at: t, cleared_at: t + 5000, state: 'cleared_unacked', history: [{ at: t + 5000, kind: 'cleared' }], history_dropped: 200 });
    expect(activationBands([dropped])).toEqual([{ raised_at: t, cleared_at: t + 5000, severity: 'high' }]);
  });

  it('draws a band for each alarm of the channel in the visible range and none for those outside', async () => {
    const array = await ChannelArray.create(storage, 'array/t01/bearing_temp', { timing: 'regular', unit: '°C' });
    const t0 = now - 600_000;
    await array.append(Float32Array.from({ length: 600 }, (_, i) => 60 + i / 20), { t0, dt: 1000 });
    const chart = document.createElement('fl-channel-chart') as FlChannelChart;
    chart.style.width = '800px';
    chart.style.display = 'block';
    chart.storage = storage;
    chart.array = 'array/t01/bearing_temp';
    chart.alarms = [
      { raised_at: t0 + 200_000, cleared_at: t0 + 300_000, severity: 'high' },
      { raised_at: t0 + 500_000, severity: 'critical' },
      { raised_at: t0 - 3_600_000, cleared_at: t0 - 3_000_000, severity: 'low' },
    ];
    document.body.append(chart);
    try {
      await vi.waitFor(() => expect(chart.dataset.alarmBands).toBe('2'), { timeout: 10_000 });
      // The band's pixels carry the severity's colour (the critical band to the right edge while active).
      const canvas = chart.shadowRoot!.querySelector('canvas')!;
      const context = canvas.getContext('2d')!;
      const plot = chart.plot!;
      const x = Math.round(plot.valToPos((t0 + 550_000) / 1000, 'x', true));
      const y = Math.round(plot.bbox.top + 4);
      const [red, green] = context.getImageData(x, y, 1, 1).data;
      expect(red).toBeGreaterThan(green! + 5);
      chart.alarms = [];
      await vi.waitFor(() => expect(chart.dataset.alarmBands).toBe('0'));
    } finally {
      chart.remove();
    }
  });
});

