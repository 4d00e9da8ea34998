/**
 * CSV upload: the browser's Uploader (its piece reader run in-thread here, the same
 * code the worker runs) sends a 64 MB CSV of 4 numeric channels to a real server on SQLite in
 * 8 MiB pieces over HTTP; next to it, the same rows parsed and stored through the ingest service
 * directly, so the ratio is the cost of reading, checking and sending pieces (here the browser's
 * check and the server share one process and core; in the field the check runs on the tablet).
 */
import fs from 'node:fs';
import type { Figures } from './harness';
import { loadConfig, projectRoot, startServer } from '../src/server';
import { IngestService } from '../src/server/ingest/ingest-service';
import { Sources } from '../src/server/ingest/sources';
import { parseCsv } from '../src/server/ingest/parse';
import { inspectCsv, readPiece } from '../src/controllers/upload/csv-file';
import { Uploader } from '../src/controllers/upload/uploader';
import { createStorage } from '../src/storage';
import { makeTempDir } from '../test/support/temp-dir';

const TARGET_BYTES = 64 * 1024 * 1024;

function csv(): { text: string; rows: number } {
  const lines = ['time,temp [°C],power [kW],rpm,vibration [mm/s]'];
  const start = Date.UTC(2026, 0, 1);
  let bytes = lines[0]!.length + 1;
  for (let row = 0; bytes < TARGET_BYTES; row++) {
    const line = `${(start + row * 100) / 1000},${(20 + (row % 1000) / 100).toFixed(2)},${1000 + (row % 5000)},${(12 + (row % 300) / 1000).toFixed(3)},${(row % 97) / 10}`;
    lines.push(line);
    bytes += line.length + 1;
  }
  return { text: `${lines.join('\n')}\n`, rows: lines.length - 1 };
}

export async function run(): Promise<Figures> {
  const { text, rows } = csv();
  const file = new File([text], 'bench.csv', { lastModified: 1 });
  const dataDir = makeTempDir('fieldline-bench-upload-');
  const server = await startServer(loadConfig({ PORT: '0', FORWARD_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: `${dataDir}/none`, ADMIN_PASSWORD: 'bench-password', DEMO: '0' }, projectRoot), { logLevel: 'silent' });
  const figures: Figures = {};
  try {
    const login = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-password' }) });
    const { token } = (await login.json()) as { token: string };
    const authorized: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    const uploader = new Uploader({ outbox: createStorage({ type: 'memory' }), base: server.url, worker: () => ({ inspect: inspectCsv, piece: readPiece }) as never, fetch: authorized, online: () => true });
    const started = performance.now();
    const job = await uploader.add(file, await uploader.inspect(file));
    const done = await uploader.settled(job.id);
    const seconds = (performance.now() - started) / 1000;
    if (done?.state !== 'complete' || done.rows !== rows) throw new Error(`upload ended ${done?.state} with ${done?.rows} of ${rows} rows`);

    // The same rows through the ingest service directly, in pieces of the same size.
    const sources = new Sources(server.store.driver);
    const source = await sources.create({ tag: 'bench-direct' });
    const service = new IngestService(server.store);
    const header = text.slice(0, text.indexOf('\n') + 1);
    const directStarted = performance.now();
    for (let offset = header.length, n = 0; offset < text.length; n++) {
      let end = text.lastIndexOf('\n', offset + 8 * 1024 * 1024) + 1;
      if (end <= offset) end = text.length;
      const piece = text.slice(offset, end);
      await service.ingest(source, `direct-${n}`, parseCsv(header + piece), Buffer.from(piece));
      offset = end;
    }
    const directSeconds = (performance.now() - directStarted) / 1000;
    figures['upload.csv.mb_per_s'] = { value: Math.round((text.length / 1e6 / seconds) * 10) / 10, unit: 'MB/s', better: 'higher' };
    figures['upload.csv.rows_per_s'] = { value: Math.round(rows / seconds), unit: 'rows/s', better: 'higher' };
    figures['upload.csv.ratio_vs_direct'] = { value: Math.round((directSeconds / seconds) * 100) / 100, unit: '×', better: 'higher' };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}
