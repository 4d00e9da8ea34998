/**
 * Ingestion: sustained forward-protocol ingest with acks — PackedForward frames of 1 000
 * events with 4 numeric fields, sent by a raw TCP client that keeps 4 frames in flight — on SQLite
 * and PostgreSQL, next to storing the same events through the ingest service directly in the same
 * run. Both start from data prepared before the clock starts: the forward client from the encoded
 * frames, the direct baseline from the decoded events and those same frame bytes as the raw
 * stream, with the same 4 batches waiting at a time, so group commit treats both alike and the
 * ratio isolates the protocol's cost (network, frame scanning, decoding). Rounds alternate which
 * runs first, each on fresh sources; figures are medians.
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

const ROUNDS = 3;

/** The encoded PackedForward frames of a tag (what a fluentd agent would send). */
function encodedFrames(tag: string): Buffer[] {
  return Array.from({ length: FRAMES }, (_, frame) => pack([tag, Buffer.concat(events(frame).map((event) => pack(event))), { chunk: `bench-${tag}-${frame}`, size: PER_FRAME }]));
}

/** Sends the frames with acks over one connection; resolves with events/s. */
async function forwardRate(port: number, frames: readonly Buffer[]): Promise<number> {
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

/** The same events through the ingest service directly, each batch with its frame's bytes as raw; events/s. */
async function directRate(server: RunningServer, tag: string, frames: readonly Buffer[]): Promise<number> {
  const sources = new Sources(server.store.driver);
  const source = (await sources.byTag(tag))!;
  const service = new IngestService(server.store);
  const batches = Array.from({ length: FRAMES }, (_, frame) => events(frame).map(([time, record]) => ({ time: time * 1000, record })));
  const started = performance.now();
  // The same IN_FLIGHT batches waiting at a time as the forward client keeps, so both group alike.
  const inFlight = new Set<Promise<unknown>>();
  for (let frame = 0; frame < FRAMES; frame++) {
    const stored: Promise<unknown> = service.ingest(source, `direct-${frame}`, batches[frame]!, frames[frame]!, 'forward').finally(() => inFlight.delete(stored));
    inFlight.add(stored);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return (FRAMES * PER_FRAME) / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(env: NodeJS.ProcessEnv): Promise<{ forward: number; direct: number; ratio: number }> {
  const dir = makeTempDir('fieldline-bench-ingest-');
  const server = await startServer(loadConfig({ PORT: '0', FORWARD_PORT: '0', DATA_DIR: dir, CLIENT_DIR: `${dir}/none`, ADMIN_PASSWORD: 'bench-password', DEMO: '0', ...env }, projectRoot), { logLevel: 'silent' });
  try {
    const sources = new Sources(server.store.driver);
    const forward: number[] = [];
    const direct: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Fresh sources each round: an event's identity is (source, time), so reused ones would be resends.
      const forwardTag = `bench.forward.${round}`;
      const directTag = `bench.direct.${round}`;
      await sources.create({ tag: forwardTag });
      await sources.create({ tag: directTag });
      const forwardFrames = encodedFrames(forwardTag);
      const directFrames = encodedFrames(directTag);
      let forwardEps: number;
      let directEps: number;
      if (round % 2 === 0) {
        forwardEps = await forwardRate(server.forwardPort, forwardFrames);
        directEps = await directRate(server, directTag, directFrames);
      } else {
        directEps = await directRate(server, directTag, directFrames);
        forwardEps = await forwardRate(server.forwardPort, forwardFrames);
      }
      forward.push(forwardEps);
      direct.push(directEps);
      ratios.push(forwardEps / directEps);
    }
    return { forward: median(forward), direct: median(direct), ratio: median(ratios) };
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
  figures['ingest.forward.sqlite.ratio_vs_direct'] = { value: Math.round(sqlite.ratio * 100) / 100, unit: '×', better: 'higher' };
  const postgres = await startPostgres();
  try {
    const pg = await measure({ DATABASE_URL: postgres.url });
    figures['ingest.forward.postgres.events_per_s'] = { value: round(pg.forward), unit: 'events/s', better: 'higher' };
    figures['ingest.forward.postgres.samples_per_s'] = { value: round(pg.forward * 4), unit: 'samples/s', better: 'higher' };
    figures['ingest.direct.postgres.events_per_s'] = { value: round(pg.direct), unit: 'events/s', better: 'higher' };
    figures['ingest.forward.postgres.ratio_vs_direct'] = { value: Math.round(pg.ratio * 100) / 100, unit: '×', better: 'higher' };
    figures['ingest.forward.postgres.ratio_vs_sqlite'] = { value: Math.round((pg.forward / sqlite.forward) * 100) / 100, unit: '×', better: 'higher' };
  } finally {
    postgres.stop();
  }
  return figures;
}
