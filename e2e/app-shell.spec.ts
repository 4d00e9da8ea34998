import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';

test('the shell renders with its navigation and says it is online', async ({ page }) => {
  const shell = new AppShell(page);
  await shell.open();
  await expect(page).toHaveTitle(/Fieldline$/);
  // Signed out: what needs no role (engineers and admins get more once signed in; fl-app.browser.test.ts).
  await expect(shell.navigation.getByRole('link')).toHaveText(['Sites', 'My work', 'Alarms', 'Work orders', 'Plans', 'Import', 'Sync']);
  await expect(shell.status).toHaveText('Online');
  await shell.goTo('Work orders');
  await expect(page).toHaveURL(/#\/work-orders$/);
});

test('the health endpoint answers through the same server', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.ok()).toBe(true);
  expect(await response.json()).toMatchObject({ ok: true, backend: 'sqlite' });
});

test('the manifest makes the app installable: name, standalone, 192 and 512 px PNG icons', async ({ request }) => {
  const manifest = (await (await request.get('/manifest.webmanifest')).json()) as {
    name: string;
    display: string;
    start_url: string;
    icons: Array<{ src: string; sizes: string; type: string }>;
  };
  expect(manifest.name).toBe('Fieldline');
  expect(manifest.display).toBe('standalone');
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((candidate) => candidate.sizes === size && candidate.type === 'image/png');
    expect(icon, `a ${size} PNG icon`).toBeDefined();
    const response = await request.get(icon!.src);
    expect(response.ok()).toBe(true);
    expect(response.headers()['content-type']).toBe('image/png');
  }
});

test('after a reload the service worker controls the page, and offline the shell still starts', async ({ page, context }, testInfo) => {
  const shell = new AppShell(page);
  await shell.open('/#/channels');
  await shell.serviceWorkerReady();
  await page.reload();
  await expect(shell.navigation).toBeVisible();
  expect(await shell.isControlled()).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(shell.heading).toHaveText('Channels');
  await expect(shell.status).toHaveText('Offline');
  // A deep link never visited before is also answered from the precache.
  await page.goto('/sites/some-site');
  await expect(shell.navigation).toBeVisible();
  await expect(shell.status).toHaveText('Offline');
  await page.screenshot({ path: testInfo.outputPath('offline-shell.png'), fullPage: true });
  expect(fs.existsSync(testInfo.outputPath('offline-shell.png'))).toBe(true);

  await context.setOffline(false);
  await expect(shell.status).toHaveText('Online');
});

test('a new version shows "update available" and Reload switches to it', async ({ page }) => {
  const shell = new AppShell(page);
  await shell.open();
  await shell.serviceWorkerReady();
  await page.reload();
  expect(await shell.isControlled()).toBe(true);
  await expect(shell.updatePrompt).toHaveCount(0);
  const firstWorker = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);

  // Deploy a new version: any byte change of sw.js makes the browser install it on the next check.
  const swFile = path.join(process.env.E2E_CLIENT_DIR!, 'sw.js');
  fs.appendFileSync(swFile, `\n// deployed ${Date.now()}\n`);
  await page.reload();
  await expect(shell.updatePrompt).toBeVisible({ timeout: 15_000 });

  const reloaded = page.waitForEvent('load');
  await shell.updatePrompt.getByRole('button', { name: 'Reload' }).click();
  await reloaded;
  await expect(shell.navigation).toBeVisible();
  await expect(shell.updatePrompt).toHaveCount(0);
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(firstWorker);
  // The worker now in control is the new one: nothing is left waiting.
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
});
