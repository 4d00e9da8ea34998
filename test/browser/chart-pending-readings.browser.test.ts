/// <reference types="@vitest/browser-playwright" />
// The chart of a manual-reading channel in real Chromium over real IndexedDB: readings recorded on
// this tablet that the pinned array does not hold yet are drawn beside its line as "Not synced
// yet" points; once the array has them (the server applied them, the pin brought them down) they
// are drawn on the line only, never twice.
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { recordReading, storageContext } from '../../src/controllers';
import { FlChannelChart } from '../../src/gadgets/fl-channel-chart';
import { ReplicateStorage, createStorage, type Doc, type Storage } from '../../src/storage';

if (!customElements.get('fl-channel-chart')) customElements.define('fl-channel-chart', FlChannelChart);

/** The app's shell as far as the chart needs it: the device storage in context. */
class ChartHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  readonly #provider = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#provider.setValue(this.storage);
  }
  override render() {
    return html`<fl-channel-chart .array=${arrayId} .label=${'Gearbox oil temperature'} .unit=${'°C'}></fl-channel-chart>`;
  }
}
customElements.define('pending-chart-host', ChartHost);

const stamp = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
const site = 'site/north';
const asset = 'asset/north/t01';
const arrayId = 'array/manual/asset%2Fnorth%2Ft01/oil_temp';
const T0 = Date.UTC(2026, 11, 1, 8);
let host: ChartHost | undefined;

afterEach(() => host?.remove());

describe('pending readings on the channel chart', () => {
  it('draws readings recorded here beside the line until the array holds them, then once on the line', async () => {
    const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: `chart-pending-${stamp}`, index: ['type', 'site', 'asset', 'kind'] } } });
    // The app's storage: a replica over the device's IndexedDB (its writes fire `localchange`).
    const storage = new ReplicateStorage(local, createStorage({ type: 'memory' }), createStorage({ type: 'memory' }), { query: 'NOT kind:"fl-channel-array"' });
    await local.put('channel/manual/asset%2Fnorth%2Ft01/oil_temp', { type: 'channel', site, asset, source: 'manual', array: arrayId, title: 'Gearbox oil temperature', field: 'oil_temp', unit: '°C', manual: true } as unknown as Doc);
    const array = await ChannelArray.create(local, arrayId, { timing: 'explicit', site, producer: 'manual' });
    const history = Float32Array.from({ length: 20 }, (_, index) => 55 + Math.sin(index / 3) * 3);
    await array.append(history, Float64Array.from({ length: 20 }, (_, index) => T0 + index * 3_600_000));
    await page.viewport(768, 1024);
    host = document.createElement('pending-chart-host') as ChartHost;
    host.storage = storage;
    document.body.append(host);
    await host.updateComplete;
    const chart = host.shadowRoot!.querySelector('fl-channel-chart')!;
    await expect.poll(() => chart.plot !== undefined && chart.dataset.points === '20', { timeout: 10_000 }).toBe(true);
    expect(chart.dataset.pendingReadings).toBe('0');
    expect(chart.plot!.series).toHaveLength(2);

    // The technician records two readings (one inside the drawn range, one after its end).
    const inside = T0 + 10.5 * 3_600_000;
    const after = T0 + 21 * 3_600_000;
    await recordReading(storage, { site, asset, at: inside, values: { oil_temp: 61 }, units: { oil_temp: '°C' }, by: 'tina' });
    await recordReading(storage, { site, asset, at: after, values: { oil_temp: 62.5 }, units: { oil_temp: '°C' }, by: 'tina' });
    await expect.poll(() => chart.dataset.pendingReadings, { timeout: 10_000 }).toBe('2');
    const plot = chart.plot!;
    expect(plot.series.map((series) => series.label)).toEqual(['Time', 'Gearbox oil temperature [°C]', 'Not synced yet']);
    const [x, line, points] = plot.data as unknown as [number[], Array<number | null | undefined>, Array<number | undefined>];
    const drawn = (values: ReadonlyArray<number | null | undefined>) => x.flatMap((time, index) => (typeof values[index] === 'number' ? [[time * 1000, values[index]]] : []));
    expect(drawn(points)).toEqual([
      [inside, 61],
      [after, 62.5],
    ]);
    expect(drawn(line)).toHaveLength(20); // the line as it was, unbroken (undefined is spanned, only null breaks it)
    expect(line.filter((value) => value === null)).toEqual([]);
    expect(chart.shadowRoot!.querySelector('header')!.textContent).toContain('2 readings not synced yet');
    // The whole of both fits the view.
    expect(plot.scales.x!.max! * 1000).toBeGreaterThanOrEqual(after);
    await page.screenshot({ path: `../../test-results/chart-pending-768.png`, element: chart });
    await page.viewport(1366, 900);
    await page.screenshot({ path: `../../test-results/chart-pending-1366.png`, element: chart });

    // Synced: the server applied them in time order and the pin brought the array down.
    const applied = await ChannelArray.open(local, arrayId);
    await applied.truncate(11);
    await applied.append(Float32Array.from([61, ...history.slice(11), 62.5]), Float64Array.from([inside, ...Array.from({ length: 9 }, (_, index) => T0 + (11 + index) * 3_600_000), after]));
    window.dispatchEvent(new Event('fl-data-changed'));
    await expect.poll(() => chart.dataset.pendingReadings, { timeout: 10_000 }).toBe('0');
    await expect.poll(() => chart.dataset.points, { timeout: 10_000 }).toBe('22');
    expect(chart.plot!.series).toHaveLength(2);
    const [x2, line2] = chart.plot!.data as unknown as [number[], number[]];
    expect(x2.map((time) => time * 1000).filter((time) => time === inside || time === after)).toEqual([inside, after]); // each once
    expect(line2[x2.indexOf(inside / 1000)]).toBe(61);
    expect(chart.shadowRoot!.querySelector('header')!.textContent).not.toContain('not synced yet');
  });
});
