/**
 * Runs a benchmark page module in Debian's Chromium: bundles `entry` with Vite (production build,
 * as users get it), serves it from a throwaway http://bench.localhost origin (IndexedDB needs a real
 * origin) and hands back the page to call into.
 */
import { build, type Rolldown } from 'vite';
import { chromium, type Browser, type Page } from 'playwright';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';

export interface BenchPage {
  page: Page;
  close(): Promise<void>;
}

async function bundle(entry: string): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'warn',
    build: { write: false, minify: true, lib: { entry, formats: ['es'], fileName: 'bench' } },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const first = Array.isArray(output) ? output[0]! : output;
  const chunk = first.output.find((item) => item.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error(`bundling ${entry} produced no code`);
  return chunk.code;
}

/** Opens `entry` (a module that sets globals on window) in a fresh headless Chromium. */
export async function openBenchPage(entry: string): Promise<BenchPage> {
  const code = await bundle(entry);
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumLaunchArgs });
  const page = await browser.newPage();
  await page.route('http://bench.localhost/**', async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/bench.js') await route.fulfill({ contentType: 'text/javascript', body: code });
    else await route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="/bench.js"></script>' });
  });
  await page.goto('http://bench.localhost/');
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
  return { page, close: () => browser.close() };
}
