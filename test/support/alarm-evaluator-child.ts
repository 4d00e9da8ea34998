/**
 * A process that evaluates alarm rules until it has read everything, then exits (tests SIGKILL it
 * while it works, or run two at once). Environment: DATABASE_URL + PG_SCHEMA (PostgreSQL) or
 * DATA_DIR (SQLite); ALARM_BATCH samples per step (default 500), so a backlog takes many commits.
 * Prints `caught up` at the end.
 */
import { AlarmEvaluator } from '../../src/server/alarms/alarm-evaluator';
import { PostgresStore } from '../../src/server/store/postgres-store';
import { SqliteStore } from '../../src/server/store/sqlite-store';
import type { Store } from '../../src/server/store/store';

const url = process.env.DATABASE_URL;
const store: Store = url ? await PostgresStore.open(url, { max: 2, ...(process.env.PG_SCHEMA ? { schema: process.env.PG_SCHEMA } : {}) }) : await SqliteStore.open(process.env.DATA_DIR!);
const batch = Number(process.env.ALARM_BATCH ?? 500);
const evaluator = new AlarmEvaluator(store, { batch, passSamples: batch, log: { warn: (object, message) => process.stderr.write(`${message} ${String((object as { err?: unknown }).err)}\n`) } });
await evaluator.runUntilCaughtUp();
process.stdout.write(`caught up ${JSON.stringify(evaluator.counters)}\n`);
await store.close();
