import { expect, test } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { ChannelsPage } from './pages/channels-page';

// A server with DEMO=1, as `npm start` runs by default: the browser writes the demo turbine to
// IndexedDB on its first start and plots it.
let server: E2eServer;
test.beforeAll(async () => {
  server = await startE2eServer({ DEMO: '1' });
});
test.afterAll(async () => {
  await server.stop();
});

test('a first start writes the demo turbine and plots every channel; zooming re-queries down to raw samples', async ({ page }, testInfo) => {
  const channels = new ChannelsPage(page);
  await channels.open(server.url);
  await expect(channels.charts).toHaveCount(5, { timeout: 60_000 });
  for (const label of ['Active power', 'Gearbox temperature', 'Vibration X', 'Vibration Y', 'Vibration Z']) await channels.expectDrawn(label, 'summary');
  await expect(channels.chart('Vibration X')).toContainText('1,048,576 samples');
  const points = Number(await channels.chart('Vibration X').getAttribute('data-points'));
  expect(points).toBeGreaterThan(1000);
  expect(points).toBeLessThan(20_000); // O(pixels), not O(samples)
  await page.screenshot({ path: testInfo.outputPath('demo-channels.png'), fullPage: true });

  // Zoom twice: the second range is small enough to draw every sample.
  await channels.zoom('Vibration X', 0.05);
  await expect(channels.chart('Vibration X')).not.toContainText('1,048,576 samples', { timeout: 30_000 });
  await channels.zoom('Vibration X', 0.05);
  await channels.expectDrawn('Vibration X', 'raw');
  await expect(channels.chart('Vibration X')).toContainText('every sample');
  const samples = Number((await channels.chart('Vibration X').locator('header span').nth(1).textContent())!.split(' ')[0]!.replace(/,/g, ''));
  expect(samples).toBeLessThan(20_000);
  expect(samples).toBeGreaterThan(100);
  await page.screenshot({ path: testInfo.outputPath('demo-zoomed.png'), fullPage: true });

  // The demo is kept: a reload plots it again without writing it twice.
  await page.reload();
  await expect(channels.charts).toHaveCount(5, { timeout: 30_000 });
  await expect(page.locator('fl-app').getByRole('status', { name: 'Demo data' })).toHaveCount(0);
  await channels.expectDrawn('Vibration Z', 'summary');
});
