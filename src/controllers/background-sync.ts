/**
 * The page's half of the Background Sync bridge (the service worker's half is in sw/sw.ts; the
 * protocol in src/core/background-sync.ts). A page that could not sync asks the browser to wake
 * the service worker once the device is online again; the worker then asks an open window to run
 * the sync and answer whether it worked, so the browser retries later if it did not.
 */
import { BACKGROUND_SYNC_TAG, isBackgroundSyncRequest, type BackgroundSyncDone } from '../core';

/** Background Sync's registration API (Chromium only so far, hence not in TypeScript's DOM lib). */
interface SyncManager {
  register(tag: string): Promise<void>;
}

/**
 * Asks the browser for a `sync` event once it is online (at once when it already is). Resolves
 * false where that cannot happen: no service worker support or registration, no Background Sync
 * (Firefox, Safari), or the user blocked it; the caller then syncs when the page sees `online`.
 */
export async function requestBackgroundSync(): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !('SyncManager' in globalThis)) return false;
  try {
    // `ready` never settles without a registration (the dev server registers none): ask first.
    if (!(await navigator.serviceWorker.getRegistration())) return false;
    const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync?: SyncManager };
    if (!registration.sync) return false;
    await registration.sync.register(BACKGROUND_SYNC_TAG);
    return true;
  } catch (error) {
    // NotAllowedError: the background sync permission is denied.
    console.warn('background sync registration failed', error);
    return false;
  }
}

/**
 * Runs `run` whenever the service worker relays a `sync` event and answers with its result (false
 * when it throws). Requests that arrive while a run is going (the worker retried, or two events
 * overlapped) get that run's result instead of starting another. Returns the function that stops
 * listening. `container` is for tests; it defaults to `navigator.serviceWorker`.
 */
export function onBackgroundSyncRequest(run: () => Promise<boolean>, container?: ServiceWorkerContainer): () => void {
  const target = container ?? ('serviceWorker' in navigator ? navigator.serviceWorker : undefined);
  if (!target) return () => undefined;
  let running: Promise<boolean> | undefined;
  const onMessage = (event: MessageEvent) => {
    const port = event.ports[0];
    if (!isBackgroundSyncRequest(event.data) || !port) return;
    running ??= Promise.resolve()
      .then(run)
      .catch((error: unknown) => {
        console.warn('background sync failed', error);
        return false;
      })
      .finally(() => {
        running = undefined;
      });
    void running.then((ok) => {
      const done: BackgroundSyncDone = { type: 'fl-sync-done', ok };
      port.postMessage(done);
      port.close();
    });
  };
  target.addEventListener('message', onMessage);
  // Messages from the worker wait in a queue until the page starts it (it also starts on its own
  // once the document has loaded); a listener added early must not miss a sync request.
  target.startMessages();
  return () => target.removeEventListener('message', onMessage);
}
