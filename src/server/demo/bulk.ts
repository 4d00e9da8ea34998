/**
 * The simulated fleet's bulk path: history (the backfill of a first start, the gap after a
 * restart) is appended straight to the channel arrays the ingest service appends to, as regular
 * runs (4 bytes a sample, no times stored), a slice of days per source in one transaction — not
 * event by event through the forward protocol, which would take hours for a month of 1 Hz data.
 * Writing these arrays bypasses the raw stream: the ingest service refuses to rebuild them (see
 * its `rebuild`), so a rebuild can never silently drop the history.
 */
import type { AppendRun, ChannelArray } from '../../arrays';
import type { Store } from '../store/store';
import { SqlStorage } from '../store/sql/sql-storage';
import type { SourceDef } from './fleet';
import { BURST_SAMPLES, bulkBursts, bulkRuns, sourceSamples, burstSamples, timesOf, type Run } from './plan';
import type { FaultSchedule } from './schedule';

/** A source of the fleet with its registered id and its arrays by field. */
export interface BulkSource {
  def: SourceDef;
  id: string;
  arrays: Map<string, ChannelArray>;
}

/** History per transaction of a 1 Hz source (3 days: ~2.6 M samples of a 10-field source). */
const SLICE_MS = 3 * 86_400_000;
/** Long (hourly) history per transaction: 120 days, ~29 k samples of a 10-field source. */
const LONG_SLICE_MS = 120 * 86_400_000;
/** CMS bursts per transaction (~1.8 M samples of the three axes). */
const BURSTS_PER_SLICE = 20;

/** The last sample time over a source's arrays (undefined: all empty). */
export function lastTimeOf(source: BulkSource): number | undefined {
  let last: number | undefined;
  for (const array of source.arrays.values()) if (array.meta.last_time !== null) last = Math.max(last ?? -Infinity, array.meta.last_time);
  return last;
}

/** One bulk step: what it appends, and how many samples that is. */
interface Slice {
  samples: number;
  write: () => Promise<void>;
}

/** Told of each array a bulk step appended to, after its commit, with the last value appended. */
export type Appended = (array: ChannelArray, field: string, last: number) => void;

/** Appends values to several arrays in one transaction (nothing of it on failure). */
async function appendTogether(store: Store, appends: ReadonlyArray<{ array: ChannelArray; field: string; values: Float32Array; runs: AppendRun[] }>, appended?: Appended): Promise<void> {
  const writes = [];
  const commits: Array<() => void> = [];
  for (const { array, values, runs } of appends) {
    const prepared = await array.prepareAppend(values, { runs });
    writes.push(...prepared.writes);
    commits.push(prepared.commit);
  }
  const prepared = await SqlStorage.prepareWrites(writes);
  await store.driver.transaction(async (query) => {
    // Other server processes wait until this commits, as for an ingested batch.
    await SqlStorage.holdWriters(query);
    await SqlStorage.applyWrites(query, prepared);
  });
  commits.forEach((commit) => commit());
  for (const { array, field, values } of appends) appended?.(array, field, values[values.length - 1]!);
}

/** Offsets of runs laid end to end, as an append takes them. */
function appendRuns(runs: readonly Run[]): AppendRun[] {
  let offset = 0;
  return runs.map((run) => {
    const appended = { offset, t0: run.t0, dt: run.dt };
    offset += run.count;
    return appended;
  });
}

/**
 * The slices that bring `source` from `after` (exclusive: its arrays' last time) up to `until`
 * (inclusive), 1 Hz from `recentFrom` on; nothing is generated until a slice is written.
 */
export function bulkSlices(store: Store, schedule: FaultSchedule, source: BulkSource, after: number, until: number, recentFrom: number, appended?: Appended): Slice[] {
  const slices: Slice[] = [];
  if (source.def.kind === 'cms') {
    const bursts = bulkBursts(schedule, after, until);
    for (let first = 0; first < bursts.length; first += BURSTS_PER_SLICE) {
      const starts = bursts.slice(first, first + BURSTS_PER_SLICE);
      slices.push({
        samples: starts.length * BURST_SAMPLES * source.arrays.size,
        write: async () => {
          const values = new Map<string, Float32Array>([...source.arrays.keys()].map((field) => [field, new Float32Array(starts.length * BURST_SAMPLES)]));
          starts.forEach((start, index) => {
            for (const [field, samples] of Object.entries(burstSamples(schedule, source.def, start))) values.get(field)?.set(samples, index * BURST_SAMPLES);
          });
          const runs = starts.map((t0, index) => ({ offset: index * BURST_SAMPLES, t0, dt: 1000 / source.def.rate }));
          await appendTogether(store, [...source.arrays].map(([field, array]) => ({ array, field, values: values.get(field)!, runs })), appended);
        },
      });
    }
    return slices;
  }
  const longEnd = schedule.start - 1;
  for (let from = after, to = after; from < until; from = to) {
    // The long history in long slices, ending where the history at full resolution begins.
    to = from < longEnd ? Math.min(until, from + LONG_SLICE_MS, longEnd) : Math.min(until, from + SLICE_MS);
    const runs = bulkRuns(schedule, source.def, from, to, recentFrom);
    const count = runs.reduce((sum, run) => sum + run.count, 0);
    if (count === 0) continue;
    slices.push({
      samples: count * source.arrays.size,
      write: async () => {
        const samples = sourceSamples(schedule, source.def, timesOf(runs));
        const offsets = appendRuns(runs);
        await appendTogether(store, [...source.arrays].map(([field, array]) => ({ array, field, values: samples[field]!, runs: offsets })), appended);
      },
    });
  }
  return slices;
}
