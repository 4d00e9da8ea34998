// An engineer's session in the channel explorer with the simulated fleet running, at a 1440×900
// desktop (picker in a side column) and a 1024×768 tablet (picker in a drawer): pick a turbine's
// power and wind speed (search) and its gearbox acceleration X (tree), zoom by drag and wheel,
// read every channel at the shared cursor, go Back, reload the address into the same view, save
// a view and reopen it, export a CSV whose rows match the API's, the spectrum of the visible
// range, a user kernel defined and run on the device, axe and screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { describeViolations, expectNoSeriousAxeViolations } from './support/axe';
import { MainViews } from './pages/main-views';
import { ExplorerPage } from './pages/explorer-page';

const ADMIN_PASSWORD = 'e2e admin password';
const ENGINEER = { username: 'erin', password: 'e2e engineer password' };
const WIND_SITE = 'North Sea Wind';
const TURBINE = 'Turbine T01';
const GEARBOX = 'T01 gearbox';
const screenshots = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

let server: E2eServer;
let token: string;
/** Turbine T01's channels the session uses: id and array, by field. */
const channels: Record<'power' | 'wind_speed' | 'acc_x', { id: string; array: string; title: string }> = {} as never;

const api = async (pathname: string): Promise<Response> => fetch(`${server.url}${pathname}`, { headers: { authorization: `Bearer ${token}` } });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // 0.05 days: 72 minutes of history, with CMS bursts (10 s at 1 kHz) every 10 minutes.
  server = await startE2eServer({ ADMIN_PASSWORD, DEMO: '1', DEMO_DAYS: '0.05' });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  token = ((await session.json()) as { token: string }).token;
  const created = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...ENGINEER, role: 'engineer', sites: [] }) });
  expect(created.status).toBe(201);
  // The fleet's T01 channels exist once its history is written.
  await expect
    .poll(
      async () => {
        const listed = (await (await api('/api/channels')).json()) as { rows?: Array<{ id: string; doc?: { asset?: string; field?: string; array?: string; title?: string } }> };
        for (const row of listed.rows ?? []) {
          const field = row.doc?.field as keyof typeof channels | undefined;
          const ofT01 = row.doc?.asset === 'asset/north-sea-wind/t01' || row.doc?.asset === 'asset/north-sea-wind/t01-gearbox';
          if (ofT01 && field && ['power', 'wind_speed', 'acc_x'].includes(field) && !row.id.endsWith('/anomaly')) channels[field] = { id: row.id, array: row.doc!.array!, title: row.doc!.title! };
        }
        return Object.keys(channels).sort();
      },
      { timeout: 90_000 },
    )
    .toEqual(['acc_x', 'power', 'wind_speed']);
});

test.afterAll(async () => {
  await server?.stop();
});

const sizes = [
  { name: '1440x900', viewport: { width: 1440, height: 900 }, hasTouch: false },
  { name: '1024x768', viewport: { width: 1024, height: 768 }, hasTouch: false },
] as const;

