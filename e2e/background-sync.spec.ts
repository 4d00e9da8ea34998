// The service worker's Background Sync bridge with the real worker in Chromium: the browser's
// `sync` event asks the open windows to sync, and the event succeeds or fails (and is retried
// later) with what they answer. The page's own half is tested in test/browser/background-sync.
import { expect, test } from '@playwright/test';
import { AppShell } from './pages/app-shell';
import { BackgroundSyncProbe } from './pages/background-sync';

test('a window that syncs successfully completes the sync event and the tag is done', async ({ page, context }) => {
  await BackgroundSyncProbe.answerInPage(page, true);
  const probe = await BackgroundSyncProbe.attach(context, page);
  const shell = new AppShell(page);
  await shell.open('/');
  await shell.serviceWorkerReady();

  await BackgroundSyncProbe.register(page);
  await expect.poll(() => probe.outcome()).toEqual({ eventName: 'Sync completed', metadata: { Status: 'succeeded' } });
  expect(await BackgroundSyncProbe.requestsSeen(page)).toBe(1);
  expect(await BackgroundSyncProbe.tags(page)).toEqual([]);
});

test('a window whose sync failed fails the event, so the browser keeps the tag and retries later', async ({ page, context }) => {
  await BackgroundSyncProbe.answerInPage(page, false);
  const probe = await BackgroundSyncProbe.attach(context, page);
  const shell = new AppShell(page);
  await shell.open('/');
  await shell.serviceWorkerReady();

  await BackgroundSyncProbe.register(page);
  await expect.poll(() => probe.outcome()?.eventName).toBe('sync event failed');
  expect(probe.outcome()!.metadata['Failure Reason']).toBe('waitUntil rejected');
  expect(Number(probe.outcome()!.metadata['Next Attempt Delay (ms)'])).toBeGreaterThan(0);
  expect(await BackgroundSyncProbe.requestsSeen(page)).toBe(1);
  expect(await BackgroundSyncProbe.tags(page)).toEqual(['fl-sync']);
});

test('with two windows open, one failing fast does not fail the sync that the other finishes', async ({ page, context }) => {
  await BackgroundSyncProbe.answerInPage(page, false);
  const probe = await BackgroundSyncProbe.attach(context, page);
  const shell = new AppShell(page);
  await shell.open('/');
  await shell.serviceWorkerReady();
  const second = await context.newPage();
  await BackgroundSyncProbe.answerInPage(second, true, 300);
  await new AppShell(second).open('/');

  await BackgroundSyncProbe.register(page);
  await expect.poll(() => probe.outcome()).toEqual({ eventName: 'Sync completed', metadata: { Status: 'succeeded' } });
  expect(await BackgroundSyncProbe.requestsSeen(page)).toBe(1);
  expect(await BackgroundSyncProbe.requestsSeen(second)).toBe(1);
});
