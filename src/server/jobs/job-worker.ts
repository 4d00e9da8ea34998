/**
 * Takes jobs from the queue and runs them, renewing the lease while a job runs. The loop never
 * dies of a failure: a database that is out of reach (restarting, the network) makes it wait,
 * longer after each failure in a row (up to MAX_BACKOFF_MS), and carry on when it is back. A job
 * whose outcome could not be recorded meanwhile returns to the queue when its lease runs out.
 */
import type { Store } from '../store/store';
import { JobQueue, type Job } from './job-queue';
import { handlers } from './handlers';

export interface JobWorkerOptions {
  name: string;
  /** How long a claimed job stays ours without renewal (a dead worker's jobs return after it). */
  leaseMs?: number;
  /** Wait between polls when the queue is empty. */
  pollMs?: number;
  /** Told of failures the loop rode out (logging); the first of a run of failures, then each 30th. */
  onError?: (error: unknown, failuresInARow: number) => void;
}

/** The longest wait between tries while the database keeps failing. */
const MAX_BACKOFF_MS = 5_000;

export class JobWorker {
  readonly #store: Store;
  readonly #queue: JobQueue;
  readonly #name: string;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #onError: (error: unknown, failuresInARow: number) => void;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Failures in a row (claims, or recording an outcome); 0 once a claim succeeds. */
  #failures = 0;

  constructor(store: Store, options: JobWorkerOptions) {
    this.#store = store;
    this.#queue = new JobQueue(store.driver);
    this.#name = options.name;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 500;
    this.#onError = options.onError ?? (() => undefined);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Finishes the job in hand, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        const job = await this.#queue.claim(this.#name, this.#leaseMs);
        this.#failures = 0;
        if (job) await this.#execute(job);
        else await this.#pause(this.#pollMs);
      } catch (error) {
        // Database busy or gone (or anything else unforeseen): wait, then try again.
        this.#failures++;
        if (this.#failures === 1 || this.#failures % 30 === 0) this.#onError(error, this.#failures);
        await this.#pause(Math.min(MAX_BACKOFF_MS, this.#pollMs * 2 ** Math.min(this.#failures - 1, 16)));
      }
    }
  }

  /** Waits `ms`, or less when stop() is called. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Runs a job and records its outcome; throws only when not even its failure could be recorded. */
  async #execute(job: Job): Promise<void> {
    const handler = handlers[job.kind];
    const renewal = setInterval(() => void this.#queue.renew(job, this.#leaseMs).catch(() => undefined), Math.max(100, this.#leaseMs / 3));
    try {
      if (!handler) throw new Error(`no handler for job kind ${JSON.stringify(job.kind)}`);
      const outcome = await handler(job, this.#store);
      await this.#queue.complete(job, outcome.result, outcome.effect);
    } catch (error) {
      // With the database gone this throws too: the loop waits, and the lease gives the job back.
      await this.#queue.fail(job, error);
    } finally {
      clearInterval(renewal);
    }
  }
}
