/**
 * The Background Sync bridge between the service worker and the page. The browser wakes the service
 * worker with a `sync` event when the device is online again, but the sync itself needs the page's
 * storage and session, so the worker asks an open window to run it and waits for the answer:
 *
 *   worker → window   {type: 'fl-sync'}                     with a MessagePort to answer on
 *   window → port     {type: 'fl-sync-done', ok: boolean}
 */

/** The one Background Sync tag the app registers. */
export const BACKGROUND_SYNC_TAG = 'fl-sync';

/** How long the service worker waits for a window to finish the sync before giving up (and letting the browser retry). */
export const BACKGROUND_SYNC_TIMEOUT_MS = 60_000;

export interface BackgroundSyncRequest {
  type: 'fl-sync';
}

export interface BackgroundSyncDone {
  type: 'fl-sync-done';
  ok: boolean;
}

/** True for the worker's request to run a sync. */
export function isBackgroundSyncRequest(data: unknown): data is BackgroundSyncRequest {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'fl-sync';
}

/** True for a window's answer that it finished a sync. */
export function isBackgroundSyncDone(data: unknown): data is BackgroundSyncDone {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'fl-sync-done' && typeof (data as { ok?: unknown }).ok === 'boolean';
}
