import { expect, test } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { SyncPage } from './pages/sync-page';

// Bugs found trying the app as a new user would, checked against the real server (its own, on a
// forward port that is not 24224) in real Chromium.
const ADMIN_PASSWORD = 'e2e admin password';
let server: E2eServer;

test.beforeAll(async () => {
  server = await startE2eServer({ ADMIN_PASSWORD });
});

test.afterAll(async () => {
  await server.stop();
});

test('the header kept "Signed out" after signing in, and the Sources <match> block showed port 24224', async ({ page }) => {
  expect(server.forwardPort).toBeGreaterThan(0);
  expect(server.forwardPort).not.toBe(24224);
  const sync = new SyncPage(page);
  await page.goto(`${server.url}/#/sources`);
  await expect(sync.badge).toContainText('Signed out', { timeout: 20_000 });
  // Signing in on the Sources view (not the Sync view) brings the header back at once: the
  // periodic sync, five minutes away, skips a signed-out device.
  const signIn = page.getByRole('form', { name: 'Sign in' }).first();
  await signIn.getByLabel('User name').fill('admin');
  await signIn.getByLabel('Password').fill(ADMIN_PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await expect(sync.badge).not.toContainText('Signed out', { timeout: 10_000 });
  await expect(sync.badge).toHaveText('Up to date', { timeout: 10_000 });
  // Registering a source shows the fluentd block with the server's real forward port.
  const form = page.locator('fl-sources').getByRole('form', { name: 'Register a data source' });
  await form.getByLabel('Tag').fill('wf9.t01');
  await form.getByRole('button', { name: 'Register' }).click();
  const notice = page.locator('fl-sources').getByRole('status', { name: 'New source' });
  await expect(notice).toContainText(`port ${server.forwardPort}`);
  await expect(notice).not.toContainText('port 24224');
});
