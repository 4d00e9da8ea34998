/**
 * Document events from the changes feed: every document write on the server — PUT/POST/DELETE,
 * bulk_docs, attachments, sync pushes, ingestion announcing a channel — takes a sequence number
 * in the `documents` table, so reading the rows past the last sequence seen is the one place
 * that sees them all, whichever route (or, sharing a database, whichever server process) wrote
 * them. The feed is polled (one indexed query every `intervalMs`; a PostgreSQL LISTEN can replace
 * the timer later) and each change is published as a `doc` event with the document's site and
 * type; a document that left a site (document_departures) is also published as deleted for the
 * site it left, so a technician of that site drops it. Channel array metadata is skipped: its
 * writes are appends, told as `samples` events by the writers that know the values.
 * Changes within one poll are coalesced by the feed itself (a document appears once, at its
 * latest sequence).
 */
import type { SqlDriver } from '../store/sql/driver';
import type { LivePublisher } from './publisher';

export interface DocFeedOptions {
  /** How often the feed is read (default 200 ms). */
  intervalMs?: number;
  /** Changes read per query (default 1000; more wait for the next turn, read at once). */
  batch?: number;
  /** Where read errors go (a database outage: the feed tries again at the next tick). */
  onError?: (error: unknown) => void;
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

  constructor(driver: SqlDriver, live: LivePublisher, options: DocFeedOptions = {}) {
    this.#driver = driver;
    this.#live = live;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#batch = options.batch ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Starts reading from the feed's current end (what was written before is history, not news). */
  async start(): Promise<void> {
    const [row] = await this.#driver.transaction((query) => query("SELECT value FROM counters WHERE name = 'seq'"));
    this.#since = Number(row?.value ?? 0);
    this.#schedule(this.#intervalMs);
  }

  /** Stops polling and waits for a read in progress (so the database can close after it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
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
      if (row.doc_kind === 'fl-channel-array') continue;
      const deleted = row.deleted === true || Number(row.deleted) === 1;
      this.#live.publish({ event: 'doc', data: { id: String(row.id), site: (row.site as string | null) ?? null, ...type, ...(deleted ? { deleted: true } : {}) } });
    }
    return changes.length === this.#batch;
  }
}
