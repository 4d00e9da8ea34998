/**
 * When a server applier passes over the documents of one type it acts on (alarm actions,
 * readings): a first pass at start, then whenever the live bus says such a document was written
 * (by any process: the document feed) or events were missed (`reset`), and every `sweepMs` for
 * anything the bus could not say (a crash between a document's commit and its effect). Passes
 * never overlap: one asked for while one runs runs once more after it, so a document written
 * during a pass is not left to the next sweep. The pass itself is the applier's.
 */
import type { LivePublisher, LiveSubscription } from './publisher';

export interface DocSweeperOptions {
  /** The document type whose writes ask for a pass. */
  type: string;
  live?: LivePublisher | undefined;
  sweepMs: number;
  log: { warn(details: object, message: string): void };
  /** Names the applier in the log ("alarm actions", "readings"). */
  label: string;
  /** One batch past the applier's checkpoint; true when a full batch came (more may wait). */
  pass: () => Promise<boolean>;
}

/** Runs an applier's passes: start() wakes it, sweep() asks for one, stop() waits for it. */
export class DocSweeper {
  readonly #options: DocSweeperOptions;
  #subscription: LiveSubscription | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: DocSweeperOptions) {
    this.#options = options;
  }

  /** Whether stop() was called (a pass in progress gives up at its next step). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts: a first pass now (in the background), then on each document written and every sweepMs. */
  start(): void {
    this.#subscription = this.#options.live?.subscribe(undefined, () => this.#onEvents());
    this.#timer = setInterval(() => void this.sweep(), this.#options.sweepMs);
    void this.sweep();
  }

  /** Stops waking and waits for a pass in progress (so the database can close after it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#subscription?.close();
    while (this.#running) await this.#running;
  }

  #onEvents(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    let wanted = false;
    for (let read = subscription.next(); read; read = subscription.next()) {
      // A reset means events were missed: a pass finds whatever they said.
      if ('reset' in read || (read.message.event === 'doc' && read.message.data.type === this.#options.type && !read.message.data.deleted)) wanted = true;
    }
    if (wanted) void this.sweep();
  }

  /**
   * One pass over what is not dealt with yet (joins a running one and runs once more after it).
   * Never rejects: a failure is logged and the next pass tries again from the same checkpoint.
   */
  sweep(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        try {
          while (!this.#stopped && (await this.#options.pass())) {
            // a full batch came: read on
          }
        } catch (error) {
          if (!this.#stopped) this.#options.log.warn({ err: error }, `${this.#options.label}: a pass failed; the next one tries again`);
        }
      } while (this.#again && !this.#stopped);
    };
    this.#running = run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
