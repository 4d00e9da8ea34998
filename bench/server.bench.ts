/**
 * Companion server: appending channel data through the array format on SQLite and on
 * PostgreSQL next to a raw bulk insert of the same bytes in the same run; reading 1 M samples from
 * arrays of 10 M and 100 M samples; documents API requests per second with 20 concurrent clients.
 */
import fs from 'node:fs';
import autocannon from 'autocannon';
import type { Figures } from './harness';
import { ChannelArray, CHUNK_SIZE } from '../src/arrays';
import { PostgresStore, SqliteStore, loadConfig, projectRoot, startServer, type Store } from '../src/server';
import { makeTempDir } from '../test/support/temp-dir';
import { startPostgres } from '../test/support/postgres';

const MB = 1e6;
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

function samples(count: number, seed: number): Float32Array {
  return Float32Array.from({ length: count }, (_, index) => Math.sin((index + seed) * 0.001) * 40);
}

/** MB/s appending `total` samples in calls of 16 chunks. */
async function appendRate(store: Store, id: string, total: number): Promise<number> {
  const array = await ChannelArray.create(store.documents, id, { timing: 'regular' });
  const step = 16 * CHUNK_SIZE;
  const block = samples(step, 1);
  const started = performance.now();
  for (let from = 0; from < total; from += step) await array.append(block.subarray(0, Math.min(step, total - from)), { t0: from, dt: 1 });
  return (total * 4) / MB / ((performance.now() - started) / 1000);
}

/** MB/s of the same bytes inserted raw into table `table`: 256 KiB rows, one transaction per 16 rows. */
async function rawRate(store: Store, table: string, total: number): Promise<number> {
  const bytes = Buffer.from(samples(CHUNK_SIZE, 1).buffer);
  await store.driver.transaction((query) => query(`CREATE TABLE IF NOT EXISTS ${table} (n INTEGER PRIMARY KEY, data ${store.backend === 'postgres' ? 'BYTEA' : 'BLOB'} NOT NULL)`));
  const chunks = Math.ceil(total / CHUNK_SIZE);
  const started = performance.now();
  for (let first = 0; first < chunks; first += 16) {
    await store.driver.transaction(async (query) => {
      for (let n = first; n < Math.min(chunks, first + 16); n++) await query(`INSERT INTO ${table} (n, data) VALUES (?, ?)`, [n, bytes]);
    });
  }
  return (total * 4) / MB / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Array appends and raw inserts of the same bytes, alternating (raw first in odd rounds) so that
 * neither always meets the fuller database or the pending checkpoint: medians of each and of the
 * per-round ratios. Commit times on a shared disk vary by tens of percent from run to run.
 */
async function appendFigures(store: Store, figures: Figures, total: number): Promise<void> {
  const ours: number[] = [];
  const raw: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 5; round++) {
    let oursRate: number;
    let rawMbps: number;
    if (round % 2 === 1) {
      rawMbps = await rawRate(store, `raw_bench_${round}`, total);
      oursRate = await appendRate(store, `array/bench-${round}`, total);
    } else {
      oursRate = await appendRate(store, `array/bench-${round}`, total);
      rawMbps = await rawRate(store, `raw_bench_${round}`, total);
    }
    ours.push(oursRate);
    raw.push(rawMbps);
    ratios.push(oursRate / rawMbps);
  }
  const backend = store.backend;
  figures[`server.append.${backend}.mbps`] = { value: round(median(ours), 1), unit: 'MB/s', better: 'higher' };
  figures[`server.append.${backend}.raw_mbps`] = { value: round(median(raw), 1), unit: 'MB/s', better: 'higher' };
  figures[`server.append.${backend}.ratio_vs_raw`] = { value: round(median(ratios)), unit: '×', better: 'higher' };
}

/** Milliseconds to read 1 M samples starting at chunk-unaligned offset number `run` of `array`. */
async function readOnce(array: ChannelArray, run: number): Promise<number> {
  const span = Math.max(1, array.length - 1_000_000);
  const offset = (run * 7_919_993) % span;
  const start = offset - (offset % CHUNK_SIZE) + 1234;
  const started = performance.now();
  const { values } = await array.read(start, start + 1_000_000);
  const elapsed = performance.now() - started;
  if (values.length !== 1_000_000) throw new Error('short read');
  return elapsed;
}

