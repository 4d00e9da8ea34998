// The fluentd forward protocol with the fluentd project's own Node client (@fluent-org/logger):
// every event mode with acks, exactly-once counts, and malformed input that closes the connection
// without storing anything or stopping the server; group commit (frames handed over without
// waiting, stored as if one by one); UDP heartbeats on the same port.
import dgram from 'node:dgram';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { FluentClient } from '@fluent-org/logger';
import { pack, unpackMultiple } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { MAX_FRAME_BYTES } from '../../src/server/ingest/forward-server';
import { IngestService } from '../../src/server/ingest/ingest-service';
import type { Source } from '../../src/server/ingest/sources';
import type { SqlDriver } from '../../src/server/store/sql/driver';
import { IngestLog } from '../../src/server/store/sql/ingest-log';
import { SqlStorage } from '../../src/server/store/sql/sql-storage';
import type { Store } from '../../src/server/store/store';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { forwardExchange, type ForwardExchange, type ForwardExchangeOptions } from '../support/forward-client';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);
let source: { id: string };

async function sourcesEventsStored(id: string): Promise<number> {
  return ((await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(id)}`)).json()) as { events_stored: number }).events_stored;
}

async function stored(): Promise<number> {
  return ((await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`)).json()) as { events_stored: number }).events_stored;
}

/** Raw bytes to the test server's forward port (see test/support/forward-client.ts). */
const rawExchange = (bytes: Buffer, options: ForwardExchangeOptions = {}): Promise<ForwardExchange> => forwardExchange(test.server.forwardPort, bytes, options);

/** How long a frame over the limit may take to be refused: a bound for failures only. */
const EXCHANGE_BOUND_MS = 15_000;

/**
 * Writes `bytes` in pieces of `pieceBytes`, each once the previous one is handed to the system;
 * resolves with the msgpack values answered once `answers` came back, or when the connection closes.
 */
