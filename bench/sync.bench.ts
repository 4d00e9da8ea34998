/**
 * Sync (replicate storage): pulling from the companion server into a fresh local memory storage
 * through our `replicate` storage, next to baselines measured in the same run.
 *  - docs10k: initial pull of 10 000 inspection / work-order documents (300–500 bytes of JSON each)
 *    vs PouchDB replicating the same documents from express-pouchdb into an in-memory PouchDB
 *    (goal: ours / PouchDB ≤ 0.2).
 *  - resync100k: a second sync of 100 000 documents with nothing changed (O(changes): milliseconds),
 *    next to PouchDB's no-change replication of the same documents.
 *  - samples10M: initial pull of one channel array of 10 M samples (40 MB of chunks plus summaries)
 *    vs GETting the same attachments with plain fetch, 4 in flight (goal: ratio ≥ 0.5).
 * Every client talks to its server through a counting TCP proxy, so the byte figures (requests and
 * responses, headers included) and request counts compare alike. Servers and clients share this
 * process, as they share a core on the 2-core machine. PouchDB's server keeps its data in memory and
 * gzips its responses (express-pouchdb's default); ours is SQLite on disk, uncompressed.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import type { Figures } from './harness';
import { ChannelArray, CHUNK_SIZE } from '../src/arrays';
import { createStorage, ReplicateStorage, type Doc } from '../src/storage';
import { makeTempDir } from '../test/support/temp-dir';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../test/support/server-session';

const MB = 1e6;
const ROUNDS = 5;
const RESYNC_RUNS = 7;
/** Attachment GETs in flight for the raw HTTP baseline (a browser keeps about 6 per host). */
const RAW_IN_FLIGHT = 4;
const SAMPLES = 10_000_000;
const ARRAY_ID = 'channel/T07-P3-vibration';

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (started: number): number => (performance.now() - started) / 1000;

// ---------------------------------------------------------------------------------------------
// Documents: deterministic, realistic field data.

