import type { BrowserContext, CDPSession, Page } from '@playwright/test';

/** One Background Sync event as Chromium's DevTools records it (the Application → Background sync panel). */
export interface SyncRecord {
  eventName: string;
  metadata: Record<string, string>;
}

/**
 * Drives the service worker's Background Sync bridge: registers the `fl-sync` tag in the page, lets
 * the page answer the worker's request with a chosen result, and reads how the browser recorded the
 * sync event's outcome through DevTools' BackgroundService domain ("Sync completed" or "sync event
 * failed" with the retry delay), which is what decides whether the browser retries.
 */
export class BackgroundSyncProbe {
  readonly records: SyncRecord[] = [];
  readonly #cdp: CDPSession;

  private constructor(cdp: CDPSession) {
    this.#cdp = cdp;
  }

  /** Starts recording the origin's Background Sync events; call before the page loads. */
  static async attach(context: BrowserContext, page: Page): Promise<BackgroundSyncProbe> {
    const probe = new BackgroundSyncProbe(await context.newCDPSession(page));
    probe.#cdp.on('BackgroundService.backgroundServiceEventReceived', ({ backgroundServiceEvent: event }) => {
      probe.records.push({ eventName: event.eventName, metadata: Object.fromEntries(event.eventMetadata.map(({ key, value }) => [key, value])) });
    });
    await probe.#cdp.send('BackgroundService.startObserving', { service: 'backgroundSync' });
    await probe.#cdp.send('BackgroundService.setRecording', { shouldRecord: true, service: 'backgroundSync' });
    return probe;
  }

  /**
   * Makes `page` answer the worker's sync requests with `ok` after `delayMs`, in place of the app's
   * own listener (registered first and stopping the event, so the app's sync never runs here).
   * Counts the requests in `window.syncRequests`.
   */
  static async answerInPage(page: Page, ok: boolean, delayMs = 0): Promise<void> {
    await page.addInitScript(
      ([ok, delayMs]) => {
        const counter = window as unknown as { syncRequests: number };
        counter.syncRequests = 0;
        navigator.serviceWorker.addEventListener('message', (event) => {
          if ((event.data as { type?: unknown } | null)?.type !== 'fl-sync') return;
          event.stopImmediatePropagation();
          counter.syncRequests++;
          setTimeout(() => event.ports[0]?.postMessage({ type: 'fl-sync-done', ok }), delayMs);
        });
      },
      [ok, delayMs] as const,
    );
  }

  static requestsSeen(page: Page): Promise<number> {
    return page.evaluate(() => (window as unknown as { syncRequests: number }).syncRequests);
  }

  /** Registers the tag as the app does; online, Chromium fires the sync event at once. */
  static register(page: Page): Promise<void> {
    return page.evaluate(async () => {
      const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void> } };
      await registration.sync.register('fl-sync');
    });
  }

  /** The tags still waiting to fire (or to be retried). */
  static tags(page: Page): Promise<string[]> {
    return page.evaluate(async () => {
      const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync: { getTags(): Promise<string[]> } };
      return registration.sync.getTags();
    });
  }

  /** The recorded outcome of the latest sync event, once there is one. */
  outcome(): SyncRecord | undefined {
    return this.records.filter((record) => /^sync (completed|event failed)$/i.test(record.eventName)).at(-1);
  }
}
