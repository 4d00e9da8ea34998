/**
 * Stores ingested batches exactly once. A batch is identified by its key (chunk id or
 * Idempotency-Key); an event by (source, event time): events not later than the source's last
 * stored event are resends and are skipped, so a client that resends a timed-out event inside a
 * new batch does not double it. For each new batch, in ONE transaction: the raw bytes go to the
 * source's stream, the record is written, and every numeric field is appended to its channel
 * array (created with a channel document on first sight). Non-numeric fields stay in the stream.
 * Batches of one source are processed one after the other.
 */
import { ArrayError, ChannelArray } from '../../arrays';
import type { BulkWrite } from '../../storage/backend';
import type { Store } from '../store/store';
import { SerialQueue } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import type { Source } from './sources';
import type { IngestEvent } from './parse';

export interface IngestResult {
  status: 'stored' | 'duplicate';
  /** Events of this batch that were new (not resends). */
  events: number;
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
    if (await log.find(source.id, key)) return { status: 'duplicate', events: 0 };
    const last = await log.lastTime(source.id);
    const fresh = events.filter((event) => last === null || event.time > last).sort((a, b) => a.time - b.time);
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
    for (const [field, { times, values }] of series) {
      const array = await this.#array(source, field, writes);
      const prepared = await array.prepareAppend(Float32Array.from(values), Float64Array.from(times));
      writes.push(...prepared.writes);
      commits.push(prepared.commit);
    }
    const prepared = await SqlStorage.prepareWrites(writes);
    const outcome = await log.accept(
      { source: source.id, key, count: fresh.length, firstTime: fresh[0]?.time ?? null, lastTime: fresh.at(-1)?.time ?? null },
      raw,
      (query) => SqlStorage.applyWrites(query, prepared),
    );
    if (outcome.status === 'stored') commits.forEach((commit) => commit());
    return { status: outcome.status, events: outcome.status === 'stored' ? fresh.length : 0 };
  }
}
