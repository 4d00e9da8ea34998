// The forward protocol port under hostile or broken clients, over real sockets on 127.0.0.1 and a
// real store: gzip bombs are refused with bounded memory (and cost nothing under an unknown tag),
// idle connections and frames that never complete are closed, connections beyond the cap are
// closed at once, and partial frames of many connections stay within one buffer budget — while a
// legitimate client keeps getting its acks.
import net from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { pack, unpackMultiple } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config';
import { decodeFrame, readFrameBody, readFrameHead } from '../../src/server/ingest/forward-frames';
import { DEFAULT_FORWARD_LIMITS } from '../../src/server/ingest/forward-limits';
import { ForwardServer, type ForwardServerOptions } from '../../src/server/ingest/forward-server';
import { IngestService } from '../../src/server/ingest/ingest-service';
import { Sources } from '../../src/server/ingest/sources';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { forwardExchange, type ForwardExchange } from '../support/forward-client';

const MiB = 1024 * 1024;
let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);
/** Times a little in the past: inside the window ingestion accepts. */
const now = Math.floor(Date.now() / 1000) - 3600;

async function addSource(tag: string): Promise<string> {
  const response = await call('admin', 'POST', '/api/sources', { tag, site: 'site/H1' });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function eventsStored(id: string): Promise<number> {
  return ((await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(id)}`)).json()) as { events_stored: number }).events_stored;
}

/** A client connection that collects what the server answers and notices the close. */
function connect(port: number): { socket: net.Socket; answers: () => unknown[]; closed: () => boolean; opened: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (data) => chunks.push(data));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return {
    socket,
    answers: () => {
      try {
        return unpackMultiple(Buffer.concat(chunks)) as unknown[];
      } catch {
        return []; // nothing yet, or an answer cut in two
      }
    },
    closed: () => closed,
    opened,
  };
}

/** Sends `bytes` on a new connection; resolves with the answers once `answers` came, or at the close. */
const exchange = (port: number, bytes: Buffer, answers: number): Promise<ForwardExchange> => forwardExchange(port, bytes, { answers });

/** A PackedForward frame of `count` events (entries about 20 bytes each) acknowledged as `chunk`. */
function packedFrame(tag: string, count: number, chunk: string, from = now): Buffer {
  const entries = Buffer.concat(Array.from({ length: count }, (_, index) => pack([from + index, { v: index }])));
  return pack([tag, entries, { chunk, size: count }]);
}

/** gzip of `mib` MiB of zeros, made in a stream (the zeros never exist at once). */
async function gzipBomb(mib: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (data: Buffer) => out.push(data));
  const zeros = Buffer.alloc(MiB);
  for (let written = 0; written < mib; written++) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  await new Promise((resolve) => gzip.end(resolve));
  return Buffer.concat(out);
}

/** A ForwardServer with its own limits over the test server's store; closed by the returned function. */
async function forwardServer(options: ForwardServerOptions): Promise<{ server: ForwardServer; port: number; close: () => Promise<void> }> {
  const store = test.server.store;
  const server = new ForwardServer(new Sources(store.driver), new IngestService(store), test.server.app.log, options);
  const port = await server.listen('127.0.0.1', 0);
  return { server, port, close: () => server.close() };
}

beforeAll(async () => {
  test = await startTestServer({ FORWARD_MAX_CONNECTIONS: '40' });
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await test?.stop();
});

describe('gzip bombs on the forward port', () => {
  let bomb: Buffer;
  let source: string;

  beforeAll(async () => {
    // 256 MiB of zeros in about 260 KB: the frame that killed the process (V8 "invalid size").
    bomb = await gzipBomb(256);
    source = await addSource('bomb.target');
  });

  it('a CompressedPackedForward frame inflating to 256 MiB is refused at the cap (64 MiB): connection closed, counted, nothing stored, memory bounded, and another client still gets its acks', async () => {
    const stats = test.server.forward.stats;
    const before = { ...stats };
    const storedBefore = await eventsStored(source);
    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 5);
    try {
      const [bombed, legit] = await Promise.all([
        exchange(test.server.forwardPort, pack(['bomb.target', bomb, { compressed: 'gzip', chunk: 'bomb-1' }]), 1),
        exchange(test.server.forwardPort, packedFrame('bomb.target', 10, 'beside-the-bomb'), 1),
      ]);
      expect(bombed).toEqual({ closed: true, answers: [] });
      expect(legit).toEqual({ closed: false, answers: [{ ack: 'beside-the-bomb' }] });
    } finally {
      clearInterval(sampler);
    }
    expect(stats.decompressions).toBe(before.decompressions + 1);
    expect(stats.decompressedTooLarge).toBe(before.decompressedTooLarge + 1);
    expect(stats.protocolErrors).toBe(before.protocolErrors + 1);
    // Inflating stops at the cap: the 64 MiB of output and zlib's working memory, not 256 MiB
    // (the old server grew by 2 GB for a 64 MiB bomb, and died on this one).
    expect(rssPeak - rssBefore).toBeLessThan(160 * MiB);
    // After the bomb the server serves as before.
    expect(await exchange(test.server.forwardPort, packedFrame('bomb.target', 10, 'after-the-bomb', now + 10), 1)).toEqual({ closed: false, answers: [{ ack: 'after-the-bomb' }] });
    expect(await eventsStored(source)).toBe(storedBefore + 20);
  }, 60_000);

  it('the same bomb under an unknown tag is refused for its tag without inflating anything', async () => {
    const stats = test.server.forward.stats;
    const before = { ...stats };
    const client = connect(test.server.forwardPort);
    client.socket.write(pack(['nobody.registered', bomb, { compressed: 'gzip', chunk: 'bomb-2' }]));
    // The connection stays usable (an unknown tag is refused, not a protocol error): a frame sent
    // after it is acknowledged, which tells that the bomb frame was handled first.
    client.socket.write(packedFrame('bomb.target', 1, 'after-unknown-bomb', now + 100));
    await expect.poll(() => client.answers(), { timeout: 10_000 }).toEqual([{ ack: 'after-unknown-bomb' }]);
    client.socket.destroy();
    expect(stats.refusedUnknownTag).toBe(before.refusedUnknownTag + 1);
    expect(stats.decompressions).toBe(before.decompressions);
    expect(stats.protocolErrors).toBe(before.protocolErrors);
  });
});

describe('forward limits on their own server', () => {
  let source: string;

  beforeAll(async () => {
    source = await addSource('limits.target');
  });

  it('entries that inflate to just over a small cap are refused; just under it they are stored and acknowledged', async () => {
    const cap = 256 * 1024;
    const forward = await forwardServer({ maxDecompressedBytes: cap });
    try {
      // As many entries as fit in the cap, and one more.
      const parts: Buffer[] = [];
      let bytes = 0;
      for (let index = 0; ; index++) {
        const entry = pack([now + 1000 + index, { v: index, pad: 'x'.repeat(100) }]);
        parts.push(entry);
        bytes += entry.length;
        if (bytes > cap) break;
      }
      const over = Buffer.concat(parts);
      const under = over.subarray(0, over.length - parts.at(-1)!.length);
      const count = parts.length - 1;
      expect([under.length <= cap, over.length > cap]).toEqual([true, true]);
      const before = await eventsStored(source);
      expect(await exchange(forward.port, pack(['limits.target', gzipSync(over), { compressed: 'gzip', chunk: 'over-cap' }]), 1)).toEqual({ closed: true, answers: [] });
      expect(forward.server.stats.decompressedTooLarge).toBe(1);
      expect(await exchange(forward.port, pack(['limits.target', gzipSync(under), { compressed: 'gzip', chunk: 'under-cap' }]), 1)).toEqual({ closed: false, answers: [{ ack: 'under-cap' }] });
      expect(await eventsStored(source)).toBe(before + count);
      // Nothing is held once the frames are committed.
      await expect.poll(() => forward.server.bufferedBytes).toBe(0);
    } finally {
      await forward.close();
    }
  });

  it('a connection that sends nothing is closed after the idle timeout; one that sent a frame gets its ack first', async () => {
    const forward = await forwardServer({ idleTimeoutMs: 300 });
    try {
      const silent = connect(forward.port);
      const talker = connect(forward.port);
      talker.socket.write(packedFrame('limits.target', 1, 'before-idle', now + 5000));
      await expect.poll(() => talker.answers(), { timeout: 10_000 }).toEqual([{ ack: 'before-idle' }]);
      await expect.poll(() => [silent.closed(), talker.closed()], { timeout: 10_000 }).toEqual([true, true]);
      expect(forward.server.stats.idleTimeouts).toBe(2);
      expect(forward.server.stats.protocolErrors).toBe(0);
    } finally {
      await forward.close();
    }
  });

  it('a frame trickled a byte at a time is closed after the frame timeout although bytes keep coming, and nothing of it is stored', async () => {
    const forward = await forwardServer({ frameTimeoutMs: 400, idleTimeoutMs: 60_000 });
    try {
      const before = await eventsStored(source);
      const frame = packedFrame('limits.target', 100, 'trickled', now + 6000);
      const client = connect(forward.port);
      client.socket.setNoDelay(true);
      let sent = 0;
      // Well under the idle timeout between bytes: only the frame timeout can end this.
      const trickle = setInterval(() => {
        if (sent < frame.length - 1 && !client.closed()) client.socket.write(frame.subarray(sent, ++sent));
      }, 20);
      try {
        await expect.poll(() => client.closed(), { timeout: 10_000 }).toBe(true);
      } finally {
        clearInterval(trickle);
      }
      expect(sent).toBeLessThan(frame.length - 1);
      expect(forward.server.stats.frameTimeouts).toBe(1);
      expect(forward.server.stats.idleTimeouts).toBe(0);
      expect(client.answers()).toEqual([]);
      expect(await eventsStored(source)).toBe(before);
      expect(forward.server.bufferedBytes).toBe(0);
    } finally {
      await forward.close();
    }
  });

  it('partial frames of many connections stay within the buffer budget: the connections holding the most are closed, the others complete their frames', async () => {
    const budget = 4 * MiB;
    const forward = await forwardServer({ bufferBytes: budget, maxFrameBytes: 2 * MiB });
    try {
      const before = await eventsStored(source);
      // Five frames of about 1.8 MiB, each sent up to 1.5 MiB: 7.5 MiB parked if nothing bounded it.
      const parked = 1.5 * MiB;
      const perFrame = 130_000;
      const frames = Array.from({ length: 5 }, (_, index) => packedFrame('limits.target', perFrame, `budget-${index}`, now - 1_000_000 - index * 200_000));
      expect(frames[0]!.length).toBeGreaterThan(parked);
      expect(frames[0]!.length).toBeLessThan(2 * MiB);
      const clients = frames.map(() => connect(forward.port));
      await Promise.all(clients.map((client) => client.opened));
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, forward.server.bufferedBytes)), 1);
      try {
        await Promise.all(clients.map((client, index) => new Promise((resolve) => client.socket.write(frames[index]!.subarray(0, parked), resolve))));
        // Two of 1.5 MiB fit in 4 MiB, three do not: three connections close, whatever the order.
        await expect.poll(() => forward.server.stats.closedOverBudget, { timeout: 10_000 }).toBe(3);
        await expect.poll(() => forward.server.bufferedBytes, { timeout: 10_000 }).toBe(2 * parked);
      } finally {
        clearInterval(sampler);
      }
      expect(peak).toBeLessThanOrEqual(budget);
      const survivors = clients.map((client, index) => ({ client, index })).filter(({ client }) => !client.closed());
      expect(survivors).toHaveLength(2);
      for (const { client, index } of survivors) client.socket.write(frames[index]!.subarray(parked));
      for (const { client, index } of survivors) await expect.poll(() => client.answers(), { timeout: 20_000 }).toEqual([{ ack: `budget-${index}` }]);
      expect(await eventsStored(source)).toBe(before + 2 * perFrame);
      for (const client of clients) client.socket.destroy();
    } finally {
      await forward.close();
    }
  }, 60_000);

  it('inflating reserves its cap in the budget: over it, reading pauses and inflatings wait their turn, and every frame is still stored and acknowledged', async () => {
    // One inflating's reservation (1 MiB) plus any frame received fills the budget (1 MiB).
    const forward = await forwardServer({ bufferBytes: MiB, maxFrameBytes: MiB, maxDecompressedBytes: MiB });
    try {
      const before = await eventsStored(source);
      const perFrame = 2000;
      const clients = Array.from({ length: 4 }, () => connect(forward.port));
      clients.forEach((client, index) => {
        for (let frame = 0; frame < 3; frame++) {
          const from = now - 3_000_000 - (index * 3 + frame) * perFrame;
          const entries = Buffer.concat(Array.from({ length: perFrame }, (_, entry) => pack([from + entry, { v: entry }])));
          client.socket.write(pack(['limits.target', gzipSync(entries), { compressed: 'gzip', chunk: `reserve-${index}-${frame}` }]));
        }
      });
      for (const [index, client] of clients.entries()) {
        await expect.poll(() => client.answers(), { timeout: 20_000 }).toEqual([0, 1, 2].map((frame) => ({ ack: `reserve-${index}-${frame}` })));
      }
      expect(forward.server.stats.decompressions).toBe(12);
      expect(forward.server.stats.budgetPauses).toBeGreaterThan(0);
      expect(forward.server.stats.closedOverBudget).toBe(0);
      expect(await eventsStored(source)).toBe(before + 12 * perFrame);
      await expect.poll(() => forward.server.bufferedBytes).toBe(0);
      for (const client of clients) client.socket.destroy();
    } finally {
      await forward.close();
    }
  }, 60_000);

  it('a server refuses a budget smaller than one frame of the largest size', async () => {
    expect(() => new ForwardServer(new Sources(test.server.store.driver), new IngestService(test.server.store), test.server.app.log, { bufferBytes: MiB, maxFrameBytes: 2 * MiB })).toThrow(RangeError);
  });
});

describe('connection cap (FORWARD_MAX_CONNECTIONS=40 on the test server)', () => {
  it('connections beyond the cap are closed at once and counted; those within it keep working, and a freed place is taken again', async () => {
    await addSource('cap.target');
    const stats = test.server.forward.stats;
    const refused = stats.refusedConnections;
    // Connections of the tests before are gone first: then 40 new ones fill the cap exactly.
    await expect.poll(() => test.server.forward.connections).toBe(0);
    const open = Array.from({ length: 40 }, () => connect(test.server.forwardPort));
    await Promise.all(open.map((client) => client.opened));
    await expect.poll(() => test.server.forward.connections).toBe(40);
    const extra = connect(test.server.forwardPort);
    await expect.poll(() => extra.closed(), { timeout: 10_000 }).toBe(true);
    expect(stats.refusedConnections).toBe(refused + 1);
    const first = open[0]!;
    first.socket.write(packedFrame('cap.target', 3, 'within-cap', now + 20_000));
    await expect.poll(() => first.answers(), { timeout: 10_000 }).toEqual([{ ack: 'within-cap' }]);
    open.pop()!.socket.destroy();
    await expect.poll(() => test.server.forward.connections).toBe(39);
    expect(await exchange(test.server.forwardPort, packedFrame('cap.target', 3, 'freed-place', now + 20_010), 1)).toEqual({ closed: false, answers: [{ ack: 'freed-place' }] });
    for (const client of open) client.socket.destroy();
    await expect.poll(() => test.server.forward.connections).toBe(0);
  });
});

describe('decoding a frame', () => {
  it('a large Forward-mode frame is decoded in slices, the event loop getting a turn between them, into the events the rebuild decodes', async () => {
    const count = 120_000;
    const entries = Array.from({ length: count }, (_, index) => pack([now + index, { temp: index / 10, state: 'run' }]));
    const raw = Buffer.concat([Buffer.from([0x93]), pack('slices.tag'), Buffer.from([0xdd, 0, 0, 0, 0]), ...entries, pack({ chunk: 'slices' })]);
    raw.writeUInt32BE(count, raw.indexOf(0xdd, 1) + 1);
    expect(raw.length).toBeGreaterThan(2 * MiB);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    let body: Awaited<ReturnType<typeof readFrameBody>>;
    try {
      body = await readFrameBody(readFrameHead(raw), { maxInflatedBytes: MiB });
    } finally {
      clearInterval(ticker);
    }
    expect(body.events).toHaveLength(count);
    expect(body.option).toEqual({ chunk: 'slices' });
    // 256 KiB slices: timers ran while the frame was decoded (a single decode would allow none).
    expect(turns).toBeGreaterThan(1);
    const again = decodeFrame(raw);
    expect(again.tag).toBe('slices.tag');
    expect(again.events).toHaveLength(count);
    let wrong = 0;
    for (let index = 0; index < count; index++) {
      const [sliced, whole] = [body.events[index]!, again.events[index]!];
      if (sliced.time !== (now + index) * 1000 || whole.time !== sliced.time || sliced.record.temp !== index / 10 || whole.record.temp !== sliced.record.temp) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe('forward limits from the environment', () => {
  it('reads FORWARD_* and falls back to the defaults', () => {
    expect(loadConfig({}, '/srv').forwardLimits).toEqual(DEFAULT_FORWARD_LIMITS);
    expect(
      loadConfig(
        {
          FORWARD_MAX_CONNECTIONS: '10',
          FORWARD_IDLE_TIMEOUT_MS: '5000',
          FORWARD_FRAME_TIMEOUT_MS: '7000',
          FORWARD_BUFFER_BYTES: String(32 * MiB),
          FORWARD_MAX_FRAME_BYTES: String(8 * MiB),
          FORWARD_MAX_DECOMPRESSED_BYTES: String(16 * MiB),
        },
        '/srv',
      ).forwardLimits,
    ).toEqual({ maxConnections: 10, idleTimeoutMs: 5000, frameTimeoutMs: 7000, bufferBytes: 32 * MiB, maxFrameBytes: 8 * MiB, maxDecompressedBytes: 16 * MiB });
  });

  it.each([
    [{ FORWARD_MAX_CONNECTIONS: '0' }, /FORWARD_MAX_CONNECTIONS must be a whole number of connections from 1/],
    [{ FORWARD_IDLE_TIMEOUT_MS: '1.5' }, /FORWARD_IDLE_TIMEOUT_MS must be a whole number of milliseconds/],
    [{ FORWARD_FRAME_TIMEOUT_MS: '3000000000' }, /FORWARD_FRAME_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 2147483647/],
    [{ FORWARD_MAX_DECOMPRESSED_BYTES: String(2 * 1024 * MiB) }, /FORWARD_MAX_DECOMPRESSED_BYTES must be a whole number of bytes/],
    [{ FORWARD_MAX_FRAME_BYTES: 'big' }, /FORWARD_MAX_FRAME_BYTES must be a whole number of bytes/],
    [{ FORWARD_BUFFER_BYTES: String(8 * MiB), FORWARD_MAX_FRAME_BYTES: String(16 * MiB) }, /FORWARD_BUFFER_BYTES \(8388608\) must be at least FORWARD_MAX_FRAME_BYTES \(16777216\)/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env, '/srv')).toThrow(ConfigError);
    expect(() => loadConfig(env, '/srv')).toThrow(message);
  });
});
