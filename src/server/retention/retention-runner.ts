/**
 * Retention: raw data older than its retention is dropped while summaries stay, so storage stays
 * bounded and old zooms still draw.
 * - A channel's raw samples are kept for its `retention_days`, else its site's `retention_days`,
 *   else RETENTION_DAYS (unset: forever). Whole chunks before that are dropped
 *   (ChannelArray.dropRawBefore: every summary level stays).
 * - A source's raw stream (its batches' bytes, records and event times) is kept as long as the
 *   longest retention of its channels (its site's, or RETENTION_DAYS, when it has none yet): no
 *   channel can take an event older than that. Compacting raises the source's horizon, before
 *   which ingestion refuses event times (IngestLog.compact).
 * When: at start, then every `pollMs` (RETENTION_POLL_MS). Every step is idempotent and made safe
 * against other writers (conditional array metadata, writers held off for a stream), so several
 * server processes may run passes at once: the second finds nothing left to do.
 */
import { ArrayError, ChannelArray, type DropReport } from '../../arrays';
import type { Doc } from '../../storage/backend';
import type { Store } from '../store/store';
import { IngestLog } from '../store/sql/ingest-log';
import { SqlStorage } from '../store/sql/sql-storage';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** Days raw data is kept where neither a channel nor its site says (RETENTION_DAYS; undefined: forever). */
  defaultDays?: number;
  /** Time between passes (RETENTION_POLL_MS, default an hour). */
  pollMs?: number;
  /** The clock (the retention benchmark moves it). */
  now?: () => number;
  log?: { warn(object: unknown, message: string): void };
}

/** What one pass dropped. */
export interface RetentionReport {
  /** Arrays that lost raw chunks, the chunks and their bytes. */
  arrays: number;
  chunks: number;
  rawBytes: number;
  /** Sources whose stream was compacted, the batches removed and their raw bytes. */
  sources: number;
  batches: number;
  streamBytes: number;
}

const emptyReport = (): RetentionReport => ({ arrays: 0, chunks: 0, rawBytes: 0, sources: 0, batches: 0, streamBytes: 0 });

/** A retention in days as stored on a document (undefined: none set, or not a valid one). */
function daysOf(doc: Doc | undefined): number | undefined {
  const days = doc?.retention_days;
  return typeof days === 'number' && Number.isInteger(days) && days >= 1 ? days : undefined;
}

export class RetentionRunner {
  readonly #store: Store;
  readonly #defaultDays: number | undefined;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #log: RetentionOptions['log'];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(store: Store, options: RetentionOptions = {}) {
    this.#store = store;
    this.#defaultDays = options.defaultDays;
    this.#pollMs = options.pollMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    this.#log = options.log;
  }

  /** Runs a pass now and then every pollMs. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#kick();
  }

  /** Stops; resolves once the pass in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  #kick(): void {
    if (this.#stopped) return;
    this.#running = this.runOnce()
      .catch((error: unknown) => this.#log?.warn({ err: error }, 'retention: a pass failed; it runs again at the next poll'))
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => this.#kick(), this.#pollMs);
      });
  }

  /** One pass over every channel and source; resolves with what it dropped. */
  async runOnce(): Promise<RetentionReport> {
    const now = this.#now();
    const documents = this.#store.documents;
    const report = emptyReport();
    const sites = new Map((await documents.allDocs({ query: 'type:"site"', include_docs: true })).rows.map((row) => [row.id, row.doc]));
    const siteDays = (site: unknown): number | undefined => daysOf(typeof site === 'string' ? sites.get(site) : undefined) ?? this.#defaultDays;
    const channels = (await documents.allDocs({ query: 'type:"channel"', select_list: ['site', 'source', 'array', 'retention_days'] })).rows.map((row) => row.value);
    /** Longest retention of each source's channels (Infinity: one keeps its raw samples forever). */
    const sourceDays = new Map<string, number>();
    for (const channel of channels) {
      const days = daysOf(channel) ?? siteDays(channel.site);
      if (typeof channel.source === 'string') sourceDays.set(channel.source, Math.max(sourceDays.get(channel.source) ?? 0, days ?? Infinity));
      if (days === undefined || typeof channel.array !== 'string') continue;
      const dropped = await this.#dropArray(channel.array, now - days * DAY_MS);
      if (dropped.chunks === 0) continue;
      report.arrays++;
      report.chunks += dropped.chunks;
      report.rawBytes += dropped.bytes;
    }
    const sources = await this.#store.driver.transaction((query) => query('SELECT id, site FROM sources ORDER BY id'));
    for (const row of sources) {
      const id = String(row.id);
      const days = sourceDays.get(id) ?? siteDays(row.site ?? undefined);
      if (days === undefined || days === Infinity) continue;
      const compacted = await this.#compactStream(id, now - days * DAY_MS);
      if (compacted.batches === 0) continue;
      report.sources++;
      report.batches += compacted.batches;
      report.streamBytes += compacted.bytes;
    }
    return report;
  }

  async #dropArray(id: string, before: number): Promise<DropReport> {
    try {
      return await (await ChannelArray.open(this.#store.documents, id)).dropRawBefore(before);
    } catch (error) {
      // Deleted since the channels were listed, or not an array: nothing to drop.
      if (error instanceof ArrayError && (error.status === 404 || error.status === 400)) return { chunks: 0, samples: 0, bytes: 0 };
      throw error;
    }
  }

  /** Compacts a source's stream before `horizon`, a bounded number of batches per transaction. */
  async #compactStream(source: string, horizon: number): Promise<{ batches: number; bytes: number }> {
    const total = { batches: 0, bytes: 0 };
    for (;;) {
      const step = await this.#store.driver.transaction(async (query) => {
        // Ingestion of this source waits meanwhile (its last check of the horizon is under the same hold).
        await SqlStorage.holdWriters(query);
        return IngestLog.compact(query, source, horizon);
      });
      total.batches += step.batches;
      total.bytes += step.bytes;
      if (!step.more) return total;
      // Ingestion and requests go between the steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
