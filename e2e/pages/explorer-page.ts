import { expect, type Download, type Locator, type Page } from '@playwright/test';

/**
 * Page object for the channel explorer (#/explore): the picker (a side column on a desktop, a
 * drawer opened by "Channels" on a tablet), the stacked panels, the cursor readout, the time-range
 * controls, saved views, export, and the analysis and algorithms sections below the panels.
 */
export class ExplorerPage {
  readonly page: Page;
  readonly gadget: Locator;
  readonly picker: Locator;
  readonly panels: Locator;
  readonly readout: Locator;
  readonly back: Locator;
  readonly rangeText: Locator;
  readonly analysis: Locator;
  readonly algorithms: Locator;

  constructor(page: Page) {
    this.page = page;
    this.gadget = page.locator('fl-explorer');
    this.picker = this.gadget.locator('fl-explorer-picker');
    this.panels = this.gadget.locator('fl-explorer-panel');
    this.readout = this.gadget.locator('.readout');
    this.back = this.gadget.locator('sl-button[data-action="back"]');
    this.rangeText = this.gadget.locator('.range-text');
    this.analysis = this.gadget.locator('fl-explorer-analysis');
    this.algorithms = this.gadget.locator('fl-explorer-algorithms');
  }

  /** Opens the explorer at `hash` (default: empty) and waits for it. */
  async open(base: string, hash = '#/explore'): Promise<void> {
    await this.page.goto(`${base}/${hash}`);
    await expect(this.gadget).toBeVisible({ timeout: 20_000 });
  }

