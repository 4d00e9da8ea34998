/**
 * Stores ingested batches exactly once. A batch is identified by its key (chunk id or
 * Idempotency-Key); an event by (source, event time): an event whose time the source already
 * stored is a resend and is skipped, so a client that resends a timed-out event inside a new batch
 * does not double it. For each new batch, in ONE transaction: the raw bytes go to the source's
 * stream, the record and the new event times are written, and every numeric field is appended to
 * its channel array (created with a channel document on first sight). Non-numeric fields stay in
 * the stream. Arrays are ordered by time: a new event older than its array's last sample (a batch
 * retried after later ones were stored) is kept in the raw stream and counted, but not appended —
 * a transformation can rebuild the arrays from the stream. Batches of one source are processed one
 * after the other (per process).
 */
import { ArrayError, ChannelArray } from '../../arrays';
import type { BulkWrite } from '../../storage/backend';
import type { Store } from '../store/store';
import { SerialQueue } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import { IngestLog } from '../store/sql/ingest-log';
import type { Source } from './sources';
import type { IngestEvent } from './parse';

export interface IngestResult {
  status: 'stored' | 'duplicate';
  /** Events of this batch that were new (not resends). */
  events: number;
  /** New events older than their arrays' last samples: in the raw stream only. */
  late: number;
}

/** A field name as part of an array id. */
const fieldId = (field: string): string => encodeURIComponent(field);

export class IngestService {
  readonly #store: Store;
  readonly #queues = new Map<string, SerialQueue>();
  readonly #arrays = new Map<string, ChannelArray>();

  constructor(store: Store) {
    this.#store = store;
  }

  ingest(source: Source, key: string, events: IngestEvent[], raw: Uint8Array): Promise<IngestResult> {
    let queue = this.#queues.get(source.id);
    if (!queue) this.#queues.set(source.id, (queue = new SerialQueue()));
    return queue.run(() => this.#ingest(source, key, events, raw));
  }

  async #array(source: Source, field: string, writes: BulkWrite[]): Promise<ChannelArray> {
    const id = `array/${source.id}/${fieldId(field)}`;
    let array = this.#arrays.get(id);
    if (!array) {
      array = await ChannelArray.open(this.#store.documents, id).catch(async (error: unknown) => {
        if (!(error instanceof ArrayError && error.status === 404)) throw error;
        const created = await ChannelArray.create(this.#store.documents, id, { timing: 'explicit', ...(source.units[field] ? { unit: source.units[field] } : {}), ...(source.site ? { site: source.site } : {}) });
        writes.push({
          type: 'put',
          id: `channel/${source.id}/${fieldId(field)}`,
          doc: { type: 'channel', title: field, unit: source.units[field] ?? '', source: source.id, array: id, ...(source.site ? { site: source.site } : {}), ...(source.asset ? { asset: source.asset } : {}) },
        });
        return created;
      });
      this.#arrays.set(id, array);
    }
    return array;
  }

  async #ingest(source: Source, key: string, events: IngestEvent[], raw: Uint8Array): Promise<IngestResult> {
    const log = this.#store.ingestions;
    if (await log.find(source.id, key)) return { status: 'duplicate', events: 0, late: 0 };
    const known = await log.knownTimes(source.id, events.map((event) => event.time));
    const seen = new Set<number>();
    const fresh = events
      .filter((event) => !known.has(event.time) && !seen.has(event.time) && seen.add(event.time))
      .sort((a, b) => a.time - b.time);
    const series = new Map<string, { times: number[]; values: number[] }>();
    for (const event of fresh) {
      for (const [field, value] of Object.entries(event.record)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        let entry = series.get(field);
        if (!entry) series.set(field, (entry = { times: [], values: [] }));
        entry.times.push(event.time);
        entry.values.push(value);
      }
    }
    const writes: BulkWrite[] = [];
    const commits: Array<() => void> = [];
    const late = new Set<number>();
    for (const [field, { times, values }] of series) {
      const array = await this.#array(source, field, writes);
      const after = array.meta.last_time ?? -Infinity;
      const first = times.findIndex((time) => time > after);
      const from = first === -1 ? times.length : first;
      for (const time of times.slice(0, from)) late.add(time);
      if (from === times.length) continue;
      const prepared = await array.prepareAppend(Float32Array.from(values.slice(from)), Float64Array.from(times.slice(from)));
      writes.push(...prepared.writes);
      commits.push(prepared.commit);
    }
    const prepared = await SqlStorage.prepareWrites(writes);
    const outcome = await log.accept(
      { source: source.id, key, count: fresh.length, firstTime: fresh[0]?.time ?? null, lastTime: fresh.at(-1)?.time ?? null },
      raw,
      async (query) => {
        await IngestLog.rememberTimes(query, source.id, fresh.map((event) => event.time));
        await SqlStorage.applyWrites(query, prepared);
      },
    );
    if (outcome.status === 'stored') commits.forEach((commit) => commit());
    const stored = outcome.status === 'stored';
    return { status: outcome.status, events: stored ? fresh.length : 0, late: stored ? late.size : 0 };
  }
}
