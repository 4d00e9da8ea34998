/** Takes jobs from the queue and runs them, renewing the lease while a job runs. */
import type { Store } from '../store/store';
import { JobQueue, type Job } from './job-queue';
import { handlers } from './handlers';

export interface JobWorkerOptions {
  name: string;
  /** How long a claimed job stays ours without renewal (a dead worker's jobs return after it). */
  leaseMs?: number;
  /** Wait between polls when the queue is empty. */
  pollMs?: number;
}

export class JobWorker {
  readonly #store: Store;
  readonly #queue: JobQueue;
  readonly #name: string;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(store: Store, options: JobWorkerOptions) {
    this.#store = store;
    this.#queue = new JobQueue(store.driver);
    this.#name = options.name;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 500;
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
      let job: Job | undefined;
      try {
        job = await this.#queue.claim(this.#name, this.#leaseMs);
      } catch {
        job = undefined; // database busy or gone: try again after the pause
      }
      if (!job) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, this.#pollMs);
        });
        continue;
      }
      await this.#execute(job);
    }
  }

  async #execute(job: Job): Promise<void> {
    const handler = handlers[job.kind];
    const renewal = setInterval(() => void this.#queue.renew(job, this.#leaseMs).catch(() => undefined), Math.max(100, this.#leaseMs / 3));
    try {
      if (!handler) throw new Error(`no handler for job kind ${JSON.stringify(job.kind)}`);
      const outcome = await handler(job, this.#store);
      await this.#queue.complete(job, outcome.result, outcome.effect);
    } catch (error) {
      await this.#queue.fail(job, error).catch(() => undefined);
    } finally {
      clearInterval(renewal);
    }
  }
}