  /** Whether the picker sits in a drawer (narrow screens): it opens with "Channels". */
  async #openPicker(): Promise<void> {
    const button = this.gadget.getByRole('button', { name: 'Channels', exact: true });
    if (await button.isVisible()) {
      await button.click();
      await expect(this.gadget.locator('sl-drawer[open]')).toBeVisible();
    }
  }

  async #closePicker(): Promise<void> {
    const drawer = this.gadget.locator('sl-drawer[open]');
    if ((await drawer.count()) > 0) {
      await drawer.getByRole('button', { name: 'Close' }).click();
      await expect(this.gadget.locator('sl-drawer[open]')).toHaveCount(0);
    }
  }

  /** Chooses where the next pick goes: 'new' or a panel number (1-based). */
  async target(panel: number | 'new'): Promise<void> {
    await this.#openPicker();
    const select = this.picker.getByRole('combobox', { name: 'Add to' });
    await select.click();
    await this.picker.getByRole('option', { name: panel === 'new' ? 'A new panel' : `Panel ${panel}`, exact: true }).click();
  }

  /** Searches, then picks the channel `title` of `asset` from the matches. */
  async pickBySearch(search: string, title: string, asset: string, panel: number | 'new' = 'new'): Promise<void> {
    await this.target(panel);
    const box = this.picker.getByRole('searchbox', { name: 'Search channels' });
    await box.fill(search);
    // The button's name says the channel, its unit and its asset ("Active power (kW), Turbine T01").
    await this.picker.locator(`button.channel[aria-label*=${JSON.stringify(`, ${asset}`)}]`, { hasText: title }).first().click();
    await box.fill('');
    await this.#closePicker();
  }

  /** Picks from the tree: opens the site, the assets (parents first), then the channel. */
  async pickFromTree(site: string, assets: readonly string[], title: string, panel: number | 'new' = 'new'): Promise<void> {
    await this.target(panel);
    const siteNode = this.picker.locator('details.site').filter({ has: this.page.locator(':scope > summary', { hasText: site }) });
    if ((await siteNode.getAttribute('open')) === null) await siteNode.locator(':scope > summary').click();
    let node = siteNode;
    for (const asset of assets) {
      node = node.locator('details.asset').filter({ has: this.page.locator(':scope > summary', { hasText: asset }) }).first();
      if ((await node.getAttribute('open')) === null) await node.locator(':scope > summary').click();
    }
    await node.locator(':scope > ul button.channel', { hasText: title }).first().click();
    await this.#closePicker();
  }

  /** The series chips of panel `n` (1-based), by their titles. */
  chips(panel: number): Locator {
    return this.gadget.locator(`section.panel[data-panel="${panel - 1}"] .chip`);
  }

  panel(n: number): Locator {
    return this.panels.nth(n - 1);
  }

  /** The plot area of panel `n` (uPlot's overlay, where the pointer zooms and reads). */
  plot(n: number): Locator {
    return this.panel(n).locator('.u-over');
  }

  /** Panel `n`'s plot scrolled into view, and its box (the mouse reaches only what is on screen). */
  async #box(n: number): Promise<{ x: number; y: number; width: number; height: number }> {
    await this.plot(n).scrollIntoViewIfNeeded();
    return (await this.plot(n).boundingBox())!;
  }

  /** Waits until every panel drew points and stopped loading. */
  async drawn(): Promise<void> {
    const count = await this.panels.count();
    for (let index = 0; index < count; index++) {
      await expect(this.panels.nth(index)).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 30_000 });
      await expect(this.panels.nth(index)).not.toHaveAttribute('data-loading', /.*/, { timeout: 30_000 });
    }
  }

  /** The range shown now (epoch ms), from the range text's attributes. */
  async range(): Promise<{ from: number; to: number }> {
    return { from: Number(await this.rangeText.getAttribute('data-from')), to: Number(await this.rangeText.getAttribute('data-to')) };
  }

  /** Drags across panel `n` from fraction `a` to `b` of its width (mouse): a zoom to that range. */
  async dragZoom(n: number, a: number, b: number): Promise<void> {
    const box = await this.#box(n);
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width * a, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + box.width * ((a + b) / 2), y, { steps: 4 });
    await this.page.mouse.move(box.x + box.width * b, y, { steps: 4 });
    await this.page.mouse.up();
  }

  /** Wheel over panel `n` at fraction `at` of its width (negative deltaY zooms in). */
  async wheel(n: number, at: number, deltaY: number): Promise<void> {
    const box = await this.#box(n);
    await this.page.mouse.move(box.x + box.width * at, box.y + box.height / 2);
    await this.page.mouse.wheel(0, deltaY);
  }

  /** Points at panel `n` at fraction `at` of its width (the shared cursor). */
  async hover(n: number, at: number): Promise<void> {
    const box = await this.#box(n);
    await this.page.mouse.move(box.x + box.width * at, box.y + box.height / 2, { steps: 3 });
  }

  /** The readout's value (data-value) of a series key. */
  readoutValue(key: string): Locator {
    return this.readout.locator(`[data-key="${key}"] dd`);
  }

  /** Saves the view under `title` (Views → Save this view as). */
  async saveView(title: string): Promise<void> {
    await this.gadget.getByRole('button', { name: 'Views' }).click();
    const dialog = this.gadget.locator('sl-dialog[open]');
    await dialog.getByRole('textbox', { name: 'Save this view as' }).fill(title);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.locator('li[data-view]', { hasText: title })).toBeVisible({ timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
  }

  /** Opens the saved view `title` (Views → Open). */
  async openView(title: string): Promise<void> {
    await this.gadget.getByRole('button', { name: 'Views' }).click();
    const row = this.gadget.locator('sl-dialog[open] li[data-view]', { hasText: title });
    await expect(row).toBeVisible({ timeout: 20_000 });
    await row.getByRole('button', { name: 'Open' }).click();
    await expect(this.gadget.locator('sl-dialog[open]')).toHaveCount(0);
  }

  /** Export → item; resolves with the download. */
  async export(item: 'CSV of the visible range' | 'NumPy .npy of the visible range' | 'Chart as PNG'): Promise<Download> {
    await this.gadget.getByRole('button', { name: 'Export' }).click();
    const download = this.page.waitForEvent('download', { timeout: 30_000 });
    await this.gadget.getByRole('menuitem', { name: item }).click();
    return download;
  }

  /** Chooses an option of a Shoelace select inside `scope` by the select's label. */
  async choose(scope: Locator, label: string, option: string | RegExp): Promise<void> {
    await scope.getByRole('combobox', { name: label }).click();
    await scope.getByRole('option', { name: option }).first().click();
  }
}
