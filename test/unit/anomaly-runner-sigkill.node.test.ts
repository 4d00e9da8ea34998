// Exactly once across SIGKILL: a real server process scores a large flagged channel; it is killed
// (SIGKILL) twice while scoring and started again on the same data. The derived array ends equal
// to one pass of the kernel over the input: nothing lost, nothing doubled, the row at the end.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { initAnomaly, scoreAnomaly } from '../../src/core';
import { SQLITE_FILE_NAME, SqliteStore, projectRoot } from '../../src/server';
import { freePort } from '../support/free-port';
import { makeTempDir } from '../support/temp-dir';

const COUNT = 1_500_000;
const CHANNEL = 'channel/source/big/temp';
const INPUT = 'array/source/big/temp';
const dataDir = makeTempDir('fieldline-anomaly-kill-');
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function input(): { times: Float64Array; values: Float32Array } {
  const times = new Float64Array(COUNT);
  const values = new Float32Array(COUNT);
  for (let i = 0; i < COUNT; i++) {
    times[i] = 1_700_000_000_000 + i * 1000;
    values[i] = 30 + 5 * Math.sin(i / 5000) + (i % 400_000 === 300_000 ? 20 : 0) + ((i * 7919) % 23) / 46;
  }
  return { times, values };
}

async function start(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), FORWARD_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: path.join(dataDir, 'none'), ADMIN_PASSWORD: 'anomaly-kill-password', JOB_THREADS: '0', LOG_LEVEL: 'warn', DEMO: '0', ALARMS_POLL_MS: '100' },
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

/** The run's position as committed (a read-only connection: WAL readers never wait for the writer). */
function position(): number | undefined {
  const db = new Database(path.join(dataDir, SQLITE_FILE_NAME), { readonly: true });
  try {
    const row = db.prepare("SELECT position FROM anomaly_runs WHERE id = ?").get(`${CHANNEL}/anomaly`) as { position: number } | undefined;
    return row?.position;
  } catch {
    return undefined; // the table is not there before the server's first start
  } finally {
    db.close();
  }
}

describe('the anomaly runner under SIGKILL', () => {
  it('ends with exactly the one-pass scores after two kills mid-scoring', async () => {
    const data = input();
    const store = await SqliteStore.open(dataDir);
    const array = await ChannelArray.create(store.documents, INPUT, { timing: 'explicit', site: 'site/k' });
    await array.append(data.values, data.times);
    await store.documents.put(CHANNEL, { type: 'channel', site: 'site/k', asset: 'asset/k/a', source: 'source/big', array: INPUT, field: 'temp', title: 'Temperature', unit: '°C', anomaly: true });
    await store.close();

    const killedAt: number[] = [];
    for (let kill = 0; kill < 2; kill++) {
      const server = await start();
      const from = killedAt.at(-1) ?? 0;
      // Killed once it has scored something past the last kill, and before it is done.
      await expect.poll(() => position() ?? 0, { timeout: 60_000, interval: 20 }).toBeGreaterThan(from);
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      const at = position()!;
      expect(at, 'the kill came after the end: use a larger input').toBeLessThan(COUNT);
      killedAt.push(at);
    }
    const server = await start();
    await expect.poll(() => position(), { timeout: 120_000, interval: 100 }).toBe(COUNT);
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');

    const check = await SqliteStore.open(dataDir);
    const derived = await ChannelArray.open(check.documents, `${INPUT}/anomaly`);
    expect(derived.length).toBe(COUNT);
    const stored = await derived.read(0, COUNT);
    const expected = scoreAnomaly(initAnomaly(), data.times, data.values).scores;
    // Compared as bytes (1.5 M elements: a deep equality of typed arrays would be slow to report).
    expect(Buffer.from(stored.values.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(Buffer.from(stored.times.buffer).equals(Buffer.from(data.times.buffer))).toBe(true);
    await check.close();
    console.log(`killed at positions ${killedAt.join(', ')} of ${COUNT}`);
  }, 300_000);
});
