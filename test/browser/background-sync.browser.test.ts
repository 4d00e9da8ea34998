// The page's half of the Background Sync bridge in real Chromium: a request from the service
// worker (here a stand-in container dispatching what the worker would post) runs the sync and
// answers on the port it came with. e2e/background-sync.spec.ts drives the real worker.
import { describe, expect, it, vi } from 'vitest';
import { onBackgroundSyncRequest, requestBackgroundSync } from '../../src/controllers';
import type { BackgroundSyncDone } from '../../src/core';

/** A ServiceWorkerContainer stand-in: an event target that the bridge can start messages on. */
function fakeContainer(): ServiceWorkerContainer {
  return Object.assign(new EventTarget(), { startMessages: () => undefined }) as unknown as ServiceWorkerContainer;
}

/** Posts what the service worker posts and resolves with the answer that comes back on the port. */
function askToSync(container: ServiceWorkerContainer, data: unknown = { type: 'fl-sync' }): Promise<BackgroundSyncDone> {
  const channel = new MessageChannel();
  const answer = new Promise<BackgroundSyncDone>((resolve) => {
    channel.port1.onmessage = (event) => resolve(event.data as BackgroundSyncDone);
  });
  container.dispatchEvent(new MessageEvent('message', { data, ports: [channel.port2] }));
  return answer;
}

describe('onBackgroundSyncRequest', () => {
  it('runs the sync and answers ok: true or false with its result', async () => {
    const container = fakeContainer();
    let result = true;
    const stop = onBackgroundSyncRequest(async () => result, container);
    expect(await askToSync(container)).toEqual({ type: 'fl-sync-done', ok: true });
    result = false;
    expect(await askToSync(container)).toEqual({ type: 'fl-sync-done', ok: false });
    stop();
  });

  it('answers ok: false when the sync throws, synchronously or not', async () => {
    const container = fakeContainer();
    const stopAsync = onBackgroundSyncRequest(async () => {
      throw new Error('server unreachable');
    }, container);
    expect(await askToSync(container)).toEqual({ type: 'fl-sync-done', ok: false });
    stopAsync();
    const stopSync = onBackgroundSyncRequest(() => {
      throw new Error('thrown before any promise');
    }, container);
    expect(await askToSync(container)).toEqual({ type: 'fl-sync-done', ok: false });
    stopSync();
  });

  it('a request during a run shares that run instead of starting another', async () => {
    const container = fakeContainer();
    let runs = 0;
    let finish!: (ok: boolean) => void;
    const stop = onBackgroundSyncRequest(() => {
      runs++;
      return new Promise<boolean>((resolve) => (finish = resolve));
    }, container);
    const first = askToSync(container);
    const second = askToSync(container);
    // Both requests were dispatched (synchronously) before the run could start: wait for it to start.
    await vi.waitFor(() => expect(runs).toBe(1));
    finish(true);
    expect(await Promise.all([first, second])).toEqual([
      { type: 'fl-sync-done', ok: true },
      { type: 'fl-sync-done', ok: true },
    ]);
    expect(runs).toBe(1);
    // Once it finished, the next request runs again.
    const third = askToSync(container);
    await vi.waitFor(() => expect(runs).toBe(2));
    finish(false);
    expect(await third).toEqual({ type: 'fl-sync-done', ok: false });
    expect(runs).toBe(2);
    stop();
  });

  it('ignores other messages and stops answering once stopped', async () => {
    const container = fakeContainer();
    let runs = 0;
    const stop = onBackgroundSyncRequest(async () => {
      runs++;
      return true;
    }, container);
    void askToSync(container, { type: 'SKIP_WAITING' });
    stop();
    // A second bridge on the same container answers the next request: once it has, the stopped
    // one would have started its run too (listeners run in order, runs start a microtask later).
    let otherRuns = 0;
    const stopOther = onBackgroundSyncRequest(async () => {
      otherRuns++;
      return true;
    }, container);
    expect(await askToSync(container)).toEqual({ type: 'fl-sync-done', ok: true });
    expect(otherRuns).toBe(1);
    expect(runs).toBe(0);
    stopOther();
  });
});

describe('requestBackgroundSync', () => {
  it('resolves false on a page without a service worker registration instead of waiting forever', async () => {
    expect(await navigator.serviceWorker.getRegistration()).toBeUndefined();
    expect(await requestBackgroundSync()).toBe(false);
  });
});
