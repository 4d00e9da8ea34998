/**
 * The job worker threads of a server process, kept running: a thread that exits when it was not
 * asked to (an uncaught error, its database unreachable at its start) is started again after a
 * delay that doubles with each quick exit in a row (RESTART_DELAY_MS up to MAX_RESTART_DELAY_MS),
 * and each restart is logged. A thread that ran for STABLE_MS before exiting starts over at the
 * first delay.
 */
import type { Worker } from 'node:worker_threads';

/** What the threads report to: the server's logger (pino's `(object, message)` calls). */
export interface JobThreadsLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface JobThreadsOptions {
  count: number;
  /** Starts thread number `index` (0-based); called again for each restart. */
  spawn: (index: number) => Worker;
  log: JobThreadsLog;
  /** Delay before the first restart (doubled for each quick exit in a row). */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A thread that ran at least this long before exiting counts as having worked: its next delay is the first. */
  stableMs?: number;
}

const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 60_000;
const STABLE_MS = 60_000;

interface Slot {
  thread: Worker | undefined;
  startedAt: number;
  /** Quick exits in a row. */
  quickExits: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export class JobThreads {
  readonly #options: JobThreadsOptions;
  readonly #slots: Slot[] = [];
  #stopping = false;
  #restarts = 0;

  constructor(options: JobThreadsOptions) {
    this.#options = options;
  }

  /** Threads started again after an unexpected exit, so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** How many threads run now. */
  get running(): number {
    return this.#slots.filter((slot) => slot.thread !== undefined).length;
  }

  /** Starts every thread. */
  start(): void {
    for (let index = 0; index < this.#options.count; index++) {
      const slot: Slot = { thread: undefined, startedAt: 0, quickExits: 0, restartTimer: undefined };
      this.#slots.push(slot);
      this.#spawn(index, slot);
    }
  }

  #spawn(index: number, slot: Slot): void {
    slot.restartTimer = undefined;
    if (this.#stopping) return;
    let thread: Worker;
    try {
      thread = this.#options.spawn(index);
    } catch (error) {
      this.#exited(index, slot, error);
      return;
    }
    slot.thread = thread;
    slot.startedAt = Date.now();
    thread.on('error', (error) => this.#options.log.error({ err: error, thread: index }, `job thread ${index} failed`));
    thread.once('exit', (code) => {
      slot.thread = undefined;
      if (!this.#stopping) this.#exited(index, slot, `exit code ${code}`);
    });
  }

  #exited(index: number, slot: Slot, reason: unknown): void {
    const { restartDelayMs = RESTART_DELAY_MS, maxRestartDelayMs = MAX_RESTART_DELAY_MS, stableMs = STABLE_MS } = this.#options;
    slot.quickExits = slot.startedAt > 0 && Date.now() - slot.startedAt >= stableMs ? 0 : slot.quickExits + 1;
    const delay = Math.min(maxRestartDelayMs, restartDelayMs * 2 ** Math.max(0, slot.quickExits - 1));
    this.#options.log.error({ thread: index, reason: reason instanceof Error ? reason.message : String(reason), restartInMs: delay }, `job thread ${index} stopped unexpectedly; restarting it in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      this.#restarts++;
      this.#options.log.info({ thread: index }, `job thread ${index} restarted`);
      this.#spawn(index, slot);
    }, delay);
  }

  /** Asks every thread to finish its job in hand and stop; resolves once all have exited. No restarts after this. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.#slots.map((slot) => {
        clearTimeout(slot.restartTimer);
        const thread = slot.thread;
        if (!thread) return undefined;
        return new Promise<void>((resolve) => {
          thread.once('exit', () => resolve());
          thread.postMessage('stop');
        });
      }),
    );
  }
}