/** Parses the explorer's raw CSV: the header's columns and, per row, the time and cells. */
function parseRawCsv(text: string): { columns: string[]; rows: Array<{ time: string; cells: string[] }> } {
  const lines = text.split('\n').filter((line) => line !== '');
  expect(lines[0]).toMatch(/^# raw samples: /);
  const header = lines[1]!.split(',');
  expect(header[0]).toBe('time');
  // Titles hold no comma here (the fleet's titles); the explorer quotes a cell that would.
  const rows = lines.slice(2).map((line) => {
    const [time, ...cells] = line.split(',');
    return { time: time!, cells };
  });
  return { columns: header.slice(1), rows };
}

async function session(browser: Browser, size: (typeof sizes)[number]): Promise<void> {
  const context = await browser.newContext({ viewport: size.viewport, hasTouch: size.hasTouch, colorScheme: 'light', acceptDownloads: true });
  const page = await context.newPage();
  const views = new MainViews(page);
  const explorer = new ExplorerPage(page);
  const shot = (view: string) => page.screenshot({ path: path.join(screenshots, size.name, `${view}.png`), fullPage: true });
  const axe = async (view: string) => {
    const lesser = await expectNoSeriousAxeViolations(page, `${view} at ${size.name}`);
    if (lesser.length > 0) test.info().annotations.push({ type: `axe (moderate/minor) ${view} ${size.name}`, description: describeViolations(lesser) });
  };

  await views.open(server.url, '#/explore');
  await views.signIn(ENGINEER.username, ENGINEER.password);
  await views.goTo('Explore');
  await expect(explorer.gadget.getByText('Pick channels to explore')).toBeVisible({ timeout: 20_000 });
  if (size.name === '1440x900') await expect(explorer.gadget.locator('aside.picker fl-explorer-picker')).toBeVisible();
  else await expect(explorer.gadget.getByRole('button', { name: 'Channels', exact: true })).toBeVisible();

  // Pick: power by search into a new panel, wind speed by search into panel 1, acceleration X from the tree.
  await explorer.pickBySearch('t01 power', 'Active power', TURBINE);
  await explorer.pickBySearch('T01 wind speed', 'Wind speed', TURBINE, 1);
  await explorer.pickFromTree(WIND_SITE, [TURBINE, GEARBOX], 'Gearbox acceleration X');
  await expect(explorer.chips(1)).toHaveCount(2);
  await expect(explorer.chips(1).nth(0)).toContainText(`Active power · ${TURBINE}`);
  await expect(explorer.chips(1).nth(1)).toContainText(`Wind speed · ${TURBINE}`);
  await expect(explorer.chips(2)).toContainText(`Gearbox acceleration X (radial) · ${GEARBOX}`);

  // The last hour: both panels drawn over one range.
  await explorer.gadget.getByRole('radio', { name: '1 h' }).click();
  await explorer.drawn();
  const hour = await explorer.range();
  expect(hour.to - hour.from).toBe(3_600_000);
  await axe('explore');
  await shot('explorer-picked');

  // The shared cursor: pointing at panel 2 reads every channel, panel 1's too.
  await explorer.hover(2, 0.75);
  await expect(explorer.readout).not.toHaveAttribute('data-cursor', '', { timeout: 5000 });
  await expect(explorer.readoutValue(channels.power.id)).toHaveAttribute('data-value', /^-?\d/, { timeout: 5000 });
  await expect(explorer.readoutValue(channels.wind_speed.id)).toHaveAttribute('data-value', /^-?\d/);
  await expect(explorer.readoutValue(channels.power.id)).toHaveText(/ kW$/);
  const cursor = Number(await explorer.readout.getAttribute('data-cursor'));
  expect(cursor).toBeGreaterThanOrEqual(hour.from);
  expect(cursor).toBeLessThanOrEqual(hour.to);
  await shot('explorer-cursor');

  // Zoom: a drag across the middle of panel 1, then the wheel over panel 2; every panel follows.
  await explorer.dragZoom(1, 0.3, 0.7);
  await expect.poll(async () => (await explorer.range()).to - (await explorer.range()).from, { timeout: 10_000 }).toBeLessThan(0.5 * 3_600_000);
  const dragged = await explorer.range();
  await expect(explorer.panel(2)).toHaveJSProperty('range', dragged);
  await explorer.wheel(2, 0.5, -300);
  await expect.poll(async () => (await explorer.range()).to - (await explorer.range()).from, { timeout: 10_000 }).toBeLessThan(dragged.to - dragged.from);
  const wheeled = await explorer.range();
  await expect(explorer.panel(1)).toHaveJSProperty('range', wheeled);
  // Back: to the dragged range.
  await expect(explorer.back).not.toHaveAttribute('disabled', /.*/);
  await explorer.back.click();
  await expect.poll(() => explorer.range(), { timeout: 5000 }).toEqual(dragged);
  await explorer.drawn();

  // The address reopens the same view after a reload (a zoom's fractional ms as the whole ms covering it).
  const written = { from: Math.floor(dragged.from), to: Math.ceil(dragged.to) };
  await expect.poll(() => page.url(), { timeout: 5000 }).toContain(`from=${written.from}&to=${written.to}`);
  await page.reload();
  await expect(explorer.chips(1)).toHaveCount(2, { timeout: 20_000 });
  await expect(explorer.chips(2)).toContainText('Gearbox acceleration X (radial)');
  await expect.poll(() => explorer.range(), { timeout: 10_000 }).toEqual(written);
  await explorer.drawn();

  // Export a CSV of the visible range: raw samples (a few minutes), each row the API's sample.
  const download = await explorer.export('CSV of the visible range');
  const file = await download.path();
  const csv = parseRawCsv(fs.readFileSync(file, 'utf8'));
  expect(download.suggestedFilename()).toMatch(/raw.*\.csv$|\.csv$/);
  const column = (title: string) => csv.columns.findIndex((name) => name.startsWith(title));
  for (const field of ['power', 'wind_speed'] as const) {
    const index = column(channels[field].title);
    expect(index, `a column for ${channels[field].title} in ${csv.columns.join(', ')}`).toBeGreaterThanOrEqual(0);
    const exported = csv.rows.filter((row) => row.cells[index] !== '' && row.cells[index] !== undefined).map((row) => `${row.time},${Math.fround(Number(row.cells[index]))}`);
    const answer = await api(`/api/arrays/${encodeURIComponent(channels[field].array)}/values?format=csv&from=${written.from}&to=${written.to}`);
    expect(answer.ok).toBe(true);
    const expected = (await answer.text()).split('\n').slice(1).filter((line) => line !== '').map((line) => {
      const [time, value] = line.split(',');
      // The same float32 sample: the export writes its shortest digits, the API the double's.
      return `${time},${Math.fround(Number(value))}`;
    });
    expect(exported.length).toBeGreaterThan(0);
    expect(exported).toEqual(expected);
  }

  // Save the view, change it, open the saved one again.
  const title = `T01 power and vibration ${size.name}`;
  await explorer.saveView(title);
  await explorer.gadget.locator('section.panel[data-panel="1"]').getByRole('button', { name: 'Remove panel 2' }).click();
  await expect(explorer.panels).toHaveCount(1);
  await explorer.openView(title);
  await expect(explorer.panels).toHaveCount(2);
  await expect.poll(() => explorer.range(), { timeout: 5000 }).toEqual(written);

  // The spectrum of the visible range of acceleration X.
  await explorer.gadget.getByRole('radio', { name: '1 h' }).click();
  await explorer.drawn();
  await explorer.analysis.getByRole('tab', { name: 'Spectrum' }).click();
  await explorer.choose(explorer.analysis, 'Series', /^Gearbox acceleration X/);
  const spectrum = explorer.analysis.locator('.analysis[data-kind="spectrum"]');
  const run = spectrum.locator('sl-button[data-action="run"]');
  if (await run.isVisible()) await run.click();
  await expect(spectrum).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(spectrum.locator('li[data-frequency]').first()).toBeAttached();
  await shot('explorer-spectrum');

  // A user kernel: defined in the editor, saved, run on this device over acceleration X; its output joins the panel.
  await explorer.algorithms.locator('sl-button[data-action="new-kernel"]').click();
  const editor = explorer.algorithms.locator('sl-dialog[open]');
  const kernelTitle = `Block peak ${size.name}`;
  await editor.getByRole('textbox', { name: /^Title/ }).fill(kernelTitle);
  await editor.locator('sl-button[data-action="save-kernel"]').click();
  // Saved: the editor stays open with nothing unsaved ("Close", not "Cancel").
  await expect(editor.locator('sl-button[data-action="close-kernel"]')).toHaveText('Close', { timeout: 10_000 });
  await editor.locator('sl-button[data-action="close-kernel"]').click();
  await expect(explorer.algorithms.locator('sl-dialog[open]')).toHaveCount(0, { timeout: 10_000 });
  await explorer.choose(explorer.algorithms, 'Input', /^Gearbox acceleration X/);
  await explorer.choose(explorer.algorithms, 'Kernel', kernelTitle);
  await explorer.algorithms.getByRole('radio', { name: 'This device' }).click();
  await explorer.algorithms.locator('sl-button[data-action="run"]').click();
  await expect(explorer.algorithms).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  await expect(explorer.chips(2)).toHaveCount(2, { timeout: 20_000 });
  await explorer.drawn();
  await axe('explore-kernel');
  await shot('explorer-kernel');
  await context.close();
}

for (const size of sizes) {
  test(`an engineer's session in the explorer at ${size.name}`, async ({ browser }) => {
    test.setTimeout(420_000);
    await session(browser, size);
  });
}
