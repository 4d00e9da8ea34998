/// <reference types="@vitest/browser-playwright" />
// The asset page's Health card, "Remaining useful life" and "Degradation" charts in real Chromium
// over a real IndexedDB storage holding what sync and a pin bring to a device (the server's
// asset_health, prediction and degradation documents and the derived channels' arrays), with no
// server in reach: score, level, reasons and their links; the RUL band, lead line and words; the
// degradation points, trend and band and words; axe; screenshots at the tablet and laptop sizes,
// light and dark, in test-results/screenshots/health/.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import axe from 'axe-core';
import type uPlot from 'uplot';
import { ContextProvider } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { storageContext } from '../../src/controllers';
import { degradationArrayId, degradationChannelDoc, rulChannelDocs, rulChannelIds, type JsonObject } from '../../src/core';
import { defineGadgets } from '../../src/gadgets';
import type { FlDegradationChart } from '../../src/gadgets/fl-degradation-chart';
import type { FlRulChart } from '../../src/gadgets/fl-rul-chart';
import { formatDay } from '../../src/gadgets/health-format';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class AssetHost extends LitElement {
  static override properties = { storage: { attribute: false }, asset: { type: String } };
  declare storage: Storage | undefined;
  declare asset: string;
  static override styles = css`:host { display: block; width: 100%; padding: 1rem; box-sizing: border-box; background: var(--fl-page); }`;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-asset .asset=${this.asset}></fl-asset>`;
  }
}
customElements.define('asset-health-host', AssetHost);

const HOUR = 3_600_000;
const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
const now = Date.now();
const TURBINE = 'asset/north/t03';
const BEARING = 'asset/north/t03-main-bearing';
const PREDICTION = 'prediction/main-bearing/north/t03-main-bearing';
/** Estimate history: 60 days of hourly steps, the estimate falling a day a day to 23 days now. */
const STEPS = 60 * 24;
const DEGRADATION_DAYS = 1040;
let storage: Storage;
let host: AssetHost;

async function writeDevice(target: Storage): Promise<void> {
  await target.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await target.put(TURBINE, { type: 'asset', site: 'site/north', title: 'Turbine T03', asset_type: 'turbine' });
  await target.put(BEARING, { type: 'asset', site: 'site/north', title: 'T03 main bearing', asset_type: 'main_bearing', parent: TURBINE });
  await target.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await target.put('prediction_model/main-bearing', { type: 'prediction_model', title: 'Main bearing', asset_type: 'main_bearing', inputs: ['main_bearing_temp'], step_ms: HOUR, cap_days: 90, lead_days: 21, enabled: true, active_version: 1 });
  await target.put('asset_health/north/t03', {
    type: 'asset_health', site: 'site/north', asset: TURBINE, score: 28, level: 'critical', explanation: 'Main bearing fails in 23 days (17–31)', computed_at: now,
    reasons: [
      { kind: 'alarm', text: 'Main bearing above 80 °C (high, active)', penalty: 20, ref: 'alarm/bearing-hot/ch1/1' },
      { kind: 'rul', text: 'T03 main bearing fails in 23 days (17–31)', penalty: 45, ref: PREDICTION },
      { kind: 'anomaly', text: 'Vibration unusual (score 0.82)', penalty: 7, ref: 'channel/t03.cms/vibration_rms/anomaly' },
    ],
  });
  const at = now - HOUR;
  await target.put(PREDICTION, {
    type: 'prediction', site: 'site/north', asset: BEARING, model: 'prediction_model/main-bearing', version: 1, at,
    rul_days: 23, low_days: 17, high_days: 31, failure_at: now + 23 * DAY, failure_low: now + 17 * DAY, failure_high: now + 31 * DAY, level: 0.9,
    summary: 'RUL 23 days (17–31): main bearing temperature rising',
    evidence: [{ channel: 'channel/t03.scada/main_bearing_temp', title: 'Main bearing temperature', trend: 'rising', share: 0.62 }],
    channels: rulChannelIds('main-bearing', BEARING).channels,
    work_order: 'work_order/prediction/main-bearing/north/t03-main-bearing/0',
  });
  for (const [id, doc] of rulChannelDocs('main-bearing', { id: BEARING, site: 'site/north', title: 'T03 main bearing' }, HOUR)) await target.put(id, doc as unknown as JsonObject);
  const ids = rulChannelIds('main-bearing', BEARING).arrays;
  const t0 = at - (STEPS - 1) * HOUR;
  const rul = Float32Array.from({ length: STEPS }, (_, step) => 23 + (STEPS - 1 - step) / 24);
  for (const [series, values] of [['rul', rul], ['low', rul.map((value) => value - 6)], ['high', rul.map((value) => value + 8)]] as const) {
    const array = await ChannelArray.create(target, ids[series], { timing: 'regular', unit: 'd', site: 'site/north', producer: 'prediction' });
    await array.append(values, { t0, dt: HOUR });
  }
  // Degradation: −0.9 %/yr over 1 040 days, a wobble of ±1 % so the points scatter round the line.
  const from = now - DEGRADATION_DAYS * DAY;
  await target.put('degradation/north/t03', {
    type: 'degradation', site: 'site/north', asset: TURBINE, indicator: 'power_curve_residual', method: 'year_on_year', rate_pct_per_year: -0.9, ci_low: -1.1, ci_high: -0.7,
    confidence: 0.95, from, to: now - DAY, days_used: DEGRADATION_DAYS, computed_at: now, channel: 'channel/degradation/north/t03/indicator', summary: '−0.9 %/yr (−1.1 to −0.7) over 2.8 years',
  });
  await target.put('channel/degradation/north/t03/indicator', degradationChannelDoc({ id: TURBINE, site: 'site/north', title: 'Turbine T03' }, 'power_curve_residual') as unknown as JsonObject);
  const indicator = await ChannelArray.create(target, degradationArrayId(TURBINE), { timing: 'regular', site: 'site/north', producer: 'degradation' });
  await indicator.append(Float32Array.from({ length: DEGRADATION_DAYS }, (_, day) => (1 - 0.009 * ((day * DAY) / YEAR)) * (1 + 0.01 * Math.sin(day * 1.7))), { t0: from, dt: DAY });
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('asset-health'), index: ['type', 'site', 'asset', 'kind'] } });
  await writeDevice(storage);
  host = document.createElement('asset-health-host') as AssetHost;
  host.storage = storage;
  host.asset = TURBINE;
});

afterEach(() => {
  host.remove();
  document.documentElement.className = '';
});

const asset = (): ShadowRoot => host.shadowRoot!.querySelector('fl-asset')!.shadowRoot!;
const card = (): ShadowRoot | undefined => asset().querySelector('fl-asset-health')?.shadowRoot ?? undefined;
const rulChart = (): FlRulChart | null => asset().querySelector('fl-rul-chart');
const degradationChart = (): FlDegradationChart | null => asset().querySelector('fl-degradation-chart');
/** uPlot's bands as the instance keeps them (its types leave them out). */
const bandsOf = (plot: uPlot): uPlot.Band[] | undefined => (plot as unknown as { bands?: uPlot.Band[] }).bands;
const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

async function drawn(): Promise<{ rul: uPlot; degradation: uPlot }> {
  await vi.waitFor(() => expect(rulChart()?.plot).toBeDefined(), { timeout: 15_000 });
  await vi.waitFor(() => expect(degradationChart()?.plot).toBeDefined(), { timeout: 15_000 });
  return { rul: rulChart()!.plot!, degradation: degradationChart()!.plot! };
}

/** Screenshots of each new section (the test page paints only what is in its viewport), light and dark. */
async function shoot(name: string): Promise<void> {
  const sections = { health: 'fl-asset-health', rul: 'fl-rul-chart', degradation: 'fl-degradation-chart' };
  for (const theme of ['light', 'dark'] as const) {
    document.documentElement.className = `sl-theme-${theme}`;
    // The canvas reads the theme when it draws.
    rulChart()?.plot?.redraw();
    degradationChart()?.plot?.redraw();
    for (const [section, selector] of Object.entries(sections)) {
      const element = asset().querySelector<HTMLElement>(selector)!;
      element.scrollIntoView({ block: 'start' });
      await page.screenshot({ path: `../../test-results/screenshots/health/${name}-${section}-${theme}.png`, element });
    }
  }
  document.documentElement.className = '';
}

describe('the asset page: health, remaining useful life, degradation', () => {
  it('shows the health card: score, level in words, explanation, reasons worst first with their links', async () => {
    await page.viewport(768, 1024);
    document.body.append(host);
    await vi.waitFor(() => expect(card()?.querySelector('[data-score]')).toBeTruthy(), { timeout: 10_000 });
    const root = card()!;
    expect(squash(root.querySelector('[data-score]')?.textContent)).toBe('28 / 100');
    expect(squash(root.querySelector('.health')?.textContent)).toBe('Critical');
    expect(root.querySelector('.health')?.getAttribute('data-level')).toBe('critical');
    expect(squash(root.querySelector('[data-explanation]')?.textContent)).toBe('Main bearing fails in 23 days (17–31)');
    const reasons = [...root.querySelectorAll('li')];
    expect(reasons.map((reason) => reason.dataset.kind)).toEqual(['rul', 'alarm', 'anomaly']);
    expect(reasons.map((reason) => squash(reason.querySelector('.penalty')?.textContent))).toEqual(['−45 pts', '−20 pts', '−7 pts']);
    const links = reasons.map((reason) => reason.querySelector('a')!.getAttribute('href'));
    expect(links).toEqual(['#/assets/asset%2Fnorth%2Ft03-main-bearing', '#/alarms/alarm%2Fbearing-hot%2Fch1%2F1', '#/channels/channel%2Ft03.cms%2Fvibration_rms%2Fanomaly']);
    // The prediction's chart is on this page: its reason scrolls to it rather than leaving.
    await vi.waitFor(() => expect(rulChart()).not.toBeNull());
    const hash = location.hash;
    reasons[0]!.querySelector('a')!.click();
    expect(location.hash).toBe(hash);
  });

  it('draws the remaining useful life with its band, the lead line and the estimate in words, from the device only', async () => {
    await page.viewport(1440, 900);
    document.body.append(host);
    const { rul: plot } = await drawn();
    const chart = rulChart()!;
    expect(chart.dataset.ref).toBe(PREDICTION);
    expect(squash(chart.shadowRoot!.querySelector('[data-words]')?.textContent)).toBe(`T03 main bearing: fails in 23 days (17–31), around ${formatDay(now + 23 * DAY, now)}`);
    expect(squash(chart.shadowRoot!.querySelector('[data-evidence]')?.textContent)).toBe('Driven by Main bearing temperature rising (62 %)');
    expect(chart.shadowRoot!.querySelector('[data-work-order]')?.getAttribute('href')).toBe('#/work-orders/work_order%2Fprediction%2Fmain-bearing%2Fnorth%2Ft03-main-bearing%2F0');
    // Series: x, high, low, estimate, lead; the band fills between high and low.
    expect(plot.series.slice(1).map((series) => series.label)).toEqual(['High (90 %)', 'Low (90 %)', 'Remaining useful life', 'Lead time (21 d)']);
    expect(bandsOf(plot)?.map((band) => band.series)).toEqual([[1, 2]]);
    const [x, high, low, rul, lead] = plot.data as unknown as Array<ArrayLike<number | null>>;
    expect(x!.length).toBe(STEPS);
    expect(Number(chart.dataset.points)).toBe(STEPS);
    expect(rul![x!.length - 1]).toBeCloseTo(23, 3);
    expect(rul![0]).toBeCloseTo(23 + (STEPS - 1) / 24, 3);
    for (let index = 0; index < x!.length; index++) {
      expect(high![index]! - rul![index]!).toBeCloseTo(8, 3);
      expect(rul![index]! - low![index]!).toBeCloseTo(6, 3);
      expect(lead![index]).toBe(21);
    }
    expect(chart.dataset.lead).toBe('21');
  });

  it('draws the degradation: daily points, the trend at the rate with its interval band, and the rate in words', async () => {
    await page.viewport(1440, 900);
    document.body.append(host);
    const { degradation: plot } = await drawn();
    const chart = degradationChart()!;
    expect(squash(chart.shadowRoot!.querySelector('[data-words]')?.textContent)).toBe('−0.9 %/yr (−1.1 to −0.7), year on year over 1 040 days');
    expect(plot.series.slice(1).map((series) => series.label)).toEqual(['Daily indicator', 'High (95 %)', 'Low (95 %)', 'Trend']);
    // Points without a line for the days; the band between the interval's bounds.
    expect(plot.series[1]!.paths?.(plot, 1, 0, plot.data[0].length - 1)).toBeNull();
    expect(plot.series[4]!.paths?.(plot, 4, 0, plot.data[0].length - 1)).not.toBeNull();
    expect(bandsOf(plot)?.map((band) => band.series)).toEqual([[2, 3]]);
    const [x, points, high, low, trend] = plot.data as unknown as Array<ArrayLike<number | null>>;
    expect(Array.from(points!).filter((value) => value !== null).length).toBeGreaterThan(0);
    const last = x!.length - 1;
    const years = (x![last]! - x![0]!) / (YEAR / 1000);
    // The trend falls at −0.9 %/yr of its level; the band widens from the first day.
    expect((trend![last]! / trend![0]! - 1) / years).toBeCloseTo(-0.009, 4);
    expect(trend![0]).toBeCloseTo(1, 2);
    for (let index = 0; index < x!.length; index++) {
      expect(high![index]!).toBeGreaterThanOrEqual(trend![index]! - 1e-9);
      expect(low![index]!).toBeLessThanOrEqual(trend![index]! + 1e-9);
    }
    expect(high![last]! - low![last]!).toBeGreaterThan(high![0]! - low![0]!);
  });

  it('shows a part\'s own prediction on the part\'s page, and an asset without assessments says so in words', async () => {
    host.asset = BEARING;
    document.body.append(host);
    await vi.waitFor(() => expect(rulChart()?.plot).toBeDefined(), { timeout: 15_000 });
    expect(squash(rulChart()!.shadowRoot!.querySelector('[data-words]')?.textContent)).toMatch(/^T03 main bearing: fails in 23 days/);
    expect(degradationChart()).toBeNull();
    host.asset = 'asset/north/t01';
    await vi.waitFor(() => expect(card()?.querySelector('[data-empty]')).toBeTruthy(), { timeout: 10_000 });
    expect(squash(card()!.querySelector('[data-empty]')?.textContent)).toMatch(/^Not assessed yet/);
    await vi.waitFor(() => expect(rulChart()).toBeNull());
    expect(asset().querySelector('[data-section="rul"]')).toBeNull();
  });

  it('says where the data is when the chart\'s arrays are not on this device', async () => {
    await storage.remove(rulChannelIds('main-bearing', BEARING).arrays.high);
    document.body.append(host);
    await vi.waitFor(() => expect(rulChart()?.shadowRoot?.querySelector('[role="alert"]')).toBeTruthy(), { timeout: 15_000 });
    expect(squash(rulChart()!.shadowRoot!.querySelector('[role="alert"]')?.textContent)).toMatch(/not on this device: pin the site or the asset/);
  });

  it('has no serious axe findings, light and dark, and takes the screenshots', async () => {
    for (const [width, height] of [[768, 1024], [1440, 900]] as const) {
      await page.viewport(width, height);
      document.body.append(host);
      await drawn();
      for (const theme of ['light', 'dark'] as const) {
        document.documentElement.className = `sl-theme-${theme}`;
        // The new sections (the page's older ones have their own checks in the e2e views walk).
        for (const section of asset().querySelectorAll<HTMLElement>('section[aria-labelledby="health-heading"], section[data-section]')) {
          const results = await axe.run(section, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
          const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
          expect(serious.map((violation) => `${theme} ${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
        }
      }
      await shoot(`asset-${width}x${height}`);
      host.remove();
    }
  });
});
