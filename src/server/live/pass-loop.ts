/**
 * The background loop the server's runners share (prediction, degradation, health): a pass at
 * start, then one every pollMs; one settleMs after a live event the runner says concerns it (many
 * events in that time make one pass); never two at once: a pass asked for while one runs comes
 * right after it, as does the next when a pass says it has more to do, on the next turn of the
 * event loop so that requests and ingestion go between. A pass that rejects is told and the loop
 * goes on at the next poll. stop() waits for the pass in progress.
 */
import type { LiveEntry, LivePublisher, LiveSubscription } from './publisher';

export interface PassLoopOptions {
  pollMs: number;
  settleMs: number;
  live?: LivePublisher | undefined;
  /** Whether an event calls for a pass (settleMs later); every waiting event is read through it. */
  wakes: (entry: LiveEntry) => boolean;
  /** One pass; resolving to true asks for the next one at once. */
  pass: () => Promise<boolean>;
  onError: (error: unknown) => void;
}

export class PassLoop {
  readonly #options: PassLoopOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #settle: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #wanted = false;
  #stopped = true;
  #stopping = false;
  #subscription: LiveSubscription | undefined;

  constructor(options: PassLoopOptions) {
    this.#options = options;
  }

  /** stop() was called (and start not since): a long pass checks it to leave the rest for later. */
  get stopping(): boolean {
    return this.#stopping;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#stopping = false;
    this.#subscription = this.#options.live?.subscribe(undefined, () => this.#heard());
    this.kick();
  }

  /** Stops; resolves once the pass in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#settle);
    this.#timer = undefined;
    this.#settle = undefined;
    this.#subscription?.close();
    this.#subscription = undefined;
    await this.#running;
  }

  /** A pass soon: at once when none runs, right after the running one otherwise. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#wanted = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = (async () => {
      let more = false;
      try {
        more = await this.#options.pass();
      } catch (error) {
        this.#options.onError(error);
      }
      this.#running = undefined;
      if (this.#stopped) return;
      if (more || this.#wanted) {
        this.#wanted = false;
        setImmediate(() => this.kick());
        return;
      }
      this.#timer = setTimeout(() => this.kick(), this.#options.pollMs);
    })();
  }

  #heard(): void {
    const subscription = this.#subscription;
    if (!subscription) return;
    let wake = false;
    for (let entry = subscription.next(); entry !== undefined; entry = subscription.next()) {
      if (!('reset' in entry) && this.#options.wakes(entry)) wake = true;
    }
    if (wake && this.#settle === undefined && !this.#stopped) {
      this.#settle = setTimeout(() => {
        this.#settle = undefined;
        this.kick();
      }, this.#options.settleMs);
    }
  }
}
