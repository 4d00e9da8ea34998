// The runners' shared background loop (src/server/live/pass-loop.ts) with the real in-process bus:
// a pass at start and every poll, a burst of events making one pass after the settle time, never
// two passes at once, "more" asking for the next at once, a failing pass told and the loop going
// on, and stop() waiting for the pass in progress.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PassLoop, type PassLoopOptions } from '../../src/server/live/pass-loop';
import { InProcessPublisher } from '../../src/server/live/publisher';

/** A pass that can be held open: resolves when `release` is called. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((resolve) => (release = resolve));
  return { wait, release };
}

describe('PassLoop', () => {
  const loops: PassLoop[] = [];
  const live = new InProcessPublisher({ coalesceMs: 0 });
  const loopOf = (options: Partial<PassLoopOptions> & Pick<PassLoopOptions, 'pass'>): PassLoop => {
    const loop = new PassLoop({ pollMs: 60_000, settleMs: 50, live, wakes: () => false, onError: () => undefined, ...options });
    loops.push(loop);
    return loop;
  };
  const doc = (id: string, type: string) => live.publish({ event: 'doc', data: { id, site: 'site/a', type } });

  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
  });

  it('runs a pass at start and again every pollMs; nothing before start', async () => {
    let passes = 0;
    const loop = loopOf({ pollMs: 30, pass: async () => (passes++, false) });
    loop.kick();
    expect(passes).toBe(0);
    loop.start();
    expect(passes).toBe(1);
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(3));
  });

  it('a burst of events it is woken by makes one pass after the settle time', async () => {
    let passes = 0;
    const loop = loopOf({ settleMs: 80, wakes: (entry) => entry.message.event === 'doc' && entry.message.data.type === 'asset', pass: async () => (passes++, false) });
    loop.start();
    expect(passes).toBe(1);
    for (let n = 0; n < 20; n += 1) doc(`asset/a/${n}`, 'asset');
    doc('work_order/x', 'work_order');
    await vi.waitFor(() => expect(passes).toBe(2));
    // Another burst after that pass: one more.
    for (let n = 0; n < 5; n += 1) doc(`asset/b/${n}`, 'asset');
    await vi.waitFor(() => expect(passes).toBe(3));
  });

  it('never runs two passes at once: kicks during a pass make one pass right after it', async () => {
    const first = gate();
    let running = 0;
    let most = 0;
    let passes = 0;
    const loop = loopOf({
      pass: async () => {
        running += 1;
        most = Math.max(most, running);
        passes += 1;
        if (passes === 1) await first.wait;
        running -= 1;
        return false;
      },
    });
    loop.start();
    for (let n = 0; n < 5; n += 1) loop.kick();
    expect(passes).toBe(1);
    first.release();
    await vi.waitFor(() => expect(passes).toBe(2));
    expect(most).toBe(1);
  });

  it('a pass that says it has more is followed at once, until it has none', async () => {
    let passes = 0;
    const loop = loopOf({ pass: async () => ++passes < 4 });
    loop.start();
    await vi.waitFor(() => expect(passes).toBe(4));
  });

  it('a pass that fails is told, and the loop goes on', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const loop = loopOf({
      pollMs: 20,
      onError: (error) => errors.push(error),
      pass: async () => {
        passes += 1;
        if (passes === 1) throw new Error('database down');
        return false;
      },
    });
    loop.start();
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(2));
    expect(errors).toEqual([new Error('database down')]);
  });

  it('stop() waits for the pass in progress and says it is stopping; no pass after it', async () => {
    const held = gate();
    let passes = 0;
    let sawStopping = false;
    const loop = loopOf({
      pollMs: 10,
      pass: async () => {
        passes += 1;
        await held.wait;
        sawStopping = loop.stopping;
        return true;
      },
    });
    loop.start();
    expect(loop.stopping).toBe(false);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    held.release();
    await stopping;
    expect(sawStopping).toBe(true);
    expect(passes).toBe(1);
    // Started again it runs again (and is no longer stopping).
    loop.start();
    expect(loop.stopping).toBe(false);
    expect(passes).toBe(2);
  });
});
