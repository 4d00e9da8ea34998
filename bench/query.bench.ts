/**
 * Queries on 1,000,000 documents, on SQLite and on PostgreSQL: a technician's list page (20 work
 * orders of one site, newest first) and an engineer's (20 alarms of one site and status), p50 and
 * p99 over many sites; beside it, in the same run, what allDocs did before queries ran in SQL
 * (every document loaded and matched in JavaScript) on the same table.
 *
 * The documents: 50 sites; 2 % assets, 8 % channels, 20 % work orders, 30 % alarms, 40 % readings,
 * each with a site, a title, a status and a creation time (about 200 bytes of JSON).
 */
import type { Figures } from './harness';
import { seededRandom } from '../src/core/predict/gbt';
import { PostgresStore, SqliteStore, type Store } from '../src/server';
import { applyAllDocsOptions, type AllDocsOptions, type Doc } from '../src/storage/backend';
import { makeTempDir } from '../test/support/temp-dir';
import { startPostgres } from '../test/support/postgres';

const DOCUMENTS = Number(process.env.QUERY_BENCH_DOCS ?? 1_000_000);
const SITES = 50;
const QUERIES = 200;
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

function documentAt(index: number, next: () => number): Doc {
  const site = `S${String(index % SITES).padStart(2, '0')}`;
  const roll = next();
  const created_at = 1_700_000_000_000 + Math.floor(next() * 3e10);
  const asset = `${site}-A${Math.floor(next() * 40)}`;
  if (roll < 0.02) return { type: 'asset', site, title: `Turbine ${index}`, status: 'running', created_at, asset_type: 'turbine' };
  if (roll < 0.1) return { type: 'channel', site, asset, title: `Channel ${index}`, unit: 'kW', rate: 1, created_at };
  if (roll < 0.3) return { type: 'work_order', site, asset, title: `Inspect blade ${index}`, status: ['open', 'assigned', 'in_progress', 'done'][Math.floor(next() * 4)]!, priority: 'normal', created_at };
  if (roll < 0.6) return { type: 'alarm', site, asset, title: `Vibration high ${index}`, status: ['raised', 'acknowledged', 'cleared'][Math.floor(next() * 3)]!, severity: 'warning', created_at };
  return { type: 'reading', site, asset, title: `Reading ${index}`, status: 'applied', value: round(next() * 100, 3), created_at };
}

/** Writes DOCUMENTS documents straight into the documents table, 500 rows a statement. */
async function fill(store: Store): Promise<number> {
  const next = seededRandom(42);
  const started = performance.now();
  const perTransaction = 20_000;
  for (let first = 0; first < DOCUMENTS; first += perTransaction) {
    await store.driver.transaction(async (query) => {
      for (let from = first; from < Math.min(DOCUMENTS, first + perTransaction); from += 500) {
        const rows: unknown[] = [];
        const count = Math.min(500, DOCUMENTS - from);
        for (let index = from; index < from + count; index++) {
          const doc = documentAt(index, next);
          rows.push(`doc-${String(index).padStart(7, '0')}`, index + 1, false, JSON.stringify(doc), doc.site);
        }
        await query(`INSERT INTO documents (id, seq, rev, deleted, doc, site) VALUES ${Array.from({ length: count }, () => '(?, ?, 1, ?, ?, ?)').join(', ')}`, rows);
      }
    });
    if ((first / perTransaction) % 10 === 0) process.stdout.write(`  ${store.backend}: ${first + perTransaction} documents written\n`);
  }
  await store.driver.transaction((query) => query(`UPDATE counters SET value = ? WHERE name = 'seq'`, [DOCUMENTS]));
  await store.driver.transaction((query) => query('ANALYZE'));
  return (performance.now() - started) / 1000;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

const listPage = (site: string): AllDocsOptions => ({ query: `site:${site} AND type:work_order`, sort_on: [['created_at', 'descending']], limit: [0, 20], include_docs: true });
const alarmPage = (site: string): AllDocsOptions => ({ query: `type:alarm AND site:${site} AND status:raised`, sort_on: [['created_at', 'descending']], limit: [0, 20], include_docs: true });

async function timings(store: Store, page: (site: string) => AllDocsOptions, count: number, check: (rows: number) => void): Promise<number[]> {
  const next = seededRandom(7);
  const times: number[] = [];
  for (let run = 0; run < count; run++) {
    const site = `S${String(Math.floor(next() * SITES)).padStart(2, '0')}`;
    const started = performance.now();
    const result = await store.documents.allDocs(page(site));
    times.push(performance.now() - started);
    check(result.rows.length);
  }
  return times;
}

/** The way allDocs worked before: every document read and parsed, then matched in JavaScript. */
async function loadAll(store: Store, options: AllDocsOptions): Promise<number> {
  const started = performance.now();
  const rows = await store.driver.transaction((query) => query('SELECT id, doc FROM documents WHERE deleted = ? ORDER BY id', [false]));
  const result = applyAllDocsOptions(
    rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Doc })),
    options,
  );
  if (result.rows.length !== 20) throw new Error(`the load-all baseline found ${result.rows.length} rows`);
  return performance.now() - started;
}

async function measure(store: Store, name: 'sqlite' | 'postgres', figures: Figures): Promise<void> {
  const seconds = await fill(store);
  process.stdout.write(`  ${name}: ${DOCUMENTS} documents in ${round(seconds, 1)} s\n`);
  const twenty = (rows: number) => {
    if (rows !== 20) throw new Error(`a list page had ${rows} rows, not 20`);
  };
  await timings(store, listPage, 10, twenty); // warm the caches
  const list = await timings(store, listPage, QUERIES, twenty);
  const alarms = await timings(store, alarmPage, QUERIES, twenty);
  const baseline = [await loadAll(store, listPage('S07')), await loadAll(store, listPage('S31'))];
  figures[`server.query1M.${name}.p50_ms`] = { value: round(percentile(list, 0.5)), unit: 'ms', better: 'lower' };
  figures[`server.query1M.${name}.p99_ms`] = { value: round(percentile(list, 0.99)), unit: 'ms', better: 'lower' };
  figures[`server.query1M.${name}.alarms_p99_ms`] = { value: round(percentile(alarms, 0.99)), unit: 'ms', better: 'lower' };
  figures[`server.query1M.${name}.load_all_ms`] = { value: round(Math.min(...baseline), 0), unit: 'ms', better: 'lower' };
  figures[`server.query1M.${name}.fill_s`] = { value: round(seconds, 1), unit: 's', better: 'lower' };
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  const sqlite = await SqliteStore.open(makeTempDir('fieldline-bench-query-'));
  try {
    await measure(sqlite, 'sqlite', figures);
  } finally {
    await sqlite.close();
  }
  const postgres = await startPostgres();
  try {
    const store = await PostgresStore.open(postgres.url);
    try {
      await measure(store, 'postgres', figures);
    } finally {
      await store.close();
    }
  } finally {
    postgres.stop();
  }
  figures['server.query1M.p99_ms'] = { value: Math.max(figures['server.query1M.sqlite.p99_ms']!.value, figures['server.query1M.postgres.p99_ms']!.value), unit: 'ms', better: 'lower' };
  return figures;
}