/** A small deterministic generator (mulberry32), so every run syncs the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSPECTORS = ['j.moreau', 'a.keller', 's.nakamura', 'p.oliveira', 'm.haddad', 'l.svensson'];
const CHECKS = ['bearing temperature', 'vibration velocity', 'oil level', 'seal leakage', 'belt tension', 'motor current', 'noise', 'guard fitted'];
const NOTES = [
  'Bearing runs warm on the drive end; grease added, recheck next round.',
  'No findings. Guard refitted after the check.',
  'Slight seal weep at the coupling side, within limits.',
  'Vibration up since last month, trend it weekly.',
  'Belt replaced, tension set to spec.',
];
const TASKS = ['Replace drive-end bearing', 'Re-align coupling', 'Top up gearbox oil', 'Replace mechanical seal', 'Clean cooling fins'];

/** Document `index`: 70 % inspections, 30 % work orders, 300–500 bytes of JSON each. */
function fieldDoc(index: number): { id: string; doc: Doc } {
  const next = random(index + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const siteNumber = 1 + Math.floor(next() * 24);
  const site = `site/T${String(siteNumber).padStart(2, '0')}`;
  const asset = `asset/T${String(siteNumber).padStart(2, '0')}-P${1 + Math.floor(next() * 12)}`;
  const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(next() * 500) * 86_400_000 + Math.floor(next() * 36_000) * 1000).toISOString();
  const serial = String(index).padStart(6, '0');
  if (next() < 0.7) {
    const checklist = Array.from({ length: 2 + Math.floor(next() * 3) }, () => ({ item: pick(CHECKS), ok: next() > 0.15, value: Math.round(next() * 900) / 10 }));
    return {
      id: `inspection/${serial}`,
      doc: { type: 'inspection', site, asset, title: 'Monthly condition round', status: next() > 0.2 ? 'done' : 'open', inspector: pick(INSPECTORS), performed_at: day, checklist, note: pick(NOTES) },
    };
  }
  return {
    id: `work-order/${serial}`,
    doc: {
      type: 'work_order',
      site,
      asset,
      title: pick(TASKS),
      // A valid work order (the server checks every one it is sent: core workOrderProblem).
      priority: pick(['low', 'medium', 'high', 'urgent']),
      status: pick(['assigned', 'in_progress', 'done']),
      assignee: pick(INSPECTORS),
      due: day.slice(0, 10),
      estimated_hours: 1 + Math.floor(next() * 16),
      parts: [{ id: 'p1', name: `SKF 62${10 + Math.floor(next() * 20)}-2RS`, quantity: 1 + Math.floor(next() * 4) }],
      notes: pick(NOTES),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The counting proxy.

interface CountingProxy {
  url: string;
  /** Bytes moved both ways since the proxy started. */
  bytes(): number;
  /** HTTP requests sent through it since it started. */
  requests(): number;
  close(): Promise<void>;
}

/** Ends every HTTP/1.1 request line; counted in the client-to-server direction. */
const REQUEST_LINE_END = Buffer.from(' HTTP/1.1\r\n');

/** A TCP proxy to 127.0.0.1:`port` that counts every byte in either direction, and the requests. */
async function startCountingProxy(port: number): Promise<CountingProxy> {
  let bytes = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    // A request line may straddle two chunks: look again across each boundary.
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      const edge = Buffer.concat([tail, chunk.subarray(0, REQUEST_LINE_END.length - 1)]);
      if (edge.indexOf(REQUEST_LINE_END) !== -1) requests++;
      for (let at = chunk.indexOf(REQUEST_LINE_END); at !== -1; at = chunk.indexOf(REQUEST_LINE_END, at + 1)) requests++;
      tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (REQUEST_LINE_END.length - 1))));
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    bytes: () => bytes,
    requests: () => requests,
    close: () => {
      // Clients keep idle connections open; end them so close() resolves.
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface Sample {
  seconds: number;
  bytes: number;
  requests: number;
}

/** Runs `work`; how long it took and the bytes and requests that went through `proxy` meanwhile. */
async function measured(proxy: CountingProxy, work: () => Promise<unknown>): Promise<Sample> {
  const [bytes, requests] = [proxy.bytes(), proxy.requests()];
  const started = performance.now();
  await work();
  return { seconds: seconds(started), bytes: proxy.bytes() - bytes, requests: proxy.requests() - requests };
}

// ---------------------------------------------------------------------------------------------
// Our side: the companion server (SQLite) and the `replicate` storage.

interface OurServer {
  test: TestServer;
  proxy: CountingProxy;
  token: string;
}

async function startOurServer(): Promise<OurServer> {
  const test = await startTestServer({}, makeTempDir('fieldline-bench-sync-'));
  const token = await test.login('admin', ADMIN_PASSWORD);
  const proxy = await startCountingProxy(Number(new URL(test.server.url).port));
  return { test, proxy, token };
}

async function stopOurServer(server: OurServer): Promise<void> {
  await server.proxy.close();
  await server.test.stop();
}

/** Stores documents `[0, count)` on the server through its store (no HTTP), 5 000 per transaction. */
async function seedOurs(server: OurServer, count: number): Promise<void> {
  for (let first = 0; first < count; first += 5000) {
    const writes = Array.from({ length: Math.min(5000, count - first) }, (_, offset) => ({ type: 'put' as const, ...fieldDoc(first + offset) }));
    await server.test.server.store.documents.bulk(writes);
  }
}

/** A fresh replica of `server` (through its proxy) over a local memory storage, as the app builds one. */
function openReplica(server: OurServer): ReplicateStorage {
  const replica = createStorage({
    type: 'replicate',
    local_sub_storage: { type: 'memory' },
    remote_sub_storage: { type: 'http', url: server.proxy.url, token: server.token },
    signature_sub_storage: { type: 'memory' },
  });
  if (!(replica instanceof ReplicateStorage)) throw new Error('createStorage({type: "replicate"}) built no ReplicateStorage');
  return replica;
}

/** Syncs `replica` once and checks that it pulled `count` documents. */
async function pull(replica: ReplicateStorage, count: number): Promise<void> {
  const report = await replica.sync();
  if (report.pulled !== count) throw new Error(`a sync pulled ${report.pulled} documents, not ${count}`);
}

// ---------------------------------------------------------------------------------------------
// PouchDB: express-pouchdb over in-memory databases, replicating into an in-memory PouchDB.

interface PouchDatabase {
  bulkDocs(docs: Array<Record<string, unknown>>): Promise<Array<{ ok?: boolean; error?: string }>>;
  info(): Promise<{ doc_count: number }>;
  replicate: { from(source: PouchDatabase, options?: Record<string, unknown>): Promise<{ ok: boolean; docs_written: number }> };
  destroy(): Promise<unknown>;
}

interface PouchConstructor {
  new (name: string, options?: Record<string, unknown>): PouchDatabase;
  plugin(plugin: unknown): PouchConstructor;
  defaults(options: Record<string, unknown>): PouchConstructor;
}

const require = createRequire(import.meta.url);

/**
 * PouchDB with the memory and HTTP adapters and replication, from module instances of its own:
 * plugins and event listeners go on PouchDB's base class, and express-pouchdb's database registry
 * must not sit on the client (it would write a record for every client database).
 */
function loadPouchDB(): PouchConstructor {
  for (const key of Object.keys(require.cache)) if (/[\\/]node_modules[\\/]pouchdb-[^\\/]+[\\/]/.test(key)) Reflect.deleteProperty(require.cache, key);
  return (require('pouchdb-core') as PouchConstructor)
    .plugin(require('pouchdb-adapter-memory'))
    .plugin(require('pouchdb-adapter-http'))
    .plugin(require('pouchdb-replication'));
}

const ServerPouchDB = loadPouchDB().defaults({ adapter: 'memory' });
const ClientPouchDB = loadPouchDB();
const expressPouchDb = require('express-pouchdb') as (pouch: PouchConstructor, options: Record<string, unknown>) => http.RequestListener;

interface PouchServer {
  http: http.Server;
  proxy: CountingProxy;
  /** The server-side database (in this process: seeded directly). */
  database: PouchDatabase;
  /** The database's URL through the proxy. */
  url: string;
  logDir: string;
}

let pouchServers = 0;

/** express-pouchdb (CouchDB's HTTP API, with gzip) over in-memory databases, behind a counting proxy. */
async function startPouchServer(): Promise<PouchServer> {
  const logDir = makeTempDir('fieldline-bench-pouch-');
  const app = expressPouchDb(ServerPouchDB, { mode: 'minimumForPouchDB', inMemoryConfig: true, logPath: `${logDir}/log.txt` });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = await startCountingProxy((server.address() as net.AddressInfo).port);
  const name = `docs-${++pouchServers}`;
  return { http: server, proxy, database: new ServerPouchDB(name), url: `${proxy.url}/${name}`, logDir };
}

async function stopPouchServer(server: PouchServer): Promise<void> {
  await server.database.destroy();
  await server.proxy.close();
  server.http.closeAllConnections();
  await new Promise((resolve) => server.http.close(resolve));
  fs.rmSync(server.logDir, { recursive: true, force: true });
}

async function seedPouch(server: PouchServer, count: number): Promise<void> {
  for (let first = 0; first < count; first += 5000) {
    const docs = Array.from({ length: Math.min(5000, count - first) }, (_, offset) => {
      const { id, doc } = fieldDoc(first + offset);
      return { _id: id, ...doc };
    });
    const results = await server.database.bulkDocs(docs);
    if (results.some((result) => result.error)) throw new Error('seeding PouchDB failed');
  }
}

let pouchClients = 0;
/** A fresh in-memory PouchDB; replication runs with PouchDB's defaults (batches of 100, 10 batches ahead). */
const freshPouch = (): PouchDatabase => new ClientPouchDB(`client-${++pouchClients}`, { adapter: 'memory' });

/**
 * Replicates from `server` into `local` and checks that it wrote `count` documents. The remote
 * talks through the global fetch, the HTTP client our `http` storage uses (and what PouchDB uses in
 * a browser): PouchDB's Node default, node-fetch without an agent, sends `Connection: close` and
 * so opens two TCP connections (client and proxy) per request.
 */
async function pouchPull(server: PouchServer, local: PouchDatabase, count: number): Promise<void> {
  const remote = new ClientPouchDB(server.url, { fetch: (url: string, options: RequestInit) => fetch(url, options) });
  const result = await local.replicate.from(remote);
  if (!result.ok || result.docs_written !== count) throw new Error(`PouchDB replicated ${result.docs_written} documents, not ${count}`);
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

/**
 * Warm-up, then ROUNDS rounds of `ours` and `baseline` alternating which goes first (so neither
 * always meets the fuller heap or the colder cache).
 */
async function alternate(ours: () => Promise<Sample>, baseline: () => Promise<Sample>): Promise<Array<{ ours: Sample; baseline: Sample }>> {
  await ours();
  await baseline();
  const rounds: Array<{ ours: Sample; baseline: Sample }> = [];
  for (let index = 0; index < ROUNDS; index++) {
    if (index % 2 === 1) {
      const first = await baseline();
      rounds.push({ baseline: first, ours: await ours() });
    } else {
      const first = await ours();
      rounds.push({ ours: first, baseline: await baseline() });
    }
  }
  return rounds;
}

/** docs10k: initial pull of 10 000 documents, ours vs PouchDB. */
async function docs10k(figures: Figures): Promise<void> {
  const count = 10_000;
  const ours = await startOurServer();
  const pouch = await startPouchServer();
  try {
    await seedOurs(ours, count);
    await seedPouch(pouch, count);
    const rounds = await alternate(
      async () => {
        const replica = openReplica(ours);
        const sample = await measured(ours.proxy, () => pull(replica, count));
        await replica.destroy();
        return sample;
      },
      async () => {
        const local = freshPouch();
        const sample = await measured(pouch.proxy, () => pouchPull(pouch, local, count));
        await local.destroy();
        return sample;
      },
    );
    const of = (side: 'ours' | 'baseline', key: keyof Sample): number => median(rounds.map((one) => one[side][key]));
    figures['sync.docs10k.seconds'] = { value: round(of('ours', 'seconds')), unit: 's', better: 'lower' };
    figures['sync.docs10k.bytes'] = { value: of('ours', 'bytes'), unit: 'bytes', better: 'lower' };
    figures['sync.docs10k.requests'] = { value: of('ours', 'requests'), unit: 'requests', better: 'lower' };
    figures['sync.docs10k.pouchdb_seconds'] = { value: round(of('baseline', 'seconds')), unit: 's', better: 'lower' };
    figures['sync.docs10k.pouchdb_bytes'] = { value: of('baseline', 'bytes'), unit: 'bytes', better: 'lower' };
    figures['sync.docs10k.pouchdb_requests'] = { value: of('baseline', 'requests'), unit: 'requests', better: 'lower' };
    figures['sync.docs10k.ratio_vs_pouchdb'] = { value: round(median(rounds.map((one) => one.ours.seconds / one.baseline.seconds)), 2), unit: '×', better: 'lower' };
  } finally {
    await stopPouchServer(pouch);
    await stopOurServer(ours);
  }
}

/** resync100k: after a first sync of 100 000 documents, the time of a sync with nothing changed (ours and PouchDB's). */
async function resync100k(figures: Figures): Promise<void> {
  const count = 100_000;
  const ours = await startOurServer();
  try {
    await seedOurs(ours, count);
    const replica = openReplica(ours);
    await pull(replica, count);
    const runs: Sample[] = [];
    for (let run = 0; run < RESYNC_RUNS; run++) runs.push(await measured(ours.proxy, () => pull(replica, 0)));
    figures['sync.resync100k.seconds'] = { value: round(median(runs.map((one) => one.seconds)), 4), unit: 's', better: 'lower' };
    figures['sync.resync100k.requests'] = { value: median(runs.map((one) => one.requests)), unit: 'requests', better: 'lower' };
    await replica.destroy();
  } finally {
    await stopOurServer(ours);
  }
  const pouch = await startPouchServer();
  try {
    await seedPouch(pouch, count);
    const local = freshPouch();
    await pouchPull(pouch, local, count);
    const runs: Sample[] = [];
    for (let run = 0; run < RESYNC_RUNS; run++) runs.push(await measured(pouch.proxy, () => pouchPull(pouch, local, 0)));
    figures['sync.resync100k.pouchdb_seconds'] = { value: round(median(runs.map((one) => one.seconds)), 4), unit: 's', better: 'lower' };
    await local.destroy();
  } finally {
    await stopPouchServer(pouch);
  }
}

/** GETs every attachment of `id` through the proxy with plain fetch, RAW_IN_FLIGHT at a time; resolves with the bytes read. */
async function rawDownload(server: OurServer, id: string, names: readonly string[]): Promise<number> {
  const headers = { authorization: `Bearer ${server.token}` };
  let next = 0;
  let total = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      const response = await fetch(`${server.proxy.url}/api/docs/${encodeURIComponent(id)}/attachments/${encodeURIComponent(name)}`, { headers });
      if (!response.ok) throw new Error(`GET ${name}: ${response.status}`);
      total += (await response.arrayBuffer()).byteLength;
    }
  };
  await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, worker));
  return total;
}

