/**
 * The server's degradation runner: for every inverter (asset_type 'inverter': its `ac_power`, with
 * `irradiance` and `module_temp` of its site's met mast, asset_type 'met_mast') and every turbine
 * (asset_type 'turbine': its `power` and `wind_speed`), the long-term degradation rate by core's
 * pvDegradation / windDegradation (year-on-year with a bootstrap interval), over hourly means read
 * from the arrays' block summaries (out of core: years of 1 Hz samples are never read raw).
 *
 * This module decides where the results live: `degradation/<asset path>` (DegradationDoc), written
 * only when what it says changed (rate, interval, days, span), and the derived daily indicator
 * channel `channel/degradation/<asset path>/indicator` (array `array/degradation/<asset
 * path>/indicator`, explicit timing, producer 'degradation'), to which each new usable day is
 * appended once, with the value first computed for it (later runs never rewrite a day). The days
 * and the document go in ONE transaction, guarded twice: the array's metadata write applies only
 * at the metadata read (ChannelArray's conditional append) and the document's put only at the hash
 * read. So a restart or a second process sharing the PostgreSQL never appends a day twice: the
 * loser gets a 409, reads again, and finds nothing left to write. No table is needed: what a
 * process remembers between passes (the last data day it computed each asset through) only saves
 * work, and a restart computes once more at start.
 *
 * When: at start, every `checkMs` (default 10 min), and `settleMs` after this process heard of a
 * new data day in an input (samples events) or of a written asset or channel. An asset is computed again only when one of its
 * inputs reached a new day since its last computation, so a fleet streaming live is computed once
 * a day and a backfill of years as it lands. Too little data (under two years of usable days, a
 * missing channel or met mast) writes nothing and is logged once at info per asset, not as an error.
 */
import { ArrayError, ChannelArray } from '../../arrays';
import { DEGRADATION_PREFIX, DEGRADATION_PRODUCER, degradationArrayId, degradationChannelDoc, degradationChannelId, degradationId, docHash, isDerivedChannel, type DegradationDoc, type DegradationIndicator, type Json } from '../../core';
import { DegradationError, pvDegradation, windDegradation, type DegradationResult } from '../../core/predict/degradation';
import { StorageError, type BulkWrite, type Doc } from '../../storage/backend';
import { PassLoop } from '../live/pass-loop';
import type { LiveEntry, LivePublisher } from '../live/publisher';
import { SqlStorage } from '../store/sql/sql-storage';
import { firstTime, MAX_STEPS_PER_READ, stepMeans } from './step-means';
import type { Store } from '../store/store';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
/** Most hours of history read (20 years): a hostile time stamp far in the past must not fill memory. */
const MAX_HOURS = 20 * 8766;
/** A new day's indicator is appended only this far after the last appended one (a solar day's middle may move by an hour between runs). */
const NEXT_DAY_AFTER_MS = DAY_MS / 2;

export interface DegradationRunnerOptions {
  /** How often the inputs are looked at for new data days (default 600 000 ms). */
  checkMs?: number;
  /** How long after a samples event announcing a new data day the pass starts (default 30 000 ms). */
  settleMs?: number;
  /** Where appends are heard (samples events). */
  live?: LivePublisher;
  /** The clock of `computed_at` (tests); default Date.now. */
  now?: () => number;
  /** Options of the analyses (the bootstrap's resamples and seed; tests make it faster). */
  analysis?: { resamples?: number; seed?: number };
  log?: { info(object: unknown, message: string): void; warn(object: unknown, message: string): void };
}

/** What one pass did. */
export interface DegradationPass {
  /** Assets looked at (inverters and turbines). */
  assets: number;
  /** Assets computed (their inputs reached a new day). */
  computed: number;
  /** Degradation documents written (created or changed). */
  written: string[];
  /** Indicator days appended, over all assets. */
  days: number;
  /** Assets without a result, with why (too little data, a missing input). */
  skipped: Array<{ asset: string; reason: string }>;
}

interface StoredRow {
  id: string;
  doc: Record<string, unknown>;
}

/** One asset to compute and the arrays it reads. */
interface Target {
  asset: { id: string; site: string; title: string; simulated?: true };
  indicator: DegradationIndicator;
  /** PV: power, irradiance, temperature; wind: power, wind speed. */
  arrays: string[];
  /** Why it cannot be computed (a missing channel or met mast). */
  missing?: string;
}

