/**
 * The simulated fleet (DEMO): a wind farm and a solar plant whose data enters the server the way
 * real data does. On start it makes sure the fleet's sites, assets, data sources (bound to the
 * assets, with each field's channel metadata), channel arrays and ground truth documents exist,
 * with the demo's alarm rules, maintenance plans, remaining-life model spec and the failures of
 * the main bearings' past lives; writes the history in bulk (a first start: DEMO_YEARS of hourly
 * samples, then DEMO_DAYS back from now; a restart: the gap since each source's last sample, so
 * nothing is duplicated and nothing is missing); then streams live,
 * one agent per source sending each second's samples over the fluentd forward protocol to the
 * server's own forward port and waiting for the acks. What times exist is plan.ts's business,
 * what the values are the signal models'; both are deterministic (seeded).
 *
 * Documents the fleet wrote once are not written again on a restart: an admin's edits of a site
 * or an asset stay. One fleet per database: two server processes on one database with DEMO on
 * would both stream (the second's events are then resends, skipped by ingest).
 */
import { ChannelArray, ArrayError } from '../../arrays';
import { StorageError, writeAll, type BulkWrite } from '../../storage/backend';
import type { JsonObject } from '../../core';
import type { Store } from '../store/store';
import type { LivePublisher } from '../live/publisher';
import { Sources, fieldInfoOf, type Source } from '../ingest/sources';
import { updateSourceFields } from '../ingest/source-fields';
import { fleetDefinition, type SourceDef } from './fleet';
import { ForwardClient, ForwardClientClosed, type ForwardEntry } from './forward-client';
import { BURST_MS, LIVE_BURST_EVERY_MS, LONG_DT_MS, RECENT_MS, SECOND, OLD_DT_MS, burstSamples, silentAt, sourceSamples } from './plan';
import { YEAR_MS, faultSchedule, groundTruth, pastFailures, type FaultSchedule } from './schedule';
import { demoAlarmRules } from './alarm-rules';
import { demoMaintenancePlans } from './maintenance-plans';
import { demoPredictionModels } from './prediction-models';
import { bulkSlices, lastTimeOf, type BulkSource } from './bulk';

/** The seed of the fleet `npm start` shows. */
export const DEFAULT_SEED = 20_261_201;
const DAY = 86_400_000;

/** What the fleet logs (a pino/Fastify logger fits). */
export interface FleetLog {
  info(message: string): void;
  warn(message: string): void;
  error(object: unknown, message: string): void;
}

export interface DemoFleetOptions {
  store: Store;
  /** Where the server's forward protocol listens (loopback). */
  forwardHost: string;
  forwardPort: number;
  /** Whether the forward port requires the shared-key handshake (FORWARD_SECURITY). */
  forwardSecurity: boolean;
  /** History written on a first start (DEMO_DAYS). */
  days: number;
  /** Years of hourly history written before it on a first start (DEMO_YEARS; default 0). */
  years?: number;
  seed?: number;
  log: FleetLog;
  /** The clock (tests may move it); default Date.now. */
  now?: () => number;
  /** The live event bus: bulk appends are announced there as ingested ones are (live data goes through ingest, which does). */
  live?: LivePublisher;
}

export interface BulkReport {
  /** Samples written in bulk by this start (the backfill, or the gap after a restart). */
  samples: number;
  seconds: number;
  /** Whether this was the first start (the whole history) rather than a gap fill. */
  firstStart: boolean;
}

/** The most one live chunk carries: a minute of a 1 Hz source (catching up after a pause), a burst's second of CMS. */
const MAX_LIVE_SECONDS = 60;

interface LiveSource extends BulkSource {
  client: ForwardClient;
  /** The next sample time not yet acknowledged. */
  cursor: number;
  busy: boolean;
}

/** The `anomaly` key of a channel document, when the flag is set either way. */
const anomalyFlag = (flag: boolean | undefined): { anomaly?: boolean } => (flag === undefined ? {} : { anomaly: flag });

const isNotFound = (error: unknown): boolean => (error instanceof StorageError && error.status === 404) || (error instanceof ArrayError && error.status === 404);

export class DemoFleet {
  readonly #options: DemoFleetOptions;
  readonly #seed: number;
  readonly #now: () => number;
  #schedule: FaultSchedule | undefined;
  #live: LiveSource[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** What the bulk step of this start wrote (set once it is done). */
  bulk: BulkReport | undefined;
  /** Live chunks acknowledged so far. */
  liveChunks = 0;

