// Offline cold start: a technician opened the app once online, closed the browser and starts it
// again in the field with no network at all. Everything the app loads, including what it loads
// late (views, the CSV worker), must come from the service worker's precache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type BrowserContext } from '@playwright/test';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';
import { AppShell } from './pages/app-shell';
import { ImportPage } from './pages/import-page';
import { E2E_ADMIN_PASSWORD } from './support/server';

const baseURL = process.env.E2E_BASE_URL!;
const builtAssets = path.resolve(import.meta.dirname, '..', 'dist', 'client', 'assets');

let userDataDir: string;
const browsers: BrowserContext[] = [];

test.beforeEach(() => {
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-profile-'));
});

test.afterEach(async () => {
  // Also after a failure: a browser left running would keep writing into the folder.
  for (const browser of browsers.splice(0)) await browser.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** A whole browser on the test's profile folder: closing it ends the browser, as quitting Chromium would. */
async function launch(options: { offline?: boolean } = {}): Promise<BrowserContext> {
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    args: chromiumLaunchArgs,
    baseURL,
    offline: options.offline ?? false,
  });
  browsers.push(browser);
  return browser;
}

/** Same-origin requests that failed, except the API (offline, its failures are expected and handled). */
function collectFailedAppRequests(context: BrowserContext): string[] {
  const failed: string[] = [];
  context.on('requestfailed', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(baseURL).origin && !url.pathname.startsWith('/api/') && url.pathname !== '/api') {
      failed.push(`${request.method()} ${url.pathname} (${request.failure()?.errorText ?? 'failed'})`);
    }
  });
  return failed;
}

test('with the browser restarted offline, the app starts from the precache and every view and the CSV worker load', async () => {
  const online = await launch();
  const first = online.pages()[0] ?? (await online.newPage());
  const shell = new AppShell(first);
  await shell.open('/');
  // Signed in once online: offline the app remembers who (and so which views the navigation has).
  await shell.signInByApi('admin', E2E_ADMIN_PASSWORD);
  await shell.serviceWorkerReady();
  // clientsClaim: the first page is taken over once the worker activates, without a reload.
  await first.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await online.close();
  // Without its HTTP cache, whatever loads offline can only have come from the precache (hashed
  // assets are served `immutable`, and a cache hit would hide a file missing from the precache).
  fs.rmSync(path.join(userDataDir, 'Default', 'Cache'), { recursive: true, force: true });

  const offline = await launch({ offline: true });
  const failed = collectFailedAppRequests(offline);
  const page = offline.pages()[0] ?? (await offline.newPage());
  const coldShell = new AppShell(page);
  await coldShell.open('/');
  expect(await coldShell.isControlled()).toBe(true);
  await expect(coldShell.status).toHaveText('Offline');
  await expect(page.locator('fl-app [data-user]')).toContainText('admin');

  for (const section of ['Channels', 'Import', 'Sources', 'Sync', 'Work orders', 'Sites'] as const) {
    await coldShell.goTo(section);
    await expect(coldShell.status).toHaveText('Offline');
  }
  // The CSV worker is a chunk of its own: inspecting a file offline proves it came from the precache.
  const importPage = new ImportPage(page);
  await importPage.open('');
  await importPage.pick('offline.csv', Buffer.from('time,temperature [°C]\n2024-01-01T00:00:00Z,21.5\n2024-01-01T00:00:01Z,21.6\n'));

  // The precache holds every script the build emitted: the entry and every worker or lazy chunk.
  const emitted = fs.readdirSync(builtAssets).filter((name) => name.endsWith('.js'));
  expect(emitted.some((name) => /\.worker-.*\.js$/.test(name)), 'the build emits the CSV worker as its own chunk').toBe(true);
  const precached = await page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    }
    return paths;
  });
  for (const name of emitted) expect(precached, `precache holds ${name}`).toContain(`/assets/${name}`);

  expect(failed).toEqual([]);
  await offline.close();
});
