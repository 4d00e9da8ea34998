/**
 * The service worker: precaches the app shell and its assets (the list is injected at build time by
 * workbox), answers navigations with the cached shell so the app starts offline, and activates a
 * new version only when the page asks (the user accepted the "update available" prompt). It also
 * bridges Background Sync: the browser's `sync` event asks an open window to run the sync.
 */
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { BACKGROUND_SYNC_TAG, BACKGROUND_SYNC_TIMEOUT_MS, isBackgroundSyncDone, type BackgroundSyncRequest } from '../src/core';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

/** Background Sync's event (Chromium only so far, hence not in TypeScript's lib). */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance: boolean;
}

declare global {
  interface ServiceWorkerGlobalScopeEventMap {
    sync: SyncEvent;
  }
}

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every in-app navigation gets the shell; the API is never answered from the precache.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }));

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('sync', (event) => {
  if (event.tag === BACKGROUND_SYNC_TAG) event.waitUntil(syncThroughAWindow());
});

/**
 * Asks every open window to run the sync (the worker has neither the page's storage nor its
 * session) and settles with the first success. It rejects, so that the browser retries later with
 * its own backoff, when no window is open, every window that answered failed, or none succeeded
 * within BACKGROUND_SYNC_TIMEOUT_MS (well inside the few minutes Chromium grants a sync event).
 */
async function syncThroughAWindow(): Promise<void> {
  const windows = await self.clients.matchAll({ includeUncontrolled: true, type: 'window' });
  if (windows.length === 0) throw new Error('background sync: no window open to run it');
  await new Promise<void>((resolve, reject) => {
    const ports: MessagePort[] = [];
    let pending = windows.length;
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const port of ports) port.close();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => settle(new Error(`background sync: no window finished within ${BACKGROUND_SYNC_TIMEOUT_MS} ms`)), BACKGROUND_SYNC_TIMEOUT_MS);
    const request: BackgroundSyncRequest = { type: 'fl-sync' };
    for (const client of windows) {
      const channel = new MessageChannel();
      ports.push(channel.port1);
      channel.port1.onmessage = (message) => {
        if (!isBackgroundSyncDone(message.data)) return;
        channel.port1.close();
        if (message.data.ok) settle();
        else if (--pending === 0) settle(new Error('background sync: it failed in every window'));
      };
      // A window without the app's listener (still loading, an old version) simply never answers.
      client.postMessage(request, [channel.port2]);
    }
  });
}

// The first install takes control of the open page at once, so it works offline without a reload.
clientsClaim();