  constructor(options: DemoFleetOptions) {
    this.#options = options;
    this.#seed = options.seed ?? DEFAULT_SEED;
    this.#now = options.now ?? Date.now;
  }

  /** The fault schedule in force (after `start` resolved). */
  get schedule(): FaultSchedule | undefined {
    return this.#schedule;
  }

  /**
   * Sets the fleet up, writes the history in bulk and starts streaming; resolves once live
   * streaming began (rejects when setting up or the bulk step failed: nothing streams then).
   */
  start(): Promise<void> {
    this.#running ??= this.#start();
    return this.#running;
  }

  async #start(): Promise<void> {
    const { store, log } = this.#options;
    const definition = fleetDefinition(this.#seed);
    const cut = Math.floor(this.#now() / SECOND) * SECOND;
    // A restart finds the schedule the first start wrote down (its start and live_from).
    const truthId = `ground-truth/${definition.sites[0]!.id.slice(5)}`;
    const written = await this.#read(truthId);
    const firstStart = written === undefined;
    // A fleet first started before the long history existed has none (no long_start).
    const start = Math.floor((cut - this.#options.days * DAY) / OLD_DT_MS) * OLD_DT_MS;
    const schedule = written
      ? faultSchedule(Number(written.seed), Number(written.start), Number(written.live_from), typeof written.long_start === 'number' ? written.long_start : undefined)
      : faultSchedule(this.#seed, start, cut, Math.floor((start - (this.#options.years ?? 0) * YEAR_MS) / LONG_DT_MS) * LONG_DT_MS);
    this.#schedule = schedule;
    // Every document and array missing is written in one transaction (one by one, a first start
    // spent seconds on commits).
    const writes: BulkWrite[] = [];
    const created: Array<() => void> = [];
    for (const { id, doc } of [...definition.sites, ...definition.assets]) await this.#putIfAbsent(writes, id, doc);
    const sources = await this.#sources(definition.sources, writes, created);
    const channelIds = (key: string, fields: readonly string[]) => {
      const source = sources.find((candidate) => candidate.def.key === key);
      return source ? fields.map((field) => `channel/${source.id}/${encodeURIComponent(field)}`) : [...fields];
    };
    for (const { id, doc } of groundTruth(schedule, channelIds)) await this.#putIfAbsent(writes, id, doc);
    // The alarm rules that catch the scheduled faults: written where absent, so an engineer's edits stay.
    for (const { id, doc } of demoAlarmRules(schedule.longStart < schedule.start ? schedule.start : undefined)) await this.#putIfAbsent(writes, id, doc);
    // The preventive plans (their work orders come from the plan scheduler): likewise where absent.
    for (const { id, doc } of demoMaintenancePlans(schedule.liveFrom)) await this.#putIfAbsent(writes, id, doc);
    if (writes.length > 0) await writeAll(store.documents, writes);
    created.forEach((commit) => commit());
    if (this.#stopped) return;

    // The bulk step: everything from each source's last sample (or the history's start) to now.
    const began = performance.now();
    const announce = (source: BulkSource) => (array: ChannelArray, field: string, last: number) =>
      this.#options.live?.publish({ event: 'samples', data: { array: array.id, channel: `channel/${source.id}/${encodeURIComponent(field)}`, site: source.def.site, length: array.length, last: { time: array.meta.last_time!, value: last } } });
    const slices = sources.flatMap((source) => bulkSlices(store, schedule, source, lastTimeOf(source) ?? schedule.longStart - 1, cut, cut - RECENT_MS, announce(source)));
    const total = slices.reduce((sum, slice) => sum + slice.samples, 0);
    const years = (schedule.start - schedule.longStart) / YEAR_MS;
    log.info(`demo fleet: ${firstStart ? `backfilling ${years > 0 ? `${years.toFixed(0)} years of hourly history and ` : ''}${this.#options.days} days of history` : 'filling the gap since the last start'}: ${(total / 1e6).toFixed(1)} M samples in bulk`);
    let done = 0;
    let reported = 0;
    for (const slice of slices) {
      if (this.#stopped) return;
      await slice.write();
      done += slice.samples;
      const tenth = Math.floor((done / total) * 10);
      if (tenth > reported) {
        reported = tenth;
        log.info(`demo fleet: bulk ${tenth * 10} % (${(done / 1e6).toFixed(1)} M samples, ${((performance.now() - began) / 1000).toFixed(1)} s)`);
      }
    }
    // The main bearings' past failures (what the remaining-life model learns from) and that
    // model's spec, once the history they speak of is stored: the spec's first training (the
    // server's own, for an enabled spec with no version) must not learn from half of it.
    const learnt: BulkWrite[] = [];
    for (const { id, doc } of pastFailures(schedule)) await this.#putIfAbsent(learnt, id, doc);
    for (const { id, doc } of demoPredictionModels()) await this.#putIfAbsent(learnt, id, doc);
    if (learnt.length > 0) await writeAll(store.documents, learnt);
    this.bulk = { samples: total, seconds: (performance.now() - began) / 1000, firstStart };
    if (total > 0) log.info(`demo fleet: ${(total / 1e6).toFixed(1)} M samples written in bulk in ${this.bulk.seconds.toFixed(1)} s; streaming live over the forward protocol`);
    this.#startLive(sources, cut);
  }

  /** Stops streaming (a chunk waiting for its ack is abandoned: the next start fills it in bulk). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const source of this.#live) source.client.close();
    await this.#running?.catch(() => undefined);
  }

  async #read(id: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.#options.store.documents.get(id);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Adds the write of `doc` unless a document `id` exists (conditional: another writer meanwhile makes it a 409). */
  async #putIfAbsent(writes: BulkWrite[], id: string, doc: object): Promise<void> {
    if ((await this.#read(id)) === undefined) writes.push({ type: 'put', id, doc: doc as JsonObject, expect: null });
  }

  /**
   * A source registered by an older demo (before channels were flagged for anomaly scoring) gets
   * the flags of its definition where its metadata has none, its channel documents with them; a
   * flag an admin set either way stays.
   */
  async #withAnomalyFlags(registry: Sources, source: Source, def: SourceDef): Promise<Source> {
    const fields = new Map(Object.entries(source.fields));
    let missing = false;
    for (const [field, info] of Object.entries(def.fields)) {
      const stored = fields.get(field);
      if (info.anomaly === undefined || (stored !== undefined && stored.anomaly !== undefined)) continue;
      fields.set(field, { ...(stored ?? info), anomaly: info.anomaly });
      missing = true;
    }
    if (!missing) return source;
    return (await updateSourceFields(this.#options.store, registry, source.id, Object.fromEntries(fields))).source;
  }

  /**
   * The fleet's sources as registered (registering those missing), each with its arrays; the
   * writes of missing arrays and channel documents go to `writes`, and `created` completes the
   * arrays once they are written.
   */
  async #sources(defs: readonly SourceDef[], writes: BulkWrite[], created: Array<() => void>): Promise<BulkSource[]> {
    const registry = new Sources(this.#options.store.driver);
    const result: BulkSource[] = [];
    for (const def of defs) {
      const units = Object.fromEntries(Object.entries(def.fields).map(([field, info]) => [field, info.unit ?? '']));
      let source: Source = (await registry.byTag(def.tag)) ?? (await registry.create({ tag: def.tag, site: def.site, asset: def.asset, units, fields: def.fields }));
      source = await this.#withAnomalyFlags(registry, source, def);
      const arrays = new Map<string, ChannelArray>();
      for (const [field, info] of Object.entries(def.fields)) {
        const id = `array/${source.id}/${encodeURIComponent(field)}`;
        const array = await ChannelArray.open(this.#options.store.documents, id).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
          // Regular timing: the history is written as runs (no times stored); ingest appends live data as runs too.
          const prepared = ChannelArray.prepareCreate(this.#options.store.documents, id, { timing: 'regular', ...(info.unit ? { unit: info.unit } : {}), site: def.site });
          writes.push(...prepared.writes);
          created.push(() => arrays.set(field, prepared.commit()));
          return undefined;
        });
        if (array) arrays.set(field, array);
        await this.#putIfAbsent(writes, `channel/${source.id}/${encodeURIComponent(field)}`, {
          type: 'channel',
          site: def.site,
          asset: def.asset,
          source: source.id,
          array: id,
          title: info.title ?? field,
          unit: info.unit ?? '',
          ...(info.rate === undefined ? {} : { rate: info.rate }),
          ...(info.normal === undefined ? {} : { normal: info.normal }),
          // The source's own flag first: an admin's choice (or an older demo's metadata) decides.
          ...anomalyFlag(fieldInfoOf(source, field)?.anomaly ?? info.anomaly),
          field,
          simulated: true,
        });
      }
      result.push({ def, id: source.id, arrays });
    }
    return result;
  }

  #startLive(sources: BulkSource[], cut: number): void {
    if (this.#stopped) return;
    const keys = this.#options.forwardSecurity ? new Sources(this.#options.store.driver).withSharedKeys() : Promise.resolve([]);
    void keys.then((withKeys) => {
      if (this.#stopped) return;
      const sharedKeys = new Map(withKeys.map(({ source, sharedKey }) => [source.id, sharedKey]));
      this.#live = sources.map((source) => {
        const sharedKey = sharedKeys.get(source.id);
        return {
          ...source,
          client: new ForwardClient({
            host: this.#options.forwardHost,
            port: this.#options.forwardPort,
            tag: source.def.tag,
            ...(sharedKey === undefined ? {} : { sharedKey }),
            onRetry: (reason, attempt) => {
              if (attempt === 1 || attempt % 10 === 0) this.#options.log.warn(`demo fleet: ${source.def.tag}: ${reason}; resending (attempt ${attempt + 1})`);
            },
          }),
          // Live data starts after the bulk step's last sample (never again at a time it wrote).
          cursor: Math.max(cut, lastTimeOf(source) ?? cut) + (source.def.kind === 'cms' ? 1000 / source.def.rate : SECOND),
          busy: false,
        };
      });
      this.#tick();
    }, (error: unknown) => this.#options.log.error({ err: error }, 'demo fleet: live streaming could not start'));
  }

  /** Once a second: each source not waiting for an ack sends what it measured since its cursor. */
  #tick(): void {
    if (this.#stopped) return;
    const now = this.#now();
    for (const source of this.#live) if (!source.busy) this.#send(source, now);
    // Just after the next whole second, when its samples are complete.
    this.#timer = setTimeout(() => this.#tick(), SECOND - (Date.now() % SECOND) + 20);
  }

  #send(source: LiveSource, now: number): void {
    const { entries, next } = source.def.kind === 'cms' ? this.#burstEntries(source, now) : this.#scadaEntries(source, now);
    if (next === source.cursor) return;
    if (entries.length === 0) {
      source.cursor = next; // silent (a dropout): nothing to send
      return;
    }
    source.busy = true;
    source.client.send(entries).then(
      () => {
        source.cursor = next;
        source.busy = false;
        this.liveChunks++;
      },
      (error: unknown) => {
        source.busy = false;
        if (!(error instanceof ForwardClientClosed)) this.#options.log.error({ err: error }, `demo fleet: ${source.def.tag}: sending failed`);
      },
    );
  }

  /** A 1 Hz source's seconds from its cursor up to now (at most MAX_LIVE_SECONDS), without silences. */
  #scadaEntries(source: LiveSource, now: number): { entries: ForwardEntry[]; next: number } {
    const schedule = this.#schedule!;
    const last = Math.min(Math.floor(now / SECOND) * SECOND, source.cursor + (MAX_LIVE_SECONDS - 1) * SECOND);
    if (last < source.cursor) return { entries: [], next: source.cursor };
    const times: number[] = [];
    for (let time = source.cursor; time <= last; time += SECOND) if (!silentAt(schedule, source.def, time)) times.push(time);
    const samples = sourceSamples(schedule, source.def, Float64Array.from(times));
    const fields = Object.keys(source.def.fields);
    const entries = times.map((time, index) => ({ time, record: Object.fromEntries(fields.map((field) => [field, samples[field]![index]!])) }));
    return { entries, next: last + SECOND };
  }

  /** A CMS source's samples of the current burst from its cursor, one second of them (bursts every 10 minutes). */
  #burstEntries(source: LiveSource, now: number): { entries: ForwardEntry[]; next: number } {
    const schedule = this.#schedule!;
    const dt = 1000 / source.def.rate;
    let burst = Math.floor(source.cursor / LIVE_BURST_EVERY_MS) * LIVE_BURST_EVERY_MS;
    if (source.cursor >= burst + BURST_MS) burst += LIVE_BURST_EVERY_MS;
    const from = Math.max(source.cursor, burst);
    // The second of the burst that `from` lies in, once it is over.
    const until = Math.min(burst + BURST_MS, Math.floor(from / SECOND) * SECOND + SECOND);
    // Not over yet: nothing to send (the cursor may move up to the burst's start: nothing lies before it).
    if (now < until) return { entries: [], next: from };
    const skip = Math.round((from - burst) / dt);
    const count = Math.round((until - from) / dt);
    const samples = burstSamples(schedule, source.def, burst, skip + count);
    const fields = Object.keys(source.def.fields);
    const entries: ForwardEntry[] = [];
    for (let index = skip; index < skip + count; index++) entries.push({ time: burst + index * dt, record: Object.fromEntries(fields.map((field) => [field, samples[field]![index]!])) });
    return { entries, next: until };
  }
}
