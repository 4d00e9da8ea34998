/// <reference types="@vitest/browser-playwright" />
// The asset page's timeline in real Chromium over a real IndexedDB storage: the alarms, work
// orders, checklist results, photos, readings, predictions and failures of an asset and its parts
// (at every depth) newest first, filter chips by kind, links; screenshots at the tablet and laptop
// sizes in test-results/screenshots/my-work/.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { storageContext } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class AssetHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  static override styles = css`:host { display: block; width: 100%; }`;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-asset .asset=${'asset/north/t01'}></fl-asset>`;
  }
}
customElements.define('asset-timeline-host', AssetHost);

const hour = 3_600_000;
const now = Date.now();
const iso = (hoursAgo: number) => new Date(now - hoursAgo * hour).toISOString();

let storage: Storage;
let host: AssetHost;

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('asset-timeline'), index: ['type', 'site', 'asset', 'parent'] } });
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/north/t01-gearbox', { type: 'asset', site: 'site/north', title: 'T01 gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
  await storage.put('asset/north/t01-bearing', { type: 'asset', site: 'site/north', title: 'T01 main bearing', asset_type: 'main_bearing', parent: 'asset/north/t01-gearbox' });
  await storage.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
  await storage.put('alarm/bearing-hot/ch1/1', {
    type: 'alarm', site: 'site/north', asset: 'asset/north/t01-bearing', channel: 'channel/ch1', rule: 'alarm_rule/bearing-hot', rule_title: 'Bearing hot',
    message: 'Main bearing above 80 °C', severity: 'high', state: 'cleared_unacked', raised_at: now - 50 * hour, count: 1,
    history: [{ at: now - 50 * hour, kind: 'raised', severity: 'high', value: 83 }, { at: now - 49 * hour, kind: 'cleared' }],
  });
  await storage.put('work_order/w1', {
    type: 'work_order', site: 'site/north', asset: 'asset/north/t01', title: 'Replace bearing seal', notes: '', status: 'verified', assignee: 'tina',
    checklist: [{ id: 'c1', label: 'Seal seated', kind: 'pass_fail' }],
    results: { c1: { value: 'pass', at: iso(30), by: 'tina' } },
    photos: { 'photo/p1.jpg': { taken_at: iso(29), by: 'tina', width: 1600, height: 1200, bytes: 200_000, caption: 'New seal' } },
    history: [
      { id: 'h1', at: iso(48), by: 'erin', action: 'created' },
      { id: 'h2', at: iso(31), by: 'tina', action: 'status', changes: { status: { from: 'assigned', to: 'in_progress' } } },
      { id: 'h3', at: iso(28), by: 'tina', action: 'status', changes: { status: { from: 'in_progress', to: 'done' } } },
      { id: 'h4', at: iso(20), by: 'erin', action: 'verified', changes: { status: { from: 'done', to: 'verified' } } },
    ],
  });
  await storage.put('work_order/open', { type: 'work_order', site: 'site/north', asset: 'asset/north/t01-gearbox', title: 'Check gearbox oil', notes: '', status: 'assigned', history: [{ id: 'o1', at: iso(2), by: 'erin', action: 'created' }] });
  await storage.put('reading/r1', { type: 'reading', site: 'site/north', asset: 'asset/north/t01', at: now - 30 * hour, values: { bearing_temp: 61 }, units: { bearing_temp: '°C' }, by: 'tina', work_order: 'work_order/w1' });
  await storage.put('prediction/p1', { type: 'prediction', site: 'site/north', asset: 'asset/north/t01-gearbox', at: now - 10 * hour, summary: 'Gearbox wear rising', rul: { value: 40, unit: 'days' } });
  await storage.put('failure/f1', { type: 'failure', site: 'site/north', asset: 'asset/north/t01-bearing', at: iso(60), component: 'Main bearing', mode: 'seal leak' });
  await storage.put('work_order/t02', { type: 'work_order', site: 'site/north', asset: 'asset/north/t02', title: 'Another turbine', notes: '', status: 'open', history: [{ id: 'x', at: iso(1), by: 'erin', action: 'created' }] });
  host = document.createElement('asset-timeline-host') as AssetHost;
  host.storage = storage;
});

afterEach(() => {
  host.remove();
});

