/**
 * A process that runs the preventive plan scheduler until every usage channel is read, then exits
 * (tests run two at once over one database). Environment: DATABASE_URL + PG_SCHEMA (PostgreSQL)
 * or DATA_DIR (SQLite); PLAN_NOW (epoch ms, the scheduler's clock); PLAN_BATCH samples per step.
 * Prints `caught up {"generated": [...], "commits": n}` at the end.
 */
import { PlanScheduler } from '../../src/server/maintenance/plan-scheduler';
import { PostgresStore } from '../../src/server/store/postgres-store';
import { SqliteStore } from '../../src/server/store/sqlite-store';
import type { Store } from '../../src/server/store/store';

const url = process.env.DATABASE_URL;
const store: Store = url ? await PostgresStore.open(url, { max: 2, ...(process.env.PG_SCHEMA ? { schema: process.env.PG_SCHEMA } : {}) }) : await SqliteStore.open(process.env.DATA_DIR!);
const now = Number(process.env.PLAN_NOW);
const scheduler = new PlanScheduler(store, { now: () => now, batchSamples: Number(process.env.PLAN_BATCH ?? 500), log: { warn: (_object, message) => process.stderr.write(`${message}\n`) } });
const generated = await scheduler.catchUp();
process.stdout.write(`caught up ${JSON.stringify({ generated, commits: scheduler.counters.commits })}\n`);
await store.close();
