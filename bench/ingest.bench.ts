/**
 * Ingestion (issue 6): sustained forward-protocol ingest with acks — PackedForward frames of 1 000
 * events with 4 numeric fields, sent by a raw TCP client that keeps 4 frames in flight — on SQLite
 * and PostgreSQL, next to storing the same events through the ingest service directly in the same
 * run (no network, no msgpack; the same 4 batches waiting at a time, so group commit treats both
 * alike), so the ratio isolates the protocol's cost.
 */
import fs from 'node:fs';
import net from 'node:net';
import { pack, unpackMultiple } from 'msgpackr';
import type { Figures } from './harness';
import { loadConfig, projectRoot, startServer, type RunningServer } from '../src/server';
import { IngestService } from '../src/server/ingest/ingest-service';
import { Sources } from '../src/server/ingest/sources';
import { makeTempDir } from '../test/support/temp-dir';
import { startPostgres } from '../test/support/postgres';

const FRAMES = 200;
const PER_FRAME = 1000;
const IN_FLIGHT = 4;
const round = (value: number): number => Math.round(value);

function events(frame: number): Array<[number, Record<string, number>]> {
  const base = 1_700_000_000 + frame * PER_FRAME;
  return Array.from({ length: PER_FRAME }, (_, index) => [base + index, { temp: 20 + index / 100, power: 1000 + index, rpm: 12 + index / 1000, vib: index % 7 }]);
}

/** Sends FRAMES PackedForward frames with acks over one connection; resolves with events/s. */
async function forwardRate(port: number, tag: string): Promise<number> {
  const frames = Array.from({ length: FRAMES }, (_, frame) => pack([tag, Buffer.concat(events(frame).map((event) => pack(event))), { chunk: `bench-${tag}-${frame}`, size: PER_FRAME }]));
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const sendMore = () => {
      while (sent < FRAMES && sent - acked < IN_FLIGHT) socket.write(frames[sent++]!);
    };
    socket.on('data', (data: Buffer) => {
      acked += (unpackMultiple(data) as unknown[]).length;
      if (acked === FRAMES) resolve();
      else sendMore();
    });
    socket.on('error', reject);
    sendMore();
  });
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return (FRAMES * PER_FRAME) / seconds;
}

/** The same events through the ingest service directly; events/s. */
async function directRate(server: RunningServer, tag: string): Promise<number> {
  const sources = new Sources(server.store.driver);
  const source = (await sources.byTag(tag))!;
  const service = new IngestService(server.store);
  const batches = Array.from({ length: FRAMES }, (_, frame) => events(frame).map(([time, record]) => ({ time: time * 1000, record })));
  const started = performance.now();
  // The same IN_FLIGHT batches waiting at a time as the forward client keeps, so both group alike.
  const inFlight = new Set<Promise<unknown>>();
  for (let frame = 0; frame < FRAMES; frame++) {
    const batch = batches[frame]!;
    const stored: Promise<unknown> = service.ingest(source, `direct-${frame}`, batch, pack(batch)).finally(() => inFlight.delete(stored));
    inFlight.add(stored);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return (FRAMES * PER_FRAME) / ((performance.now() - started) / 1000);
}

async function measure(env: NodeJS.ProcessEnv): Promise<{ forward: number; direct: number }> {
  const dir = makeTempDir('fieldline-bench-ingest-');
  const server = await startServer(loadConfig({ PORT: '0', FORWARD_PORT: '0', DATA_DIR: dir, CLIENT_DIR: `${dir}/none`, ADMIN_PASSWORD: 'bench-password', ...env }, projectRoot), { logLevel: 'silent' });
  try {
    const sources = new Sources(server.store.driver);
    await sources.create({ tag: 'bench.forward' });
    await sources.create({ tag: 'bench.direct' });
    const forward = await forwardRate(server.forwardPort, 'bench.forward');
    const direct = await directRate(server, 'bench.direct');
    return { forward, direct };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  const sqlite = await measure({});
  figures['ingest.forward.sqlite.events_per_s'] = { value: round(sqlite.forward), unit: 'events/s', better: 'higher' };
  figures['ingest.forward.sqlite.samples_per_s'] = { value: round(sqlite.forward * 4), unit: 'samples/s', better: 'higher' };
  figures['ingest.direct.sqlite.events_per_s'] = { value: round(sqlite.direct), unit: 'events/s', better: 'higher' };
  figures['ingest.forward.sqlite.ratio_vs_direct'] = { value: Math.round((sqlite.forward / sqlite.direct) * 100) / 100, unit: '×', better: 'higher' };
  const postgres = await startPostgres();
  try {
    const pg = await measure({ DATABASE_URL: postgres.url });
    figures['ingest.forward.postgres.events_per_s'] = { value: round(pg.forward), unit: 'events/s', better: 'higher' };
    figures['ingest.forward.postgres.samples_per_s'] = { value: round(pg.forward * 4), unit: 'samples/s', better: 'higher' };
    figures['ingest.direct.postgres.events_per_s'] = { value: round(pg.direct), unit: 'events/s', better: 'higher' };
    figures['ingest.forward.postgres.ratio_vs_direct'] = { value: Math.round((pg.forward / pg.direct) * 100) / 100, unit: '×', better: 'higher' };
  } finally {
    postgres.stop();
  }
  return figures;
}
