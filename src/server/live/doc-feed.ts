/**
 * Document events from the changes feed: every document write on the server — PUT/POST/DELETE,
 * bulk_docs, attachments, sync pushes, ingestion announcing a channel — takes a sequence number
 * in the `documents` table, so reading the rows past the last sequence seen is the one place
 * that sees them all, whichever route (or, sharing a database, whichever server process) wrote
 * them. The feed is polled (one indexed query every `intervalMs`; a PostgreSQL LISTEN can replace
 * the timer later) and each change is published as a `doc` event with the document's site and
 * type; a document that left a site (document_departures) is also published as deleted for the
 * site it left, so a technician of that site drops it.
 *
 * Channel array metadata is no `doc` event: its writes are appends, told as `samples` events by
 * the writers that know the values (ingestion, the array routes) right after their commit. An
 * array whose new length no writer of this process told within a poll — appended by another
 * server process sharing the database, by a tablet's sync push, by a bulk writer — is told from
 * here: its end read from the array (one metadata and one sample read), at most once a second
 * per array (`deriveEveryMs`), so a bulk load costs a few reads a second per array, not one per
 * write. The lengths the writers told are read from the bus itself (a cursor, like any reader).
 * Changes within one poll are coalesced by the feed itself (a document appears once, at its
 * latest sequence).
 */
import { ChannelArray } from '../../arrays';
import type { SqlDriver } from '../store/sql/driver';
import type { SqlStorage } from '../store/sql/sql-storage';
import type { LivePublisher, LiveSubscription } from './publisher';

/** An array changed in the feed whose new end no writer may have told yet. */
interface Unannounced {
  site: string | null;
  /** When the feed saw the change (told from here only WRITERS_FIRST_MS later: writers come first). */
  seenAt: number;
}

/**
 * How long the writers of this process have to tell an append themselves before the feed does:
 * their events may be held by coalescing (publisher.ts, 250 ms by default). Telling it twice would
 * be harmless (the same length), only wasted.
 */
const WRITERS_FIRST_MS = 500;

/**
 * The channel document of an array ingestion made (`array/<source id>/<field>` ↔
 * `channel/<source id>/<field>`) or the reading applier made (`array/manual/…` ↔ `channel/manual/…`).
 */
function channelOfArray(id: string): string | undefined {
  return id.startsWith('array/source/') || id.startsWith('array/manual/') ? `channel/${id.slice('array/'.length)}` : undefined;
}

export interface DocFeedOptions {
  /** How often the feed is read (default 200 ms). */
  intervalMs?: number;
  /** Changes read per query (default 1000; more wait for the next turn, read at once). */
  batch?: number;
  /** Where read errors go (a database outage: the feed tries again at the next tick). */
  onError?: (error: unknown) => void;
  /** Where channel arrays are read, to tell appends no writer of this process told (absent: they are not told). */
  storage?: SqlStorage;
  /** At most one such samples event per array this often (default 1 s). */
  deriveEveryMs?: number;
}

/** Reads the document changes past the last seen and publishes them; start() from the current end. */
export class DocFeed {
  readonly #driver: SqlDriver;
  readonly #live: LivePublisher;
  readonly #intervalMs: number;
  readonly #batch: number;
  readonly #onError: (error: unknown) => void;
  #since: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #storage: SqlStorage | undefined;
  readonly #deriveEveryMs: number;
  /** The bus as a reader: the array lengths writers told. */
  #told: LiveSubscription | undefined;
  /** Array → the length last told (by a writer or from here); as many entries as arrays written since the start. */
  readonly #lengths = new Map<string, number>();
  /** Array → when its end was last told from here. */
  readonly #derivedAt = new Map<string, number>();
  readonly #unannounced = new Map<string, Unannounced>();

  constructor(driver: SqlDriver, live: LivePublisher, options: DocFeedOptions = {}) {
    this.#driver = driver;
    this.#live = live;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#batch = options.batch ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
    this.#storage = options.storage;
    this.#deriveEveryMs = options.deriveEveryMs ?? 1000;
  }

