/**
 * Runs a benchmark page module in Debian's Chromium: bundles `entry` with Vite (production build,
 * as users get it), serves it from a throwaway http://bench.localhost origin (IndexedDB needs a real
 * origin) and hands back the page to call into.
 */
import { build, type Rolldown } from 'vite';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';

export interface BenchPage {
  page: Page;
  close(): Promise<void>;
}

/** Bundles `entry` (and its workers and lazy chunks) into files served by name; the entry is bench.js. */
async function bundle(entry: string, minify: boolean): Promise<Map<string, string>> {
  const output = (await build({
    configFile: false,
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { write: false, minify, assetsInlineLimit: 0, rollupOptions: { input: entry, output: { entryFileNames: 'bench.js' } } },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const files = new Map<string, string>();
  for (const result of Array.isArray(output) ? output : [output]) {
    for (const item of result.output) files.set(item.fileName, item.type === 'chunk' ? item.code : String(item.source));
  }
  if (!files.has('bench.js')) throw new Error(`bundling ${entry} produced no bench.js`);
  return files;
}

/**
 * Opens `entry` (a module that sets globals on window) in a fresh headless Chromium. `minify:
 * false` keeps the code's names (for reading a CPU profile of the page). `onDisk: true` gives the
 * page a profile in a temporary folder, so IndexedDB lives on disk under the disk's quota instead
 * of in memory under an off-the-record profile's (which refused a 1.2 GB fill near its end).
 */
export async function openBenchPage(entry: string, options: { minify?: boolean; onDisk?: boolean } = {}): Promise<BenchPage> {
  const assets = await bundle(entry, options.minify ?? true);
  let page: Page;
  let close: () => Promise<void>;
  if (options.onDisk) {
    const profile = await mkdtemp(path.join(tmpdir(), 'fieldline-bench-'));
    const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: chromiumLaunchArgs });
    page = context.pages()[0] ?? (await context.newPage());
    close = async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    };
  } else {
    const browser: Browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumLaunchArgs });
    page = await browser.newPage();
    close = () => browser.close();
  }
  await page.route('http://bench.localhost/**', async (route) => {
    const url = new URL(route.request().url());
    // Cross-origin isolation gives the page SharedArrayBuffer (shared memory for the worker pool).
    const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    const asset = assets.get(url.pathname.slice(1));
    if (asset !== undefined) await route.fulfill({ contentType: 'text/javascript', body: asset, headers });
    else await route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="/bench.js"></script>', headers });
  });
  await page.goto('http://bench.localhost/');
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
  return { page, close };
}
