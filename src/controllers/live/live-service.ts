/**
 * The server's live events in the browser (GET /api/events, Server-Sent Events): samples
 * appended to channel arrays, documents written, and `reset` when the server could not resume
 * where this page left off (after a server restart, or away too long): then whoever shows
 * server data reloads it.
 *
 * One EventSource for the page, whatever the number of listeners. EventSource reconnects by
 * itself after a network error and sends Last-Event-ID, so nothing is lost or doubled while the
 * server keeps the events (see the server's live/publisher.ts). When the server answers an error
 * instead (401 signed out, 503 while starting), EventSource gives up for good: this service then
 * opens a new one with backoff (2 s doubling to a minute, at once on `online` and after a sign-in
 * anywhere in the app, `fl-signed-in`), resuming from the last event it saw (`last_event_id`, as
 * a new EventSource cannot be given the header).
 */
import type { DocData, SamplesData } from '../../core/live-events';

/**
 * A live event. For a document, `docType` is the document's own `type` field (on the wire it is
 * `type` in the data; here `type` names the event).
 */
export type LiveEvent =
  | ({ type: 'samples' } & SamplesData)
  | { type: 'doc'; id: string; site: string | null; docType?: string; deleted?: true }
  | { type: 'reset' };

export type LiveListener = (event: LiveEvent) => void;

/** The EventSource constructor (a test or an embedder may pass another implementation). */
export type EventSourceFactory = (url: string) => EventSource;

export interface LiveServiceOptions {
  /** The server's origin (default: this page's). */
  origin?: string;
  /** Where `online` and `fl-signed-in` come from (default: window). */
  target?: EventTarget;
  eventSource?: EventSourceFactory;
  /** First retry delay after the server refused the stream (ms; doubles up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
}

/** Turns one SSE message into a LiveEvent (undefined: not one of ours, or malformed). */
function parse(name: string, text: string): LiveEvent | undefined {
  if (name === 'reset') return { type: 'reset' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  if (name === 'samples') return { type: 'samples', ...(data as SamplesData) };
  const doc = data as DocData;
  return { type: 'doc', id: doc.id, site: doc.site ?? null, ...(doc.type === undefined ? {} : { docType: doc.type }), ...(doc.deleted ? { deleted: true } : {}) };
}

/**
 * The live event stream of the server. Fires `change` (an Event) when `connected` changes.
 * Listeners get events in the server's order; one that throws does not stop the others.
 */
export class LiveService extends EventTarget {
  readonly #origin: string;
  readonly #target: EventTarget;
  readonly #create: EventSourceFactory;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #listeners = new Set<LiveListener>();
  #source: EventSource | undefined;
  #lastId = '';
  #connected = false;
  #started = false;
  #delay: number;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LiveServiceOptions = {}) {
    super();
    this.#origin = options.origin ?? location.origin;
    this.#target = options.target ?? window;
    this.#create = options.eventSource ?? ((url) => new EventSource(url));
    this.#retryMs = options.retryMs ?? 2000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
    this.#delay = this.#retryMs;
  }

  /** Whether the stream is open now (events arrive as they happen). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the stream and keeps it open (reconnecting) until stop(). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#target.addEventListener('online', this.#now);
    this.#target.addEventListener('fl-signed-in', this.#now);
    this.#open();
  }

  /** Closes the stream; listeners stay subscribed for a later start(). */
  stop(): void {
    this.#started = false;
    this.#target.removeEventListener('online', this.#now);
    this.#target.removeEventListener('fl-signed-in', this.#now);
    clearTimeout(this.#retry);
    this.#source?.close();
    this.#source = undefined;
    this.#setConnected(false);
  }

  /** Reconnect at once (the network is back, or someone signed in) unless the stream is open. */
  readonly #now = (): void => {
    if (!this.#started || this.#connected) return;
    clearTimeout(this.#retry);
    this.#delay = this.#retryMs;
    this.#open();
  };

  #open(): void {
    this.#source?.close();
    const query = this.#lastId ? `?last_event_id=${encodeURIComponent(this.#lastId)}` : '';
    const source = this.#create(`${this.#origin}/api/events${query}`);
    this.#source = source;
    source.addEventListener('open', () => {
      if (source !== this.#source) return;
      this.#delay = this.#retryMs;
      this.#setConnected(true);
    });
    source.addEventListener('error', () => {
      if (source !== this.#source) return;
      this.#setConnected(false);
      // CONNECTING: EventSource retries by itself, with Last-Event-ID. CLOSED: it gave up (an HTTP error).
      if (source.readyState !== EventSource.CLOSED || !this.#started) return;
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => this.#open(), this.#delay);
      this.#delay = Math.min(this.#maxRetryMs, this.#delay * 2);
    });
    for (const name of ['samples', 'doc', 'reset']) {
      source.addEventListener(name, (message) => {
        if (source !== this.#source) return;
        const { data, lastEventId } = message as MessageEvent<string>;
        if (lastEventId) this.#lastId = lastEventId;
        const event = parse(name, data);
        if (event) this.#deliver(event);
      });
    }
  }

  #deliver(event: LiveEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error('live event listener failed', error);
      }
    }
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.dispatchEvent(new Event('change'));
  }
}