function piecewiseExchange(bytes: Buffer, pieceBytes: number, answers: number): Promise<{ closed: boolean; answer: unknown[] }> {
  return new Promise((resolve) => {
    const socket = net.connect(test.server.forwardPort, '127.0.0.1');
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      socket.destroy();
      resolve({ closed, answer: unpackMultiple(Buffer.concat(chunks)) as unknown[] });
    };
    socket.on('data', (data) => {
      chunks.push(data);
      try {
        if ((unpackMultiple(Buffer.concat(chunks)) as unknown[]).length >= answers) finish(false);
      } catch {
        // an answer cut in two: the rest follows
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    const write = (offset: number) => {
      if (offset < bytes.length && !socket.destroyed) socket.write(bytes.subarray(offset, offset + pieceBytes), () => write(offset + pieceBytes));
    };
    write(0);
  });
}

/** A msgpack header with a 32-bit length or count (str 32, bin 32, array 32, map 32). */
function header32(type: number, length: number): Buffer {
  const header = Buffer.from([type, 0, 0, 0, 0]);
  header.writeUInt32BE(length, 1);
  return header;
}

/** fluentd's EventTime (msgpack ext type 0): seconds and nanoseconds, as its clients send times. */
function eventTime(ms: number): Buffer {
  const time = Buffer.from([0xd7, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
  time.writeUInt32BE(Math.floor(ms / 1000), 2);
  time.writeUInt32BE((ms % 1000) * 1_000_000, 6);
  return time;
}

/**
 * The fixtures here use event times up to 2030, past the default accepted window (a day ahead of
 * now; see ingest/time-window.ts): the window reaches five years ahead for these tests.
 */
const FIXTURE_WINDOW = { minTime: 0, maxFutureMs: 5 * 365 * 86_400_000 };

beforeAll(async () => {
  test = await startTestServer({ INGEST_MAX_FUTURE_MS: String(FIXTURE_WINDOW.maxFutureMs) });
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  source = (await (await call('admin', 'POST', '/api/sources', { tag: 'turbine.t07', site: 'site/T07' })).json()) as { id: string };
});

afterAll(async () => {
  await test.stop();
});

describe('fluentd forward protocol', () => {
  const modes = ['Message', 'Forward', 'PackedForward', 'CompressedPackedForward'] as const;
  // 100 000 events per mode. Message mode is one event per frame and, with acks, one chunk per
  // event: the ingest service commits the chunks waiting meanwhile together (one transaction per
  // group, not per event), which is what makes this many affordable here.
  const EVENTS_PER_MODE = 100_000;
  /** Length of a numeric field's array and its samples from `from` on. */
  const samples = async (field: string, from = 0) => {
    try {
      const array = await ChannelArray.open(test.server.store.documents, `array/${source.id}/${field}`);
      return { length: array.length, ...(await array.read(from, array.length)) };
    } catch {
      return { length: 0, times: new Float64Array(), values: new Float32Array() };
    }
  };

  it.each(modes.map((mode, index) => [mode, index] as const))('%s mode with acks stores every event exactly once', async (mode, index) => {
    const before = await stored();
    const tempBefore = (await samples('temp')).length;
    const powerBefore = (await samples('power')).length;
    const client = new FluentClient('turbine', {
      eventMode: mode,
      // The client drops a connection that is quiet for `timeout` (3 s by default), acks still to
      // come included: committing a 100 000-event chunk can take longer on a busy machine.
      socket: { host: '127.0.0.1', port: test.server.forwardPort, timeout: 90_000 },
      ack: { ackTimeout: 90_000 },
      milliseconds: true,
      flushInterval: 5,
    });
    const base = 1_700_000_000_000 + index * 10_000_000;
    const sent = Array.from({ length: EVENTS_PER_MODE }, (_, event) => client.emit('t07', { temp: 20 + event / 1000, power: event, state: 'run' }, base + event));
    await Promise.all(sent);
    await client.disconnect();
    expect(await stored()).toBe(before + EVENTS_PER_MODE);
    // Every event once, in order, with its own values: nothing lost, nothing doubled.
    const temp = await samples('temp', tempBefore);
    const power = await samples('power', powerBefore);
    expect([temp.length - tempBefore, power.length - powerBefore]).toEqual([EVENTS_PER_MODE, EVENTS_PER_MODE]);
    let wrong = 0;
    for (let event = 0; event < EVENTS_PER_MODE; event++) {
      const time = base + event;
      if (temp.times[event] !== time || temp.values[event] !== Math.fround(20 + event / 1000)) wrong++;
      if (power.times[event] !== time || power.values[event] !== event) wrong++;
    }
    expect(wrong).toBe(0);
  }, 120_000);

  it('refuses unknown tags (no ack), and counts them', async () => {
    const refused = test.server.forward.stats.refusedUnknownTag;
    // A known source's frame after it on the same connection: its ack is the positive signal that
    // the refused frame was handled (frames of a connection are taken in order).
    const frames = Buffer.concat([pack(['nobody.here', [[1_800_000_000, { temp: 1 }]], { chunk: 'abc' }]), pack(['turbine.t07', [[1_800_000_900, { temp: 1 }]], { chunk: 'after-unknown' }])]);
    const { answers } = await rawExchange(frames, { answers: 1 });
    expect(answers).toEqual([{ ack: 'after-unknown' }]);
    expect(test.server.forward.stats.refusedUnknownTag).toBe(refused + 1);
  });

  it('acknowledges a resent chunk again without storing it twice', async () => {
    const frame = pack(['turbine.t07', [[1_800_000_001, { temp: 30 }], [1_800_000_002, { temp: 31 }]], { chunk: 'chunk-resend-1' }]);
    const before = await stored();
    const first = await rawExchange(frame, { answers: 1 });
    const second = await rawExchange(frame, { answers: 1 });
    expect(first.answers).toEqual([{ ack: 'chunk-resend-1' }]);
    expect(second.answers).toEqual(first.answers);
    expect(await stored()).toBe(before + 2);
  });

  it('frames sent together are stored as if one by one: a time repeated in another chunk counts once, a repeated chunk is acknowledged twice and stored once', async () => {
    const before = await stored();
    const frames = Buffer.concat([
      pack(['turbine.t07', [[1_810_000_000, { temp: 1 }], [1_810_000_001, { temp: 2 }]], { chunk: 'together-1' }]),
      pack(['turbine.t07', [[1_810_000_001, { temp: 2 }], [1_810_000_002, { temp: 3 }]], { chunk: 'together-2' }]),
      pack(['turbine.t07', [[1_810_000_000, { temp: 1 }], [1_810_000_001, { temp: 2 }]], { chunk: 'together-1' }]),
      pack(['turbine.t07', 1_810_000_003, { temp: 4 }, { chunk: 'together-3' }]),
    ]);
    const { answers } = await rawExchange(frames, { answers: 4 });
    expect(answers).toEqual([{ ack: 'together-1' }, { ack: 'together-2' }, { ack: 'together-1' }, { ack: 'together-3' }]);
    expect(await stored()).toBe(before + 4);
    const array = await ChannelArray.open(test.server.store.documents, `array/${source.id}/temp`);
    expect([...(await array.read(array.length - 4, array.length)).times]).toEqual([1_810_000_000_000, 1_810_000_001_000, 1_810_000_002_000, 1_810_000_003_000]);
  });

  it.each([
    ['garbage bytes', Buffer.from([0xc1, 0xc1, 0xc1, 0xc1])],
    ['a frame that is not [tag, …]', pack({ tag: 'turbine.t07' })],
    ['wrong types', pack(['turbine.t07', [['yesterday', { temp: 1 }]], { chunk: 'bad-types' }])],
    ['bad gzip', pack(['turbine.t07', Buffer.from('not gzip at all'), { compressed: 'gzip', chunk: 'bad-gzip' }])],
    ['packed entries that are not msgpack', pack(['turbine.t07', gzipSync(Buffer.from([0xc1])), { compressed: 'gzip', chunk: 'bad-entries' }])],
    // Only the headers are sent: what they announce is refused before the rest would arrive.
    ['a frame announcing a PackedForward bin of the frame limit', Buffer.concat([Buffer.from([0x93]), pack('turbine.t07'), header32(0xc6, MAX_FRAME_BYTES)])],
    ['a frame announcing a string of 4 GiB', Buffer.concat([Buffer.from([0x93]), pack('turbine.t07'), header32(0xdb, 0xffff_ffff)])],
    ['a frame announcing 4 billion entries', Buffer.concat([Buffer.from([0x93]), pack('turbine.t07'), header32(0xdd, 0xffff_ffff)])],
    ['a map header announcing 4 billion entries', header32(0xdf, 0xffff_ffff)],
  ])('%s close the connection and store nothing', async (_what, bytes) => {
    const before = await stored();
    const errors = test.server.forward.stats.protocolErrors;
    const { closed, answers } = await rawExchange(bytes);
    expect(closed).toBe(true);
    expect(answers).toEqual([]);
    expect(test.server.forward.stats.protocolErrors).toBe(errors + 1);
    expect(await stored()).toBe(before);
    expect((await call('anonymous', 'GET', '/api/health')).status).toBe(200);
  });

  it('a 100 000-entry Forward-mode frame written in 1 KiB pieces is stored and acknowledged', async () => {
    const before = await stored();
    const tempBefore = (await samples('temp')).length;
    const ENTRIES = 100_000;
    const base = 1_820_000_000_000;
    const entries = Array.from({ length: ENTRIES }, (_, entry) => Buffer.concat([Buffer.from([0x92]), eventTime(base + entry), pack({ temp: entry, state: 'run' })]));
    const frame = Buffer.concat([Buffer.from([0x93]), pack('turbine.t07'), header32(0xdd, ENTRIES), ...entries, pack({ chunk: 'forward-1k-pieces', size: ENTRIES })]);
    // Bigger than a socket read, so the frame spans many reads whatever their sizes.
    expect(frame.length).toBeGreaterThan(2 * 1024 * 1024);
    const { closed, answer } = await piecewiseExchange(frame, 1024, 1);
    expect({ closed, answer }).toEqual({ closed: false, answer: [{ ack: 'forward-1k-pieces' }] });
    expect(await stored()).toBe(before + ENTRIES);
    const temp = await samples('temp', tempBefore);
    expect(temp.length - tempBefore).toBe(ENTRIES);
    let wrong = 0;
    for (let entry = 0; entry < ENTRIES; entry++) if (temp.times[entry] !== base + entry || temp.values[entry] !== entry) wrong++;
    expect(wrong).toBe(0);
  }, 60_000);

  it('frames cut at every byte and sent one byte at a time are each stored and acknowledged once', async () => {
    const before = await stored();
    const frames = Buffer.concat([
      pack(['turbine.t07', [[1_830_000_000, { temp: 1 }], [1_830_000_001, { temp: 2 }]], { chunk: 'bytes-1' }]),
      Buffer.concat([Buffer.from([0x94]), pack('turbine.t07'), eventTime(1_830_000_002_500), pack({ temp: 3 }), pack({ chunk: 'bytes-2' })]),
      pack(['turbine.t07', Buffer.concat([pack([1_830_000_003, { temp: 4 }]), pack([1_830_000_004, { temp: 5 }])]), { chunk: 'bytes-3' }]),
    ]);
    const { answer } = await piecewiseExchange(frames, 1, 3);
    expect(answer).toEqual([{ ack: 'bytes-1' }, { ack: 'bytes-2' }, { ack: 'bytes-3' }]);
    expect(await stored()).toBe(before + 5);
  });

  it('a frame over the frame limit is refused once the limit is passed, before it is complete', async () => {
    const errors = test.server.forward.stats.protocolErrors;
    // A Forward-mode frame of 100 000 entries of 1 KiB: each header fits, the whole does not.
    const entry = Buffer.concat([Buffer.from([0x92]), eventTime(1_840_000_000_000), pack({ temp: 'x'.repeat(1000) })]);
    const start = Buffer.concat([Buffer.from([0x92]), pack('turbine.t07'), header32(0xdd, 100_000)]);
    const block = Buffer.concat(new Array<Buffer>(64).fill(entry));
    const blocks = Math.ceil(MAX_FRAME_BYTES / block.length) + 2;
    const closed = await new Promise<boolean>((resolve) => {
      const socket = net.connect(test.server.forwardPort, '127.0.0.1');
      socket.on('close', () => resolve(true));
      socket.on('error', () => undefined);
      socket.write(start);
      let sent = 0;
      const write = () => {
        if (socket.destroyed) return;
        // Past the limit and a little more: the server must close; if it never does, the bound fails the test.
        if (sent++ === blocks) return setTimeout(() => resolve(socket.destroyed), EXCHANGE_BOUND_MS);
        socket.write(block, write);
      };
      write();
    });
    expect(closed).toBe(true);
    expect(test.server.forward.stats.protocolErrors).toBe(errors + 1);
  }, 60_000);

  it('a truncated frame stores nothing when the connection drops', async () => {
    const before = await stored();
    const frame = pack(['turbine.t07', [[1_800_000_100, { temp: 5 }]], { chunk: 'truncated' }]);
    // We half-close after the partial frame: the server closes in turn, having kept nothing of it.
    const { closed, answers } = await rawExchange(frame.subarray(0, frame.length - 3), { end: true });
    expect(closed).toBe(true);
    expect(answers).toEqual([]);
    expect(await stored()).toBe(before);
  });
});

describe('group commit in the ingest service', () => {
  /** A service over the test server's database that counts every transaction it opens. */
  function countingService(): { service: IngestService; transactions: () => number } {
    const store = test.server.store;
    let transactions = 0;
    const driver: SqlDriver = {
      dialect: store.driver.dialect,
      transaction: (work) => {
        transactions++;
        return store.driver.transaction(work);
      },
      close: () => Promise.resolve(),
    };
    const counted: Store = { backend: store.backend, documents: new SqlStorage(driver), accounts: store.accounts, ingestions: new IngestLog(driver), driver, schemaVersion: () => store.schemaVersion(), ping: () => store.ping(), close: () => store.close() };
    return { service: new IngestService(counted, { timeWindow: FIXTURE_WINDOW }), transactions: () => transactions };
  }

  const event = (seconds: number, temp: number) => ({ time: seconds * 1000, record: { temp } });

  async function newSource(tag: string): Promise<Source> {
    return (await (await call('admin', 'POST', '/api/sources', { tag })).json()) as Source;
  }

  async function temps(sourceId: string): Promise<number[]> {
    const array = await ChannelArray.open(test.server.store.documents, `array/${sourceId}/temp`);
    return [...(await array.read(0, array.length)).times];
  }

  it('batches handed in together are committed together, each with its own record and result (Message mode was one transaction per event)', async () => {
    const { service, transactions } = countingService();
    const grouped = await newSource('group.many');
    const results = await Promise.all(Array.from({ length: 300 }, (_, index) => service.ingest(grouped, `one-${index}`, [event(1_900_000_000 + index, index)], pack(index))));
    expect(results.every((result) => result.status === 'stored' && result.events === 1)).toBe(true);
    // A few to create the array, then one read and one write transaction for the whole group
    // (one by one: three per batch).
    expect(transactions()).toBeLessThanOrEqual(10);
    expect(await sourcesEventsStored(grouped.id)).toBe(300);
    expect((await test.server.store.ingestions.records(grouped.id)).length).toBe(300);
    expect(await temps(grouped.id)).toEqual(Array.from({ length: 300 }, (_, index) => (1_900_000_000 + index) * 1000));
  });

  it('a batch that fails does not take the others of its group down; a time repeated across batches counts once', async () => {
    const { service } = countingService();
    const grouped = await newSource('group.bad');
    const settled = await Promise.allSettled([
      service.ingest(grouped, 'g1', [event(1_900_000_001, 1), event(1_900_000_002, 2)], pack('g1')),
      service.ingest(grouped, 'g2', [event(1_900_000_002, 2), event(1_900_000_003, 3)], pack('g2')),
      // A field whose name cannot name a channel (too long for an id) fails its batch inside the group.
      service.ingest(grouped, 'bad', [{ time: 1_900_000_009_000, record: { temp: 9, ['x'.repeat(2000)]: 9 } }], pack('bad')),
      service.ingest(grouped, 'g1', [event(1_900_000_001, 1), event(1_900_000_002, 2)], pack('g1')),
      service.ingest(grouped, 'g3', [event(1_900_000_001, 1), event(1_900_000_004, 4)], pack('g3')),
    ]);
    expect(settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'failed'))).toMatchObject([
      { status: 'stored', events: 2, late: 0 },
      { status: 'stored', events: 1, late: 0 },
      'failed',
      { status: 'duplicate', events: 0, late: 0 },
      { status: 'stored', events: 1, late: 0 },
    ]);
    expect(await sourcesEventsStored(grouped.id)).toBe(4);
    expect(await temps(grouped.id)).toEqual([1_900_000_001_000, 1_900_000_002_000, 1_900_000_003_000, 1_900_000_004_000]);
    // The channel document of the array the failed group created is written with the retried batches.
    expect((await test.server.store.documents.get(`channel/${grouped.id}/temp`)).title).toBe('temp');
  });

  it('late events are judged against earlier batches of the same group, as one by one', async () => {
    const { service } = countingService();
    const grouped = await newSource('group.late');
    const results = await Promise.all([
      service.ingest(grouped, 'newer', [event(1_900_000_010, 10), event(1_900_000_011, 11)], pack('newer')),
      service.ingest(grouped, 'older', [event(1_900_000_005, 5), event(1_900_000_012, 12)], pack('older')),
    ]);
    expect(results).toMatchObject([
      { status: 'stored', events: 2, late: 0 },
      { status: 'stored', events: 2, late: 1 },
    ]);
    expect(await sourcesEventsStored(grouped.id)).toBe(4);
    expect(await temps(grouped.id)).toEqual([1_900_000_010_000, 1_900_000_011_000, 1_900_000_012_000]);
  });
});

describe('forward protocol handshake (FORWARD_SECURITY=1)', () => {
  let secure: TestServer;
  let secured: { id: string; tag: string; shared_key: string };
  const secureTokens: Record<string, string | undefined> = {};
  const secureCall = apiCaller(() => secure, secureTokens);

  beforeAll(async () => {
    secure = await startTestServer({ FORWARD_SECURITY: '1' });
    secureTokens.admin = await secure.login('admin', ADMIN_PASSWORD);
    secured = (await (await secureCall('admin', 'POST', '/api/sources', { tag: 'plant.inverter3' })).json()) as typeof secured;
    await secureCall('admin', 'POST', '/api/sources', { tag: 'plant.other' });
  });

  afterAll(async () => {
    await secure.stop();
  });

  it('the fluentd client with the source shared key is accepted and acknowledged', async () => {
    const client = new FluentClient('plant', {
      eventMode: 'PackedForward',
      socket: { host: '127.0.0.1', port: secure.server.forwardPort },
      security: { clientHostname: 'inverter3-agent', sharedKey: secured.shared_key },
      ack: { ackTimeout: 30_000 },
      milliseconds: true,
    });
    await Promise.all(Array.from({ length: 200 }, (_, index) => client.emit('inverter3', { dc_voltage: 600 + index }, 1_750_000_000_000 + index)));
    await client.disconnect();
    const source = (await (await secureCall('admin', 'GET', `/api/sources/${encodeURIComponent(secured.id)}`)).json()) as { events_stored: number };
    expect(source.events_stored).toBe(200);
  }, 60_000);

  it('a wrong shared key gets PONG false and the connection closed; frames before PING are not taken', async () => {
    const { unpackMultiple } = await import('msgpackr');
    const messages: unknown[] = [];
    await new Promise<void>((resolve) => {
      const socket = net.connect(secure.server.forwardPort, '127.0.0.1');
      socket.on('data', (data: Buffer) => {
        for (const message of unpackMultiple(data) as unknown[]) {
          messages.push(message);
          if (Array.isArray(message) && message[0] === 'HELO') socket.write(pack(['PING', 'intruder', 'salt', 'f'.repeat(128), '', '']));
        }
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    expect((messages[0] as [string])[0]).toBe('HELO');
    expect(messages[1]).toEqual(['PONG', false, 'shared key mismatch', expect.any(String), '']);
    expect(secure.server.forward.stats.refusedHandshakes).toBe(1);
    const { closed } = await new Promise<{ closed: boolean }>((resolve) => {
      const socket = net.connect(secure.server.forwardPort, '127.0.0.1');
      socket.on('data', () => socket.write(pack(['plant.inverter3', [[1_800_000_000, { dc_voltage: 1 }]], { chunk: 'no-ping' }])));
      socket.on('close', () => resolve({ closed: true }));
      socket.on('error', () => undefined);
    });
    expect(closed).toBe(true);
  });
});

describe('UDP heartbeats (out_forward heartbeat_type udp)', () => {
  /**
   * Sends one heartbeat datagram (out_forward sends a zero byte) from a connected UDP socket;
   * resolves with the reply, or 'refused' when nothing listens on the port (the kernel's ICMP
   * port-unreachable comes back as ECONNREFUSED on a connected socket).
   */
  function heartbeat(port: number): Promise<Buffer | 'refused' | 'no answer'> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      const finish = (outcome: Buffer | 'refused' | 'no answer') => {
        clearTimeout(timer);
        socket.close();
        resolve(outcome);
      };
      const timer = setTimeout(() => finish('no answer'), EXCHANGE_BOUND_MS);
      socket.on('message', (message) => finish(message));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') finish('refused');
      });
      socket.connect(port, '127.0.0.1', () => socket.send(Buffer.from([0])));
    });
  }

  it('answers a datagram on the forward port with one zero byte, as in_forward does', async () => {
    const answered = test.server.forward.stats.heartbeats;
    expect(await heartbeat(test.server.forwardPort)).toEqual(Buffer.from([0]));
    expect(await heartbeat(test.server.forwardPort)).toEqual(Buffer.from([0]));
    expect(test.server.forward.stats.heartbeats).toBe(answered + 2);
  });

  it('stops answering when the server closes, and frees the UDP port', async () => {
    const other = await startTestServer();
    const port = other.server.forwardPort;
    expect(await heartbeat(port)).toEqual(Buffer.from([0]));
    await other.stop();
    expect(await heartbeat(port)).toBe('refused');
    const rebound = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      rebound.once('error', reject);
      rebound.bind(port, '127.0.0.1', resolve);
    });
    rebound.close();
  });
});