/** samples10M: initial pull of a 10 M-sample channel array vs downloading its attachments raw. */
async function samples10M(figures: Figures): Promise<void> {
  const server = await startOurServer();
  try {
    const array = await ChannelArray.create(server.test.server.store.documents, ARRAY_ID, { timing: 'regular', unit: 'mm/s', site: 'site/T07' });
    const block = Float32Array.from({ length: 16 * CHUNK_SIZE }, (_, index) => Math.sin(index * 0.001) * 4 + (index % 13) * 0.01);
    for (let from = 0; from < SAMPLES; from += block.length) {
      await array.append(block.subarray(0, Math.min(block.length, SAMPLES - from)), { t0: 1_700_000_000_000 + from, dt: 1 });
    }
    const attachments = await server.test.server.store.documents.allAttachments(ARRAY_ID);
    const names = Object.keys(attachments);
    const payload = Object.values(attachments).reduce((sum, info) => sum + info.length, 0);

    const rounds = await alternate(
      async () => {
        const replica = openReplica(server);
        const sample = await measured(server.proxy, () => pull(replica, 1));
        const local = await ChannelArray.open(replica, ARRAY_ID);
        if (local.length !== SAMPLES) throw new Error(`the replicated array has ${local.length} samples, not ${SAMPLES}`);
        const { values } = await local.read(SAMPLES - 1000, SAMPLES);
        if (values[999] !== block[(SAMPLES - 1) % block.length]) throw new Error('the replicated array differs from the server');
        await replica.destroy();
        return sample;
      },
      async () => {
        let bytes = 0;
        const sample = await measured(server.proxy, async () => (bytes = await rawDownload(server, ARRAY_ID, names)));
        if (bytes !== payload) throw new Error(`the raw download read ${bytes} bytes, not ${payload}`);
        return sample;
      },
    );
    const rate = (sample: Sample): number => payload / MB / sample.seconds;
    figures['sync.samples10M.seconds'] = { value: round(median(rounds.map((one) => one.ours.seconds))), unit: 's', better: 'lower' };
    figures['sync.samples10M.bytes'] = { value: median(rounds.map((one) => one.ours.bytes)), unit: 'bytes', better: 'lower' };
    figures['sync.samples10M.requests'] = { value: median(rounds.map((one) => one.ours.requests)), unit: 'requests', better: 'lower' };
    figures['sync.samples10M.mb_per_s'] = { value: round(median(rounds.map((one) => rate(one.ours))), 1), unit: 'MB/s', better: 'higher' };
    figures['sync.samples10M.raw_http_mb_per_s'] = { value: round(median(rounds.map((one) => rate(one.baseline))), 1), unit: 'MB/s', better: 'higher' };
    figures['sync.samples10M.raw_http_bytes'] = { value: median(rounds.map((one) => one.baseline.bytes)), unit: 'bytes', better: 'lower' };
    figures['sync.samples10M.ratio_vs_raw_http'] = { value: round(median(rounds.map((one) => rate(one.ours) / rate(one.baseline))), 2), unit: '×', better: 'higher' };
  } finally {
    await stopOurServer(server);
  }
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  await docs10k(figures);
  await resync100k(figures);
  await samples10M(figures);
  return figures;
}
