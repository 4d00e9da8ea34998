/**
 * The live event bus of the server: writers publish what committed (samples appended, documents
 * written), the event stream (GET /api/events) subscribes from a position and resumes from it.
 *
 * The contract every implementation keeps:
 *   - `publish` is called after the write committed; events come out in one total order, each
 *     with a position (`id`) that is opaque text to clients and increases along that order.
 *   - A subscriber reads from a cursor into that order; it is never pushed to, so one that reads
 *     slowly costs the bus nothing but its cursor (memory per subscriber is O(1)). The bus keeps
 *     a bounded window of recent events; a cursor that falls out of the window (too slow, or a
 *     position from before a restart, or from another bus) reads `reset`: the client reloads what
 *     it shows and goes on from the newest position.
 *   - `samples` events of one array are coalesced: at most one per `coalesceMs` per array (the
 *     first of a burst at once, the last of it when the interval ends), so an array appended to
 *     hundreds of times a second costs a few events a second, and the last one always says the
 *     final length.
 *
 * This file has the in-process implementation (positions `<epoch>-<n>`, the epoch random per
 * process start, so a restart's positions never match the old ones: the client gets `reset`).
 * Several server processes sharing one PostgreSQL get a second implementation of the same
 * interface: `publish` does `SELECT pg_notify('fieldline_live', <json>)` with a position taken
 * from a database sequence (`nextval('live_events')`, or an insert into a pruned `live_events`
 * table when payloads may pass NOTIFY's 8000 bytes), each process LISTENs on one dedicated
 * connection and feeds what arrives, in sequence order, into the same window and cursors as
 * here; positions are then global, so a client resumes on any process, and after a restart
 * of one of them. Coalescing stays per process (each writer coalesces its own appends).
 * Document events need nothing of that: they come from the changes feed every process shares
 * (doc-feed.ts).
 */
import { randomBytes } from 'node:crypto';
import type { LiveMessage, SamplesData } from '../../core/live-events';

/** An event with its position. */
export interface LiveEntry {
  id: string;
  message: LiveMessage;
}

/** What a subscriber reads next: an event, `reset` (its cursor fell out of the window), or nothing yet. */
export type LiveRead = LiveEntry | { reset: true; id: string } | undefined;

export interface LiveSubscription {
  /** The position of what was read last (before any read: where the subscription started). */
  readonly position: string;
  /** The next event after the cursor; see LiveRead. Reading never blocks. */
  next(): LiveRead;
  /** Stops waking this subscriber. */
  close(): void;
}

export interface LivePublisher {
  /** Publishes an event that committed (samples events are coalesced per array). */
  publish(message: LiveMessage): void;
  /**
   * Subscribes from `from` (a position a client got, e.g. Last-Event-ID; undefined: from now).
   * `wake` is called (never inside `publish`'s caller's stack) when events wait. A position that
   * cannot be resumed makes the first read a `reset`.
   */
  subscribe(from: string | undefined, wake: () => void): LiveSubscription;
  /** Sends what coalescing holds back and stops its timers. */
  close(): void;
}

export interface InProcessPublisherOptions {
  /** Events kept for resuming and for slow readers (default 10 000: a minute of a busy fleet). */
  window?: number;
  /** At most one samples event per array per this many ms (default 250). */
  coalesceMs?: number;
}

/** One array's coalescing: when its last event went out, and the newest one held back since. */
interface Held {
  sentAt: number;
  pending: SamplesData | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Positions in this process: `<epoch>-<n>` (n counts events from 1; 0 is "before the first"). */
const POSITION = /^([0-9a-f]{16})-(\d{1,15})$/;

/** The in-process bus: a ring of the last `window` events and cursors into it. */
export class InProcessPublisher implements LivePublisher {
  readonly epoch = randomBytes(8).toString('hex');
  readonly #ring: Array<LiveEntry | undefined>;
  /** Events published so far (the position of the newest). */
  #head = 0;
  readonly #coalesceMs: number;
  readonly #held = new Map<string, Held>();
  readonly #wakers = new Set<() => void>();
  #wakeScheduled = false;
  #closed = false;

  constructor(options: InProcessPublisherOptions = {}) {
    this.#ring = new Array<LiveEntry | undefined>(Math.max(1, options.window ?? 10_000));
    this.#coalesceMs = options.coalesceMs ?? 250;
  }

  /** Subscriptions open now (each stream holds one until its client goes). */
  get subscribers(): number {
    return this.#wakers.size;
  }

  publish(message: LiveMessage): void {
    if (this.#closed) return;
    if (message.event === 'doc') return this.#append(message);
    const array = message.data.array;
    const now = Date.now();
    let held = this.#held.get(array);
    if (!held) this.#held.set(array, (held = { sentAt: -Infinity, pending: undefined, timer: undefined }));
    if (held.timer === undefined && now - held.sentAt >= this.#coalesceMs) {
      held.sentAt = now;
      this.#append(message);
      // Forget the array once its interval is over with nothing held: the map stays as large as the arrays being written.
      held.timer = setTimeout(() => this.#release(array), this.#coalesceMs);
      return;
    }
    held.pending = message.data;
  }

  /** The end of an array's interval: sends what was held back (and starts a new interval), or forgets the array. */
  #release(array: string): void {
    const held = this.#held.get(array);
    if (!held) return;
    held.timer = undefined;
    if (held.pending === undefined || this.#closed) {
      this.#held.delete(array);
      return;
    }
    const data = held.pending;
    held.pending = undefined;
    held.sentAt = Date.now();
    this.#append({ event: 'samples', data });
    held.timer = setTimeout(() => this.#release(array), this.#coalesceMs);
  }

  #append(message: LiveMessage): void {
    this.#head++;
    this.#ring[this.#head % this.#ring.length] = { id: `${this.epoch}-${this.#head}`, message };
    // Woken once per turn of the event loop however many events came (a group commit publishes many).
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    queueMicrotask(() => {
      this.#wakeScheduled = false;
      for (const wake of [...this.#wakers]) wake();
    });
  }

  /** The cursor a position resumes at, or undefined when it cannot be resumed here. */
  #resumable(from: string): number | undefined {
    const match = POSITION.exec(from);
    if (!match || match[1] !== this.epoch) return undefined;
    const n = Number(match[2]);
    // Everything after n must still be in the ring (n itself may have left it).
    return n <= this.#head && n >= this.#head - this.#ring.length ? n : undefined;
  }

  subscribe(from: string | undefined, wake: () => void): LiveSubscription {
    const start = from === undefined ? this.#head : this.#resumable(from);
    let cursor = start ?? this.#head;
    let mustReset = start === undefined;
    const ring = this.#ring;
    const position = (n: number) => `${this.epoch}-${n}`;
    this.#wakers.add(wake);
    const head = () => this.#head;
    return {
      get position() {
        return position(cursor);
      },
      next(): LiveRead {
        const newest = head();
        // Overwritten past the cursor: this reader was too slow for the window.
        if (mustReset || cursor < newest - ring.length) {
          mustReset = false;
          cursor = newest;
          return { reset: true, id: position(cursor) };
        }
        if (cursor >= newest) return undefined;
        cursor++;
        return ring[cursor % ring.length];
      },
      close: () => {
        this.#wakers.delete(wake);
      },
    };
  }

  close(): void {
    this.#closed = true;
    for (const [array, held] of this.#held) {
      clearTimeout(held.timer);
      if (held.pending) this.#append({ event: 'samples', data: held.pending });
      this.#held.delete(array);
    }
  }
}
