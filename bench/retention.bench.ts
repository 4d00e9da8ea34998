/**
 * Retention under the simulated fleet running for months (issue 18): the demo fleet (its sites,
 * sources, signal models and fault schedule) writes RETENTION_BENCH_DAYS simulated days (default
 * 120) of every source's data, day after day, through its bulk path at its history resolution (a
 * sample every 10 s, CMS bursts), and the met station's last hour of each day goes through the
 * ingest service at 1 Hz (so its raw stream grows too). Two runs in the same process on SQLite:
 * with the sites' `retention_days` at 30 and a retention pass after each simulated day, and the
 * baseline doing the same work with no retention. Reported: the database's used bytes (pages in
 * use) at the end of each run, the raw stream's bytes, and how much the last 30 days grew with
 * retention (bounded: only the summaries keep growing, ~1/20 of the raw rate). Writes
 * bench/retention-storage.svg: used bytes per simulated day for both runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Figures } from './harness';
import { ChannelArray } from '../src/arrays';
import { SqliteStore } from '../src/server';
import type { Store } from '../src/server/store/store';
import { DEFAULT_SEED, DemoFleet } from '../src/server/demo/demo-fleet';
import { fleetDefinition } from '../src/server/demo/fleet';
import { bulkSlices, lastTimeOf, type BulkSource } from '../src/server/demo/bulk';
import { sourceSamples } from '../src/server/demo/plan';
import { Sources } from '../src/server/ingest/sources';
import { IngestService } from '../src/server/ingest/ingest-service';
import { RetentionRunner } from '../src/server/retention/retention-runner';
import { makeTempDir } from '../test/support/temp-dir';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RETENTION_DAYS = 30;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Bytes of the pages the database uses (SQLite reuses freed pages: the file stays at its peak). */
async function usedBytes(store: Store): Promise<number> {
  const [row] = await store.driver.transaction((query) => query('SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()) AS pages, (SELECT page_size FROM pragma_page_size()) AS size'));
  return Number(row!.pages) * Number(row!.size);
}

async function streamBytes(store: Store): Promise<number> {
  const [row] = await store.driver.transaction((query) => query('SELECT COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM stream_chunks'));
  return Number(row!.bytes);
}

interface Run {
  /** Used bytes after each simulated day. */
  daily: number[];
  stream: number;
  seconds: number;
}

