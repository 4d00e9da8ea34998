/// <reference types="@vitest/browser-playwright" />
// The sites page's "Fleet health" in real Chromium over a real IndexedDB storage (the asset_health
// documents as sync writes them on a device): assets worst first, level chips in words and
// colour, score, explanation, site and asset titles, links, "Show all", the empty state, axe;
// screenshots at the tablet and laptop sizes, light and dark, in test-results/screenshots/health/.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import axe from 'axe-core';
import { ContextProvider } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { storageContext } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class SitesHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  static override styles = css`:host { display: block; width: 100%; padding: 1rem; box-sizing: border-box; background: var(--fl-page); }`;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-sites></fl-sites>`;
  }
}
customElements.define('fleet-health-host', SitesHost);

const now = Date.now();
let storage: Storage;
let host: SitesHost;

/** A device's storage as the app opens it (the app's indexes). */
function deviceStorage(): Storage {
  return createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('fleet-health'), index: ['type', 'site', 'asset', 'kind'] } });
}

async function writeFleet(target: Storage): Promise<void> {
  await target.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await target.put('site/sun', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  const asset = (id: string, site: string, title: string, asset_type: string, parent?: string) => target.put(id, { type: 'asset', site, title, asset_type, ...(parent ? { parent } : {}) });
  await asset('asset/north/t01', 'site/north', 'Turbine T01', 'turbine');
  await asset('asset/north/t03', 'site/north', 'Turbine T03', 'turbine');
  await asset('asset/north/t03-main-bearing', 'site/north', 'T03 main bearing', 'main_bearing', 'asset/north/t03');
  await asset('asset/sun/inv01', 'site/sun', 'Inverter INV01', 'inverter');
  await asset('asset/sun/inv02', 'site/sun', 'Inverter INV02', 'inverter');
  const health = (path: string, site: string, score: number, level: string, explanation: string) =>
    target.put(`asset_health/${path}`, { type: 'asset_health', site, asset: `asset/${path}`, score, level, explanation, reasons: [], computed_at: now });
  await health('north/t01', 'site/north', 100, 'good', 'No open issues');
  await health('north/t03-main-bearing', 'site/north', 28, 'critical', 'Fails in 12 days (8–17), around 14 Dec');
  await health('north/t03', 'site/north', 28, 'critical', 'Main bearing fails in 12 days (8–17)');
  await health('sun/inv01', 'site/sun', 72, 'watch', 'Performance −0.9 %/yr (−1.1 to −0.7)');
  await health('sun/inv02', 'site/sun', 55, 'warning', 'Open alarm: DC string current low (medium)');
  // A copy that cannot be shown (no finite score) is left out, not ranked first or last.
  await target.put('asset_health/sun/broken', { type: 'asset_health', site: 'site/sun', asset: 'asset/sun/broken', score: 'low', level: 'critical', explanation: 'Broken', reasons: [], computed_at: now });
}

beforeEach(async () => {
  storage = deviceStorage();
  await writeFleet(storage);
  host = document.createElement('fleet-health-host') as SitesHost;
  host.storage = storage;
});

afterEach(() => {
  host.remove();
  document.documentElement.className = '';
});

const fleet = (): ShadowRoot => host.shadowRoot!.querySelector('fl-sites')!.shadowRoot!.querySelector('fl-fleet-health')!.shadowRoot!;
const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();
const rows = () => [...fleet().querySelectorAll<HTMLAnchorElement>('a.asset')];

async function shoot(name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    document.documentElement.className = `sl-theme-${theme}`;
    await page.screenshot({ path: `../../test-results/screenshots/health/${name}-${theme}.png`, element: host });
  }
  document.documentElement.className = '';
}

describe('fleet health on the sites page', () => {
  it('ranks the assets worst first with level chips, scores, explanations, site and asset titles, and links', async () => {
    await page.viewport(768, 1024);
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(5), { timeout: 10_000 });
    // Worst first; equal scores end on the asset id (the same order on every device).
    expect(rows().map((row) => row.dataset.asset)).toEqual(['asset/north/t03', 'asset/north/t03-main-bearing', 'asset/sun/inv02', 'asset/sun/inv01', 'asset/north/t01']);
    const first = rows()[0]!;
    expect(first.getAttribute('href')).toBe('#/assets/asset%2Fnorth%2Ft03');
    expect(squash(first.querySelector('.title')?.textContent)).toBe('Turbine T03 · North Sea Wind');
    expect(squash(first.querySelector('[data-score]')?.textContent)).toBe('28/100');
    expect(squash(first.querySelector('.explanation')?.textContent)).toBe('Main bearing fails in 12 days (8–17)');
    // The level in words and an icon, not colour alone; each level its own colours.
    const chips = rows().map((row) => row.querySelector<HTMLElement>('.health')!);
    expect(chips.map((chip) => squash(chip.textContent))).toEqual(['Critical', 'Critical', 'Warning', 'Watch', 'Good']);
    for (const chip of chips) expect(chip.querySelector('sl-icon')?.getAttribute('name')).toBeTruthy();
    const background = (chip: HTMLElement) => getComputedStyle(chip).backgroundColor;
    expect(new Set([background(chips[0]!), background(chips[2]!), background(chips[3]!), background(chips[4]!)]).size).toBe(4);
    expect(squash(rows()[3]!.querySelector('.title')?.textContent)).toBe('Inverter INV01 · Sunfield Solar');
    expect(squash(fleet().querySelector('[data-summary]')?.textContent)).toBe('2 critical · 1 warning · 1 watch · 1 good');
    // Rows are touch targets.
    for (const row of rows()) expect(row.getBoundingClientRect().height).toBeGreaterThanOrEqual(44);
    await shoot('fleet-768x1024');
  });

  it('lists the worst eight first and every asset after "Show all"', async () => {
    for (let index = 0; index < 10; index++) {
      const path = `north/extra-${String(index).padStart(2, '0')}`;
      await storage.put(`asset/${path}`, { type: 'asset', site: 'site/north', title: `Extra ${index}`, asset_type: 'turbine' });
      await storage.put(`asset_health/${path}`, { type: 'asset_health', site: 'site/north', asset: `asset/${path}`, score: 90 + index / 10, level: 'good', explanation: 'No open issues', reasons: [], computed_at: now });
    }
    await page.viewport(1440, 900);
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(8), { timeout: 10_000 });
    // 28, 28, 55, 72, then the extras from 90.0 up; T01 (100) is beyond the first eight.
    expect(rows().at(-1)!.dataset.asset).toBe('asset/north/extra-03');
    expect(rows().map((row) => row.dataset.asset)).not.toContain('asset/north/t01');
    const all = fleet().querySelector<HTMLElement>('[data-show-all]')!;
    expect(squash(all.textContent)).toBe('Show all 15 assets');
    all.click();
    await vi.waitFor(() => expect(rows()).toHaveLength(15));
    expect(rows().at(-1)!.dataset.asset).toBe('asset/north/t01');
    expect(fleet().querySelector('[data-show-all]')).toBeNull();
  });

  it('follows a new assessment after a write on the device (as a sync writes it)', async () => {
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(5), { timeout: 10_000 });
    await storage.put('asset_health/north/t01', { type: 'asset_health', site: 'site/north', asset: 'asset/north/t01', score: 10, level: 'critical', explanation: 'Gearbox oil temperature alarm (critical)', reasons: [], computed_at: now + 1 });
    await host.shadowRoot!.querySelector('fl-sites')!.reload();
    await vi.waitFor(() => expect(rows()[0]!.dataset.asset).toBe('asset/north/t01'));
  });

  it('says in words that nothing is assessed yet on a device without health documents', async () => {
    storage = deviceStorage();
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    host.storage = storage;
    document.body.append(host);
    await vi.waitFor(() => expect(fleet().querySelector('[data-empty]')).not.toBeNull(), { timeout: 10_000 });
    expect(squash(fleet().querySelector('[data-empty]')?.textContent)).toMatch(/^No health assessments on this device yet\./);
    expect(rows()).toHaveLength(0);
  });

  it('has no serious axe findings, light and dark, and takes the laptop screenshot', async () => {
    await page.viewport(1440, 900);
    document.body.append(host);
    await vi.waitFor(() => expect(rows()).toHaveLength(5), { timeout: 10_000 });
    for (const theme of ['light', 'dark'] as const) {
      document.documentElement.className = `sl-theme-${theme}`;
      const results = await axe.run(host, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
      expect(serious.map((violation) => `${theme} ${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
    }
    await shoot('fleet-1440x900');
  });
});