const root = (): ShadowRoot => host.shadowRoot!.querySelector('fl-asset')!.shadowRoot!;
const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();
const rows = () => [...root().querySelectorAll<HTMLLIElement>('ol.timeline li')];
const whats = () => rows().map((row) => squash(row.querySelector('.what strong')?.textContent));
const chip = (label: RegExp) => [...root().querySelectorAll<HTMLButtonElement>('.chips button')].find((button) => label.test(button.textContent ?? ''))!;

describe('the asset page timeline', () => {
  it('shows the asset and its parts at every depth, newest first, filters by kind, links each entry', async () => {
    await page.viewport(768, 1024);
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(12), { timeout: 10_000 });
    expect(whats()).toEqual([
      'Work order created', // the open one on the gearbox, 2 h ago
      'Prediction',
      'Work verified',
      'Status: In progress → Done',
      'Photo taken',
      // The same time: ties by key (reading/… before work_order/…).
      'Reading taken',
      'Checklist: Seal seated',
      'Status: Assigned → In progress',
      'Work order created',
      'Alarm cleared',
      'Alarm raised',
      'Failure',
    ]);
    expect(squash(chip(/^All/).textContent)).toBe('All (12)');
    expect(chip(/^All/).getAttribute('aria-pressed')).toBe('true');
    // Another turbine's work is not here; the part (two levels down) is named on its entries.
    expect(root().querySelector('ol.timeline')?.textContent).not.toContain('Another turbine');
    const failure = rows().at(-1)!;
    expect(squash(failure.querySelector('.what')?.textContent)).toBe('Failure Main bearing: seal leak');
    expect(squash(failure.querySelector('.line')?.textContent)).toMatch(/ · T01 main bearing$/);
    const raised = rows().at(-2)!;
    expect(squash(raised.querySelector('.what')?.textContent)).toBe('Alarm raised High Main bearing above 80 °C');
    expect(raised.querySelector('a')?.getAttribute('href')).toBe('#/alarms/alarm%2Fbearing-hot%2Fch1%2F1');
    expect(rows()[2]!.querySelector('a')?.getAttribute('href')).toBe('#/work-orders/work_order%2Fw1');
    expect(squash(rows()[1]!.querySelector('.detail')?.textContent)).toBe('remaining useful life 40 days');
    // The open work order of the part is listed under Open work orders, linking to its page.
    expect(root().querySelector('section[aria-labelledby="orders-heading"] a')?.getAttribute('href')).toBe('#/work-orders/work_order%2Fopen');
    await page.screenshot({ path: '../../test-results/screenshots/my-work/asset-timeline-768x1024.png', element: host });

    // Chips: one kind, then two, then all again.
    chip(/^Inspections/).click();
    await vi.waitFor(() => expect(whats()).toEqual(['Photo taken', 'Reading taken', 'Checklist: Seal seated']));
    expect(chip(/^All/).getAttribute('aria-pressed')).toBe('false');
    chip(/^Failures/).click();
    await vi.waitFor(() => expect(whats()).toEqual(['Photo taken', 'Reading taken', 'Checklist: Seal seated', 'Failure']));
    chip(/^All/).click();
    await vi.waitFor(() => expect(rows()).toHaveLength(12));
    for (const button of root().querySelectorAll<HTMLButtonElement>('.chips button')) expect(button.getBoundingClientRect().height).toBeGreaterThanOrEqual(44);
  });

  it('draws a busy asset\'s timeline a hundred entries at a time, and counts what is beyond the newest 500', async () => {
    const history = Array.from({ length: 600 }, (_, index) => ({ id: `c${index}`, at: iso(100 + index), by: 'erin', action: 'comment', comment: `Note ${index}` }));
    await storage.put('work_order/busy', { type: 'work_order', site: 'site/north', asset: 'asset/north/t01', title: 'Busy', notes: '', status: 'in_progress', history: [{ id: 'c-created', at: iso(1000), by: 'erin', action: 'created' }, ...history] });
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(100), { timeout: 10_000 });
    // 12 entries above plus 601 of the busy work order: the newest 500 are kept, 113 counted.
    expect(squash(root().querySelector('[data-omitted]')?.textContent)).toBe('113 older entries not shown.');
    const more = root().querySelector<HTMLElement>('[data-show-more]')!;
    expect(squash(more.textContent)).toBe('Show 100 more of 400');
    more.click();
    await vi.waitFor(() => expect(rows()).toHaveLength(200));
  });

  it('takes the laptop screenshot', async () => {
    await page.viewport(1366, 900);
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(12), { timeout: 10_000 });
    await page.screenshot({ path: '../../test-results/screenshots/my-work/asset-timeline-1366x900.png', element: host });
  });
});
