/**
 * The simulated fleet's first start: a real server on a fresh SQLite folder with DEMO=1 and
 * DEMO_DAYS=30 backfills a month of history in bulk (see src/server/demo/plan.ts for what is
 * written: 1 Hz for the last 2 days, every 10 s before, CMS bursts every 4 h). Reported: the
 * seconds the bulk step took (the goal is at most 60 s on a 2-core machine), the samples
 * it wrote and the database's size on disk. One run, not a median: a run is most of a minute and
 * writes ~300 MB; the figure is absolute (there is no baseline that does the same work another way),
 * so read it together with how busy the machine was.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Figures } from './harness';
import { loadConfig, projectRoot, startServer } from '../src/server';
import { makeTempDir } from '../test/support/temp-dir';

/** Bytes of the files in `dir` (the SQLite database and its WAL). */
function bytesIn(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}

export async function run(): Promise<Figures> {
  const dataDir = makeTempDir('fieldline-bench-demo-');
  const server = await startServer(loadConfig({ PORT: '0', FORWARD_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: `${dataDir}/none`, ADMIN_PASSWORD: 'bench-password', DEMO: '1', DEMO_DAYS: '30', DEMO_YEARS: '0' }, projectRoot), { logLevel: 'silent' });
  try {
    await server.fleet!.start();
    const bulk = server.fleet!.bulk!;
    await server.close();
    return {
      'demo.backfill_30d.seconds': { value: Number(bulk.seconds.toFixed(1)), unit: 's', better: 'lower' },
      'demo.backfill_30d.samples': { value: Number((bulk.samples / 1e6).toFixed(1)), unit: 'M samples', better: 'higher' },
      'demo.backfill_30d.disk': { value: Math.round(bytesIn(dataDir) / 1e6), unit: 'MB', better: 'lower' },
    };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