/**
 * Median read times of the two arrays: both warmed up first (page cache, statement cache, JIT),
 * then read in alternation, so neither always comes first or last.
 */
async function readFigures(ten: ChannelArray, hundred: ChannelArray): Promise<{ ten: number; hundred: number; ratio: number }> {
  for (let run = 0; run < 2; run++) {
    await readOnce(ten, run);
    await readOnce(hundred, run);
  }
  const tens: number[] = [];
  const hundreds: number[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < 7; run++) {
    let tenMs: number;
    let hundredMs: number;
    if (run % 2 === 0) {
      tenMs = await readOnce(ten, run);
      hundredMs = await readOnce(hundred, run);
    } else {
      hundredMs = await readOnce(hundred, run);
      tenMs = await readOnce(ten, run);
    }
    tens.push(tenMs);
    hundreds.push(hundredMs);
    ratios.push(hundredMs / tenMs);
  }
  return { ten: median(tens), hundred: median(hundreds), ratio: median(ratios) };
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  const total = 16 * 1024 * 1024; // 64 MB of samples per backend

  const sqliteDir = makeTempDir('fieldline-bench-');
  const sqlite = await SqliteStore.open(sqliteDir);
  await appendFigures(sqlite, figures, total);

  // Reading 1 M samples from a 10 M and a 100 M-sample array.
  const ten = await ChannelArray.create(sqlite.documents, 'array/10M', { timing: 'regular' });
  const hundred = await ChannelArray.create(sqlite.documents, 'array/100M', { timing: 'regular' });
  const block = samples(16 * CHUNK_SIZE, 2);
  for (let from = 0; from < 100_000_000; from += block.length) {
    const count = Math.min(block.length, 100_000_000 - from);
    if (from < 10_000_000) await ten.append(block.subarray(0, Math.min(count, 10_000_000 - from)), { t0: from, dt: 1 });
    await hundred.append(block.subarray(0, count), { t0: from, dt: 1 });
  }
  const reads = await readFigures(ten, hundred);
  figures['server.range_read.10M_ms'] = { value: round(reads.ten, 1), unit: 'ms', better: 'lower' };
  figures['server.range_read.100M_ms'] = { value: round(reads.hundred, 1), unit: 'ms', better: 'lower' };
  figures['server.range_read.ratio_100M_vs_10M'] = { value: round(reads.ratio), unit: '×', better: 'lower' };
  await sqlite.close();

  const postgres = await startPostgres();
  try {
    const store = await PostgresStore.open(postgres.url);
    await appendFigures(store, figures, total);
    await store.close();
  } finally {
    postgres.stop();
  }

  // Documents API: GET one document, 20 concurrent clients, 5 s.
  const apiDir = makeTempDir('fieldline-bench-api-');
  const server = await startServer(loadConfig({ PORT: '0', FORWARD_PORT: '0', DATA_DIR: apiDir, CLIENT_DIR: `${apiDir}/none`, ADMIN_PASSWORD: 'bench-password', DEMO: '0' }, projectRoot), { logLevel: 'silent' });
  try {
    const login = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-password' }) });
    const { token } = (await login.json()) as { token: string };
    await fetch(`${server.url}/api/docs/inspection-1`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'inspection', site: 'site/T07', note: 'bearing ok' }) });
    const result = await autocannon({ url: `${server.url}/api/docs/inspection-1`, connections: 20, duration: 5, headers: { authorization: `Bearer ${token}` } });
    if (result.non2xx > 0) throw new Error(`${result.non2xx} requests failed`);
    figures['server.docs_get.rps'] = { value: Math.round(result.requests.average), unit: 'requests/s', better: 'higher' };
    figures['server.docs_get.p99_ms'] = { value: result.latency.p99, unit: 'ms', better: 'lower' };
  } finally {
    await server.close();
    fs.rmSync(apiDir, { recursive: true, force: true });
  }
  fs.rmSync(sqliteDir, { recursive: true, force: true });
  return figures;
}