async function simulate(days: number, retention: boolean): Promise<Run> {
  const dir = makeTempDir('fieldline-bench-retention-');
  const store = await SqliteStore.open(dir);
  try {
    const start = Math.floor((Date.now() - (days + 1) * DAY) / DAY) * DAY;
    let now = start;
    // The fleet's first start with a day of history (its documents, sources and arrays; CMS bursts
    // every 4 hours from then on, as in a month's backfill); live streaming stopped at once.
    const fleet = new DemoFleet({ store, forwardHost: '127.0.0.1', forwardPort: 9, forwardSecurity: false, days: 1, years: 0, log: silent, now: () => now });
    await fleet.start();
    await fleet.stop();
    const schedule = fleet.schedule!;
    const registry = new Sources(store.driver);
    const sources: BulkSource[] = [];
    for (const def of fleetDefinition(DEFAULT_SEED).sources) {
      const source = (await registry.byTag(def.tag))!;
      const arrays = new Map<string, ChannelArray>();
      for (const field of Object.keys(def.fields)) arrays.set(field, await ChannelArray.open(store.documents, `array/${source.id}/${encodeURIComponent(field)}`));
      sources.push({ def, id: source.id, arrays });
    }
    if (retention) {
      for (const site of fleetDefinition(DEFAULT_SEED).sites) {
        const doc = await store.documents.get(site.id);
        await store.documents.put(site.id, { ...doc, retention_days: RETENTION_DAYS });
      }
    }
    const ingest = new IngestService(store);
    const runner = new RetentionRunner(store, { now: () => now });
    const began = performance.now();
    const daily: number[] = [];
    for (let day = 1; day <= days; day++) {
      now = start + day * DAY;
      for (const source of sources) {
        const live = source.def.kind === 'met';
        const until = live ? now - HOUR : now;
        // History resolution (every 10 s): 1 Hz only from after `until`.
        for (const slice of bulkSlices(store, schedule, source, lastTimeOf(source) ?? start, until, until + 1)) await slice.write();
        if (!live) continue;
        // The day's last hour through the ingest service, as the agent would send it (raw stream kept).
        const registered = (await registry.get(source.id))!;
        const from = lastTimeOf(source)! + 1000;
        for (let minute = from; minute < now; minute += 60_000) {
          const times = Float64Array.from({ length: Math.min(60, Math.floor((now - minute) / 1000)) }, (_, index) => minute + index * 1000);
          const samples = sourceSamples(schedule, source.def, times);
          const events = [...times].map((time, index) => ({ time, record: Object.fromEntries(Object.keys(samples).map((field) => [field, samples[field]![index]!])) }));
          const raw = Buffer.from(events.map(({ time, record }) => JSON.stringify({ time: new Date(time).toISOString(), ...record })).join('\n'));
          await ingest.ingest(registered, `${source.def.tag}-${minute}`, events, raw, 'jsonl');
        }
        // The bulk path's next slice starts after what ingest appended.
        for (const array of source.arrays.values()) await array.refresh();
      }
      if (day % 10 === 0) console.log(`retention: ${retention ? 'with' : 'without'} retention, day ${day}: ${((await usedBytes(store)) / 1e6).toFixed(0)} MB, ${((performance.now() - began) / 1000).toFixed(0)} s`);
      if (retention) {
        await runner.runOnce();
        // The pass moved the arrays' metadata on (raw_from): the fleet's instances read it again.
        for (const source of sources) for (const array of source.arrays.values()) await array.refresh();
      }
      daily.push(await usedBytes(store));
    }
    return { daily, stream: await streamBytes(store), seconds: (performance.now() - began) / 1000 };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A line chart of both runs' used bytes per simulated day. */
function plot(kept: number[], baseline: number[]): string {
  const width = 720;
  const height = 360;
  const left = 70;
  const bottom = 40;
  const top = 40;
  const max = Math.max(...baseline, ...kept);
  const x = (day: number) => left + ((width - left - 20) * day) / Math.max(1, kept.length - 1);
  const y = (bytes: number) => height - bottom - ((height - bottom - top) * bytes) / max;
  const line = (series: number[]) => series.map((bytes, day) => `${x(day).toFixed(1)},${y(bytes).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const bytes = fraction * max;
    return `<text x="${left - 8}" y="${y(bytes) + 4}" text-anchor="end" font-size="12">${(bytes / 1e6).toFixed(0)} MB</text><line x1="${left}" x2="${width - 20}" y1="${y(bytes)}" y2="${y(bytes)}" stroke="#ddd"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="14">Database used bytes, simulated fleet, ${kept.length} days (retention ${RETENTION_DAYS} days vs none)</text>
${ticks.join('\n')}
<polyline fill="none" stroke="#c0392b" stroke-width="2" points="${line(baseline)}"/>
<polyline fill="none" stroke="#2471a3" stroke-width="2" points="${line(kept)}"/>
<text x="${width - 30}" y="${y(baseline.at(-1)!) - 8}" text-anchor="end" font-size="12" fill="#c0392b">no retention</text>
<text x="${width - 30}" y="${y(kept.at(-1)!) - 8}" text-anchor="end" font-size="12" fill="#2471a3">retention_days ${RETENTION_DAYS}</text>
<text x="${(left + width) / 2}" y="${height - 10}" text-anchor="middle" font-size="12">simulated day</text>
</svg>
`;
}

export async function run(): Promise<Figures> {
  const days = Math.max(2 * RETENTION_DAYS, Number(process.env.RETENTION_BENCH_DAYS ?? 120));
  const kept = await simulate(days, true);
  const baseline = await simulate(days, false);
  console.log(`retention: per day, with retention ${kept.daily.map((bytes) => (bytes / 1e6).toFixed(0)).join(' ')} MB; without ${baseline.daily.map((bytes) => (bytes / 1e6).toFixed(0)).join(' ')} MB`);
  fs.writeFileSync(path.join(import.meta.dirname, 'retention-storage.svg'), plot(kept.daily, baseline.daily));
  const end = kept.daily.at(-1)!;
  const monthBefore = kept.daily.at(-1 - RETENTION_DAYS)!;
  console.log(`retention: ${days} simulated days in ${kept.seconds.toFixed(0)} s (baseline ${baseline.seconds.toFixed(0)} s); used ${(end / 1e6).toFixed(0)} MB vs ${(baseline.daily.at(-1)! / 1e6).toFixed(0)} MB; stream ${(kept.stream / 1e6).toFixed(1)} MB vs ${(baseline.stream / 1e6).toFixed(1)} MB`);
  return {
    'retention.storage_mb': { value: Math.round(end / 1e6), unit: 'MB', better: 'lower' },
    'retention.baseline_storage_mb': { value: Math.round(baseline.daily.at(-1)! / 1e6), unit: 'MB', better: 'lower' },
    'retention.ratio_vs_baseline': { value: Number((end / baseline.daily.at(-1)!).toFixed(3)), unit: '×', better: 'lower' },
    'retention.last_month_growth': { value: Number((end / monthBefore - 1).toFixed(3)), unit: 'fraction', better: 'lower' },
    'retention.stream_mb': { value: Number((kept.stream / 1e6).toFixed(1)), unit: 'MB', better: 'lower' },
    'retention.baseline_stream_mb': { value: Number((baseline.stream / 1e6).toFixed(1)), unit: 'MB', better: 'lower' },
  };
}