  /** Starts reading from the feed's current end (what was written before is history, not news). */
  async start(): Promise<void> {
    const [row] = await this.#driver.transaction((query) => query("SELECT value FROM counters WHERE name = 'seq'"));
    this.#since = Number(row?.value ?? 0);
    if (this.#storage) this.#told = this.#live.subscribe(undefined, () => undefined);
    this.#schedule(this.#intervalMs);
  }

  /** Stops polling and waits for a read in progress (so the database can close after it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    this.#told?.close();
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#poll().then(
        (more) => this.#schedule(more ? 0 : this.#intervalMs),
        (error: unknown) => {
          this.#onError(error);
          this.#schedule(this.#intervalMs);
        },
      );
    }, delay);
  }

  /** One read; true when a full batch came (more may wait). */
  async #poll(): Promise<boolean> {
    const since = this.#since!;
    // The document's own type and kind read in SQL: array metadata can be large and is skipped anyway.
    const json = this.#driver.dialect === 'sqlite' ? (key: string) => `json_extract(doc, '$.${key}')` : (key: string) => `(doc::json ->> '${key}')`;
    const { changes, departures } = await this.#driver.transaction(async (query) => {
      const changes = await query(`SELECT id, seq, deleted, site, ${json('type')} AS doc_type, ${json('kind')} AS doc_kind FROM documents WHERE seq > ? ORDER BY seq LIMIT ?`, [since, this.#batch]);
      const last = changes.length === 0 ? since : Number(changes.at(-1)!.seq);
      const departures = last === since ? [] : await query('SELECT site, doc_id, seq FROM document_departures WHERE seq > ? AND seq <= ?', [since, last]);
      return { changes, departures };
    });
    if (this.#stopped) return false;
    const left = new Map<number, Array<{ site: string; id: string }>>();
    for (const row of departures) {
      const seq = Number(row.seq);
      let list = left.get(seq);
      if (!list) left.set(seq, (list = []));
      list.push({ site: String(row.site), id: String(row.doc_id) });
    }
    for (const row of changes) {
      const seq = Number(row.seq);
      this.#since = seq;
      const type = typeof row.doc_type === 'string' ? { type: row.doc_type } : {};
      for (const { site, id } of left.get(seq) ?? []) this.#live.publish({ event: 'doc', data: { id, site, ...type, deleted: true } });
      const deleted = row.deleted === true || Number(row.deleted) === 1;
      if (row.doc_kind === 'fl-channel-array') {
        // The first change not yet looked at counts: an array appended to without pause is still looked at.
        if (this.#storage && !deleted && !this.#unannounced.has(String(row.id))) this.#unannounced.set(String(row.id), { site: (row.site as string | null) ?? null, seenAt: Date.now() });
        continue;
      }
      this.#live.publish({ event: 'doc', data: { id: String(row.id), site: (row.site as string | null) ?? null, ...type, ...(deleted ? { deleted: true } : {}) } });
    }
    await this.#announceArrays();
    return changes.length === this.#batch;
  }

  /** Tells the new ends of arrays changed before this poll that no writer told. */
  async #announceArrays(): Promise<void> {
    const told = this.#told;
    if (!told || !this.#storage) return;
    for (let read = told.next(); read; read = told.next()) {
      if ('reset' in read || read.message.event !== 'samples') continue;
      const { array, length } = read.message.data;
      if (length > (this.#lengths.get(array) ?? -1)) this.#lengths.set(array, length);
    }
    const now = Date.now();
    for (const [id, change] of this.#unannounced) {
      if (now - change.seenAt < WRITERS_FIRST_MS || now - (this.#derivedAt.get(id) ?? -Infinity) < this.#deriveEveryMs) continue;
      this.#unannounced.delete(id);
      const array = await ChannelArray.open(this.#storage, id).catch(() => undefined);
      const lastTime = array?.meta.last_time;
      if (!array || lastTime === null || lastTime === undefined || array.length <= (this.#lengths.get(id) ?? 0)) continue;
      const [value] = (await array.read(array.length - 1, array.length)).values;
      if (this.#stopped) return;
      this.#derivedAt.set(id, now);
      this.#lengths.set(id, array.length);
      const channel = channelOfArray(id);
      this.#live.publish({ event: 'samples', data: { array: id, ...(channel ? { channel } : {}), site: array.meta.site ?? change.site, length: array.length, last: { time: lastTime, value: value ?? Number.NaN } } });
    }
  }
}