/** Another writer got in first (the array's metadata, the document's hash): read again. */
function movedOn(error: unknown): boolean {
  if (error instanceof StorageError || error instanceof ArrayError) return error.status === 409;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40P01';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** "−0.9 %/yr (−1.1 to −0.7) over 3.0 years". */
function summaryOf(result: DegradationResult): string {
  const signed = (value: number): string => (value < 0 ? `−${Math.abs(value).toFixed(2)}` : value.toFixed(2));
  return `${signed(result.rate_pct_per_year)} %/yr (${signed(result.ci_low)} to ${signed(result.ci_high)}) over ${((result.to - result.from) / YEAR_MS).toFixed(1)} years, ${result.days_used} days`;
}

/**
 * Hourly means of `array` on the grid from `from` (an hour start), `hours` long (NaN where an hour
 * has no sample), read through stepMeans as the remaining-life model reads its inputs.
 */
async function hourlyMeans(array: ChannelArray, from: number, hours: number): Promise<Float64Array> {
  const means = new Float64Array(hours).fill(Number.NaN);
  for (let start = 0; start < hours; start += MAX_STEPS_PER_READ) {
    const count = Math.min(MAX_STEPS_PER_READ, hours - start);
    const edges = Array.from({ length: count + 1 }, (_, k) => from + (start + k) * HOUR_MS);
    means.set((await stepMeans([array], edges))[0]!, start);
  }
  return means;
}

export class DegradationRunner {
  readonly #store: Store;
  readonly #live: LivePublisher | undefined;
  readonly #now: () => number;
  readonly #analysis: { resamples?: number; seed?: number };
  readonly #log: DegradationRunnerOptions['log'];
  /** Asset → the data day (last input time's day) it was last computed through. */
  readonly #computedThrough = new Map<string, number>();
  /** Input array → the assets reading it (to wake on its samples events). */
  #readers = new Map<string, string[]>();
  /** Assets whose missing rate was logged (once each, until they get one). */
  readonly #said = new Set<string>();
  readonly #loop: PassLoop;
  /** Counters for tests and status: analyses run, transactions committed, races lost. */
  readonly counters = { analyses: 0, commits: 0, raced: 0 };

  constructor(store: Store, options: DegradationRunnerOptions = {}) {
    this.#store = store;
    this.#live = options.live;
    this.#now = options.now ?? Date.now;
    this.#analysis = options.analysis ?? {};
    this.#log = options.log;
    this.#loop = new PassLoop({
      pollMs: options.checkMs ?? 600_000,
      settleMs: options.settleMs ?? 30_000,
      live: options.live,
      wakes: (entry) => this.#concerns(entry),
      pass: async () => {
        await this.runOnce();
        return false;
      },
      onError: (error) => this.#log?.warn({ err: error }, 'degradation runner: a pass failed; it runs again at the next check'),
    });
  }

  /** Starts in the background: now, every checkMs, and settleMs after an input reached a new day. */
  start(): void {
    this.#loop.start();
  }

  /** Stops; resolves once the pass in progress (if any) has finished (after the asset it is at). */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /**
   * A samples event of an input whose last time reached a day an asset was not computed through,
   * or an asset or channel written (a new inverter, a channel bound to a field): its inputs may
   * have changed. Its own degradation channels change nothing it reads.
   */
  #concerns(entry: LiveEntry): boolean {
    if (entry.message.event === 'doc') {
      const { id, type } = entry.message.data;
      return (type === 'asset' || type === 'channel') && !id.startsWith(`channel/${DEGRADATION_PREFIX}`);
    }
    if (entry.message.event !== 'samples') return false;
    const { array, last } = entry.message.data;
    const readers = this.#readers.get(array);
    if (!readers || !last) return false;
    const day = Math.floor(last.time / DAY_MS);
    return readers.some((asset) => !(this.#computedThrough.get(asset)! >= day));
  }

  /**
   * One pass: reads which assets to compute, and computes each whose inputs reached a new day since
   * its last computation. Rejects on a database failure (what committed before it stays).
   */
  async runOnce(): Promise<DegradationPass> {
    const targets = await this.#targets();
    const readers = new Map<string, string[]>();
    for (const target of targets) for (const array of target.arrays) readers.set(array, [...(readers.get(array) ?? []), target.asset.id]);
    this.#readers = readers;
    const pass: DegradationPass = { assets: targets.length, computed: 0, written: [], days: 0, skipped: [] };
    for (const target of targets) {
      // stop() waits for this pass: leave the rest for the next start.
      if (this.#loop.stopping) break;
      if (target.missing) {
        this.#skip(pass, target, target.missing);
        continue;
      }
      await this.#compute(target, pass);
    }
    return pass;
  }

  #skip(pass: DegradationPass, target: Target, reason: string): void {
    pass.skipped.push({ asset: target.asset.id, reason });
    // Once per asset until it gets a rate (the reason's figures change with every new day).
    if (this.#said.has(target.asset.id)) return;
    this.#said.add(target.asset.id);
    this.#log?.info({ asset: target.asset.id }, `degradation runner: no rate for ${target.asset.id} yet: ${reason}`);
  }

  /** The inverters and turbines with the arrays they read, from the stored documents. */
  async #targets(): Promise<Target[]> {
    const { assets, channels } = await this.#store.driver.transaction(async (query) => {
      const parse = (rows: Array<Record<string, unknown>>): StoredRow[] => rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Record<string, unknown> }));
      const assets = parse(await query("SELECT id, doc FROM documents WHERE substr(id, 1, 6) = 'asset/' AND deleted = ? ORDER BY id", [false]));
      const sites = new Set<string>();
      for (const { doc } of assets) if (doc.asset_type === 'inverter' || doc.asset_type === 'turbine') if (typeof doc.site === 'string') sites.add(doc.site);
      const channels: StoredRow[] = [];
      for (const site of sites) channels.push(...parse(await query("SELECT id, doc FROM documents WHERE site = ? AND deleted = ? AND substr(id, 1, 8) = 'channel/' ORDER BY id", [site, false])));
      return { assets, channels };
    });
    // Asset → field → the array of its first (by id) measured channel of that field.
    const fields = new Map<string, Map<string, string>>();
    for (const { doc } of channels) {
      if (doc.type !== 'channel' || typeof doc.asset !== 'string' || typeof doc.field !== 'string' || typeof doc.array !== 'string' || isDerivedChannel(doc)) continue;
      let byField = fields.get(doc.asset);
      if (!byField) fields.set(doc.asset, (byField = new Map()));
      if (!byField.has(doc.field)) byField.set(doc.field, doc.array);
    }
    const metBySite = new Map<string, string>();
    for (const { id, doc } of assets) {
      if (doc.asset_type === 'met_mast' && typeof doc.site === 'string' && !metBySite.has(doc.site) && fields.get(id)?.has('irradiance')) metBySite.set(doc.site, id);
    }
    const targets: Target[] = [];
    for (const { id, doc } of assets) {
      if (doc.type !== 'asset' || typeof doc.site !== 'string' || (doc.asset_type !== 'inverter' && doc.asset_type !== 'turbine')) continue;
      const asset = { id, site: doc.site, title: typeof doc.title === 'string' ? doc.title : id, ...(doc.simulated === true ? { simulated: true as const } : {}) };
      const own = fields.get(id);
      if (doc.asset_type === 'inverter') {
        const met = metBySite.get(doc.site);
        const metFields = met === undefined ? undefined : fields.get(met);
        const arrays = [own?.get('ac_power'), metFields?.get('irradiance'), metFields?.get('module_temp')];
        const missing = !own?.has('ac_power') ? 'it has no ac_power channel' : met === undefined ? `its site has no met mast with an irradiance channel` : !metFields?.has('module_temp') ? `the met mast ${met} has no module_temp channel` : undefined;
        targets.push({ asset, indicator: 'performance_ratio', arrays: arrays.filter((array): array is string => array !== undefined), ...(missing ? { missing } : {}) });
      } else {
        const arrays = [own?.get('power'), own?.get('wind_speed')];
        const missing = !own?.has('power') ? 'it has no power channel' : !own.has('wind_speed') ? 'it has no wind_speed channel' : undefined;
        targets.push({ asset, indicator: 'power_curve_residual', arrays: arrays.filter((array): array is string => array !== undefined), ...(missing ? { missing } : {}) });
      }
    }
    return targets;
  }

  /** Computes one asset when its inputs reached a new day, and stores what changed. */
  async #compute(target: Target, pass: DegradationPass): Promise<void> {
    const arrays: ChannelArray[] = [];
    for (const id of target.arrays) {
      try {
        arrays.push(await ChannelArray.open(this.#store.documents, id));
      } catch (error) {
        if (error instanceof ArrayError && error.status === 404) return this.#skip(pass, target, `${id} has no samples yet`);
        throw error;
      }
    }
    const lasts = arrays.map((array) => array.meta.last_time);
    const firsts = arrays.map(firstTime);
    if (lasts.some((last) => last === null) || firsts.some((first) => first === undefined)) return this.#skip(pass, target, 'an input has no samples yet');
    const lastDay = Math.floor(Math.max(...(lasts as number[])) / DAY_MS);
    if (this.#computedThrough.get(target.asset.id) === lastDay) return;
    pass.computed++;
    // The hours all inputs span (the met mast may have started later than the inverter).
    const end = Math.floor(Math.min(...(lasts as number[])) / HOUR_MS) * HOUR_MS + HOUR_MS;
    const from = Math.max(Math.floor(Math.max(...(firsts as number[])) / HOUR_MS) * HOUR_MS, end - MAX_HOURS * HOUR_MS);
    const hours = Math.max(0, Math.round((end - from) / HOUR_MS));
    const columns: Float64Array[] = [];
    for (const array of arrays) columns.push(await hourlyMeans(array, from, hours));
    const times = Float64Array.from({ length: hours }, (_, k) => from + k * HOUR_MS);
    let result: DegradationResult;
    try {
      this.counters.analyses++;
      result =
        target.indicator === 'performance_ratio'
          ? pvDegradation({ times, power: columns[0]!, irradiance: columns[1]!, temperature: columns[2]! }, this.#analysis)
          : windDegradation({ times, power: columns[0]!, windSpeed: columns[1]! }, this.#analysis);
    } catch (error) {
      if (!(error instanceof DegradationError)) throw error;
      // Said once; looked at again when a new day arrives.
      this.#computedThrough.set(target.asset.id, lastDay);
      return this.#skip(pass, target, error.message);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.#save(target, result);
        if (stored.written) pass.written.push(degradationId(target.asset.id));
        pass.days += stored.days;
        break;
      } catch (error) {
        if (!movedOn(error)) throw error;
        this.counters.raced++;
        // Another process stored it meanwhile: read again (usually nothing is left to write).
        if (attempt >= 3) return;
      }
    }
    this.#computedThrough.set(target.asset.id, lastDay);
    this.#said.delete(target.asset.id);
  }

  /** The indicator array (created with its channel document when absent), as stored now. */
  async #indicator(target: Target): Promise<ChannelArray> {
    const id = degradationArrayId(target.asset.id);
    try {
      const array = await ChannelArray.open(this.#store.documents, id);
      if (array.meta.producer !== DEGRADATION_PRODUCER) throw new StorageError('forbidden', `${id} holds an array the degradation runner did not write`);
      return array;
    } catch (error) {
      if (!(error instanceof ArrayError && error.status === 404)) throw error;
    }
    const created = ChannelArray.prepareCreate(this.#store.documents, id, { timing: 'explicit', producer: DEGRADATION_PRODUCER, site: target.asset.site });
    const channelId = degradationChannelId(target.asset.id);
    const writes: BulkWrite[] = [...created.writes];
    if ((await this.#store.documents.stored(channelId))?.doc === undefined) writes.push({ type: 'put', id: channelId, doc: degradationChannelDoc(target.asset, target.indicator) as unknown as Doc });
    const prepared = await SqlStorage.prepareWrites(writes);
    await this.#store.driver.transaction((query) => SqlStorage.applyWrites(query, prepared));
    return created.commit();
  }

  /** Appends the new days and writes the document when it changed, in one transaction. */
  async #save(target: Target, result: DegradationResult): Promise<{ written: boolean; days: number }> {
    const array = await this.#indicator(target);
    const id = degradationId(target.asset.id);
    const before = (await this.#store.documents.stored(id))?.doc as Record<string, unknown> | undefined;
    const after = array.meta.last_time === null ? -Infinity : array.meta.last_time + NEXT_DAY_AFTER_MS;
    let first = 0;
    while (first < result.daily.times.length && result.daily.times[first]! < after) first++;
    const days = result.daily.times.length - first;
    const doc: DegradationDoc = {
      type: 'degradation',
      site: target.asset.site,
      asset: target.asset.id,
      indicator: target.indicator,
      method: 'year_on_year',
      rate_pct_per_year: result.rate_pct_per_year,
      ci_low: result.ci_low,
      ci_high: result.ci_high,
      confidence: result.confidence,
      from: result.from,
      to: result.to,
      days_used: result.days_used,
      computed_at: this.#now(),
      channel: degradationChannelId(target.asset.id),
      summary: summaryOf(result),
    };
    const same =
      isObject(before) &&
      (['site', 'indicator', 'rate_pct_per_year', 'ci_low', 'ci_high', 'confidence', 'from', 'to', 'days_used', 'channel'] as const).every((key) => before[key] === doc[key]);
    if (same && days === 0) return { written: false, days: 0 };
    const writes: BulkWrite[] = [];
    let commit = (): void => undefined;
    if (days > 0) {
      const appended = await array.prepareAppend(result.daily.values.slice(first), result.daily.times.slice(first));
      writes.push(...appended.writes);
      commit = appended.commit;
    }
    if (!same) writes.push({ type: 'put', id, doc: doc as unknown as Doc, expect: before === undefined ? null : docHash(before as Json) });
    const prepared = await SqlStorage.prepareWrites(writes);
    await this.#store.driver.transaction((query) => SqlStorage.applyWrites(query, prepared));
    commit();
    this.counters.commits++;
    if (days > 0) {
      const last = result.daily.times.length - 1;
      this.#live?.publish({ event: 'samples', data: { array: array.id, channel: degradationChannelId(target.asset.id), site: target.asset.site, length: array.length, last: { time: result.daily.times[last]!, value: result.daily.values[last]! } } });
    }
    return { written: !same, days };
  }
}
