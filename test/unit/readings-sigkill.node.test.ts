// Exactly once across SIGKILL: a real server process takes readings (bulk_docs, in shuffled time
// order, several requests at once) and is killed (SIGKILL) while it appends them. Readings stored
// without their append at the kill — and a few written straight into the database while it is
// down, the state a crash between a document's commit and its append leaves — are appended when
// it starts again. At the end each stored reading is one sample per field, in time order: nothing
// lost, nothing doubled.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { manualArrayId, type ReadingDoc } from '../../src/core';
import { SQLITE_FILE_NAME, SqliteStore, projectRoot } from '../../src/server';
import { freePort } from '../support/free-port';
import { makeTempDir } from '../support/temp-dir';

const PASSWORD = 'readings-kill-password';
const SITE = 'site/k';
const ASSET = 'asset/k/t01';
const T0 = Date.UTC(2026, 10, 1);
const COUNT = 600;
const dataDir = makeTempDir('fieldline-readings-kill-');
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), FORWARD_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: path.join(dataDir, 'none'), ADMIN_PASSWORD: PASSWORD, JOB_THREADS: '0', LOG_LEVEL: 'warn', DEMO: '0', ALARMS: '0' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { child, url };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not start');
}

/** Readings stored, and those of them appended (a read-only connection: WAL readers never wait for the writer). */
function progress(): { stored: number; applied: number } {
  const db = new Database(path.join(dataDir, SQLITE_FILE_NAME), { readonly: true });
  try {
    const row = db
      .prepare("SELECT COUNT(*) AS stored, COUNT(r.id) AS applied FROM documents d LEFT JOIN readings_applied r ON r.id = d.id WHERE d.deleted = 0 AND json_extract(d.doc, '$.type') = 'reading'")
      .get() as { stored: number; applied: number };
    return row;
  } catch {
    return { stored: 0, applied: 0 }; // the table is not there before the server's first start
  } finally {
    db.close();
  }
}

/** Reading `index`: two fields, at a time shuffled over COUNT minutes (most arrive late). */
function reading(index: number): ReadingDoc {
  const minute = (index * 373) % COUNT;
  return { type: 'reading', site: SITE, asset: ASSET, at: T0 + minute * 60_000, values: { oil: index, temp: index + 0.5 }, by: 'admin' };
}

describe('readings under SIGKILL', () => {
  it('appends every stored reading exactly once, in time order, after a kill mid-append and readings left without their append', async () => {
    let server = await start();
    const login = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const [id, doc] of [
      [SITE, { type: 'site', title: 'Kill', kind: 'wind_farm' }],
      [ASSET, { type: 'asset', site: SITE, title: 'T01', asset_type: 'turbine' }],
    ] as const) {
      expect((await fetch(`${server.url}/api/docs/${encodeURIComponent(id)}`, { method: 'PUT', headers, body: JSON.stringify(doc) })).status).toBe(200);
    }
    // Four senders, five readings a request, until the kill cuts them off.
    let next = 0;
    const url = server.url;
    const senders = Array.from({ length: 4 }, async () => {
      while (next < COUNT - 10) {
        const docs = Array.from({ length: 5 }, () => next++).map((index) => ({ id: `reading/${index}`, doc: reading(index) }));
        try {
          await fetch(`${url}/api/bulk_docs`, { method: 'POST', headers, body: JSON.stringify({ docs }) });
        } catch {
          return; // the server is gone
        }
      }
    });
    await expect.poll(() => progress().applied, { timeout: 60_000, interval: 20 }).toBeGreaterThan(100);
    server.child.kill('SIGKILL');
    await once(server.child, 'exit');
    await Promise.all(senders);
    const atKill = progress();
    expect(atKill.stored, 'the kill came after the end: send more').toBeLessThan(COUNT - 10);

    // Stored while it is down, with no append: what a crash between the commit and the append leaves.
    const down = await SqliteStore.open(dataDir);
    for (let index = COUNT - 10; index < COUNT; index++) await down.documents.put(`reading/${index}`, reading(index) as never);
    await down.close();

    server = await start();
    await expect.poll(() => { const now = progress(); return now.stored - now.applied; }, { timeout: 60_000, interval: 100 }).toBe(0);
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');

    const check = await SqliteStore.open(dataDir);
    const stored = (await check.documents.allDocs({ include_docs: true })).rows.filter((row) => row.doc?.type === 'reading').map((row) => row.doc as unknown as ReadingDoc);
    expect(stored.length).toBe(atKill.stored + 10);
    for (const field of ['oil', 'temp'] as const) {
      const array = await ChannelArray.open(check.documents, manualArrayId(ASSET, field));
      const { times, values } = await array.read(0, array.length);
      const expected = stored.map((doc) => [doc.at, doc.values[field]!]).sort((a, b) => a[0]! - b[0]!);
      expect(Array.from(times), field).toEqual(expected.map(([at]) => at));
      expect(Array.from(values), field).toEqual(expected.map(([, value]) => value));
    }
    const outcomes = new Database(path.join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    expect(outcomes.prepare("SELECT COUNT(*) AS n FROM readings_applied WHERE outcome <> 'applied'").get()).toEqual({ n: 0 });
    outcomes.close();
    await check.close();
    console.log(`killed with ${atKill.stored} readings stored, ${atKill.applied} appended (${atKill.stored - atKill.applied} stored without their append), 10 more written while down`);
  }, 300_000);
});
