// Integrity of ingested data on every path (HTTP msgpack, JSON lines, CSV, CSV uploads, the
// forward protocol): field names that are Object.prototype members or __proto__ are fields like any
// other; a batch key (Idempotency-Key, upload piece, chunk id) sent again with other content is
// refused, never answered as a duplicate; event times outside the accepted window are refused
// (HTTP, uploads) or skipped and counted (forward); events of one batch sharing a time are merged;
// CSV export never fails on a time. On SQLite and on PostgreSQL.
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { ConfigError, loadConfig } from '../../src/server/config';
import { IngestService, KeyReusedError } from '../../src/server/ingest/ingest-service';
import { Sources, type Source } from '../../src/server/ingest/sources';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { forwardExchange, type ForwardExchange } from '../support/forward-client';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);

/** Field names that a plain object answers with Object.prototype's members, or that set a prototype. */
const POISON = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'prototype'] as const;
/** A record with every poison field (own keys, `__proto__` too, as JSON.parse makes it) and its value. */
const poisonRecord = (base: number): Record<string, number> => JSON.parse(`{${POISON.map((field, index) => `"${field}": ${base + index}`).join(', ')}}`) as Record<string, number>;
/** Units for each poison field, as a source registers them. */
const poisonUnits = (): Record<string, string> => JSON.parse(`{${POISON.map((field, index) => `"${field}": "u${index}"`).join(', ')}}`) as Record<string, string>;

/** Recent, genuine times (the window accepts up to a day ahead of now). */
const T0 = Math.floor(Date.now() / 1000) - 3600;

type Registered = Source & { token: string };

let serial = 0;
/** A source registered directly (POST /api/sources refuses a `__proto__` key in a body, see below). */
async function newSource(units: Record<string, string> = poisonUnits()): Promise<Registered> {
  return new Sources(test.server.store.driver).create({ tag: `integrity.${++serial}`, site: 'site/I', units });
}

function ingest(source: Registered, body: Uint8Array | string, contentType: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${test.server.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${source.token}`, 'content-type': contentType, ...headers },
    body: body as BodyInit,
  });
}

const arrayId = (source: Source, field: string): string => `array/${source.id}/${encodeURIComponent(field)}`;

/** Times and values of a field's array (empty when it has none). */
async function samples(source: Source, field: string): Promise<{ times: number[]; values: number[]; unit: string | undefined }> {
  let array: ChannelArray;
  try {
    array = await ChannelArray.open(test.server.store.documents, arrayId(source, field));
  } catch {
    return { times: [], values: [], unit: undefined };
  }
  const { times, values } = await array.read(0, array.length);
  return { times: [...times], values: [...values], unit: array.meta.unit };
}

async function eventsStored(source: Source): Promise<number> {
  return new Sources(test.server.store.driver).eventsStored(source.id);
}

/** Every poison field has its own channel with its unit and its values; nothing went to `__proto_`. */
async function expectPoisonChannels(source: Source, times: number[], bases: number[]): Promise<void> {
  for (const [index, field] of POISON.entries()) {
    const stored = await samples(source, field);
    expect(stored, field).toEqual({ times, values: bases.map((base) => base + index), unit: `u${index}` });
    const channel = await test.server.store.documents.get(`channel/${source.id}/${encodeURIComponent(field)}`);
    expect(channel, field).toMatchObject({ title: field, unit: `u${index}`, array: arrayId(source, field) });
  }
  expect((await samples(source, '__proto_')).times).toEqual([]);
}

/** Frames on a new connection to the test server's forward port; resolves once `acks` answers came, or at the close. */
const forward = (frames: Buffer[], acks: number): Promise<ForwardExchange> => forwardExchange(test.server.forwardPort, Buffer.concat(frames), { answers: acks });

interface UploadView {
  id: string;
  source: string;
  byte_offset: number;
  events: number;
  piece?: { status: string; events: number; late: number; resent: number; dropped_same_time: number };
}

async function startUpload(text: string): Promise<UploadView> {
  const header = text.slice(0, text.indexOf('\n'));
  const response = await call('admin', 'POST', '/api/uploads', { name: 'i.csv', size: Buffer.byteLength(text), fingerprint: `fp-${++serial}`, header, header_bytes: Buffer.byteLength(header) + 1 });
  expect(response.status).toBe(201);
  return (await response.json()) as UploadView;
}

const putPiece = (upload: UploadView, offset: number, bytes: Uint8Array): Promise<Response> =>
  call('admin', 'PUT', `/api/uploads/${encodeURIComponent(upload.id)}/data?offset=${offset}`, bytes, { 'content-type': 'text/csv' });

const uploadSource = async (upload: UploadView): Promise<Source> => (await new Sources(test.server.store.driver).get(upload.source))!;

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

/** The backend's part of a server's environment. */
let backendEnv: () => Record<string, string>;

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
] as Array<[string, () => Record<string, string>]>)('ingest integrity on %s', (_backend, env) => {
  beforeAll(async () => {
    backendEnv = env;
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await test.stop();
  });

  describe('fields named constructor, toString, valueOf, hasOwnProperty, __proto__, prototype', () => {
    it('are stored from an HTTP msgpack batch, each as its own channel with its unit', async () => {
      const source = await newSource();
      const response = await ingest(source, Buffer.concat([pack([T0, poisonRecord(10)]), pack([T0 + 1, poisonRecord(20)])]), 'application/x-msgpack');
      expect(response.status).toBe(204);
      expect(response.headers.get('x-fieldline-events')).toBe('2');
      await expectPoisonChannels(source, [T0 * 1000, (T0 + 1) * 1000], [10, 20]);
    });

    it('are stored when the source names no unit for them: they get none (not Object.prototype members)', async () => {
      const source = await newSource({ temp: '°C' });
      const response = await ingest(source, JSON.stringify([T0, { temp: 1, ...poisonRecord(90) }]), 'application/x-ndjson');
      expect(response.status).toBe(204);
      expect(response.headers.get('x-fieldline-events')).toBe('1');
      expect(await samples(source, 'temp')).toEqual({ times: [T0 * 1000], values: [1], unit: '°C' });
      for (const [index, field] of POISON.entries()) {
        expect(await samples(source, field), field).toEqual({ times: [T0 * 1000], values: [90 + index], unit: undefined });
        expect(await test.server.store.documents.get(`channel/${source.id}/${encodeURIComponent(field)}`), field).toMatchObject({ title: field, unit: '' });
      }
    });

    it('are stored from a msgpack map with the time in it ({time, …fields})', async () => {
      const source = await newSource();
      const record = Object.assign(poisonRecord(30), { time: T0 });
      expect((await ingest(source, pack(record), 'application/x-msgpack')).status).toBe(204);
      await expectPoisonChannels(source, [T0 * 1000], [30]);
    });

    it('are stored from JSON lines and from a CSV body', async () => {
      const lines = await newSource();
      const body = [JSON.stringify([T0, poisonRecord(40)]), `{"time": ${T0 + 1}, ${POISON.map((field, index) => `"${field}": ${50 + index}`).join(', ')}}`].join('\n');
      expect((await ingest(lines, body, 'application/x-ndjson')).status).toBe(204);
      await expectPoisonChannels(lines, [T0 * 1000, (T0 + 1) * 1000], [40, 50]);
      const csv = await newSource();
      const text = `time,${POISON.join(',')}\n${T0},${POISON.map((_, index) => 60 + index).join(',')}\n`;
      expect((await ingest(csv, text, 'text/csv')).status).toBe(204);
      await expectPoisonChannels(csv, [T0 * 1000], [60]);
    });

    it('are stored from a CSV upload, with the units of its header', async () => {
      const text = `time,${POISON.map((field, index) => `${field} [u${index}]`).join(',')}\n${T0},${POISON.map((_, index) => 70 + index).join(',')}\n`;
      const upload = await startUpload(text);
      const response = await putPiece(upload, upload.byte_offset, Buffer.from(text).subarray(upload.byte_offset));
      expect(response.status).toBe(200);
      await expectPoisonChannels(await uploadSource(upload), [T0 * 1000], [70]);
    });

    it.each(['Message', 'Forward', 'PackedForward'] as const)('are stored and acknowledged from a forward-protocol frame (%s mode)', async (mode) => {
      const source = await newSource();
      const frame =
        mode === 'Message'
          ? pack([source.tag, T0, poisonRecord(80), { chunk: `poison-${mode}` }])
          : mode === 'Forward'
            ? pack([source.tag, [[T0, poisonRecord(80)]], { chunk: `poison-${mode}` }])
            : pack([source.tag, pack([T0, poisonRecord(80)]), { chunk: `poison-${mode}` }]);
      expect((await forward([frame], 1)).answers).toEqual([{ ack: `poison-${mode}` }]);
      await expectPoisonChannels(source, [T0 * 1000], [80]);
    });

    it('units: a source keeps a unit for each of those names; POST /api/sources refuses a __proto__ key clearly', async () => {
      const units = poisonUnits();
      const source = await newSource(units);
      const again = (await new Sources(test.server.store.driver).get(source.id))!;
      expect(Object.keys(again.units).sort()).toEqual([...POISON].sort());
      // Fastify refuses a JSON body with a __proto__ key (prototype poisoning) with a 400 of its own.
      const refused = await call('admin', 'POST', '/api/sources', `{"tag": "integrity.api", "units": {"__proto__": "x"}}`, { 'content-type': 'application/json' });
      expect(refused.status).toBe(400);
      const created = await call('admin', 'POST', '/api/sources', { tag: 'integrity.api', units: { constructor: '°C', toString: 'kW' } });
      expect(created.status).toBe(201);
    });

    it('a field name that cannot name a channel refuses an HTTP batch (400 naming it); the forward protocol skips its values and stores the rest', async () => {
      const source = await newSource({});
      const long = 'x'.repeat(2000);
      for (const body of [`{"time": ${T0}, "ok": 1, "\\ud800": 2}`, `{"time": ${T0}, "ok": 1, "${long}": 2}`, `{"time": ${T0}, "ok": 1, "a\\u0000b": 2}`]) {
        const response = await ingest(source, body, 'application/x-ndjson');
        expect(response.status).toBe(400);
        expect(((await response.json()) as { detail: string }).detail).toMatch(/cannot name a channel/);
      }
      expect(await eventsStored(source)).toBe(0);
      const skipped = test.server.forward.stats.refusedUnnamable;
      const frame = pack([source.tag, [[T0, { ok: 1, [long]: 2 }]], { chunk: 'unnamable' }]);
      expect((await forward([frame], 1)).answers).toEqual([{ ack: 'unnamable' }]);
      expect(test.server.forward.stats.refusedUnnamable).toBe(skipped + 1);
      expect((await samples(source, 'ok')).values).toEqual([1]);
    });
  });

  describe('a batch key sent again with other content', () => {
    it('Idempotency-Key: the same body is a duplicate; another body is 409 and nothing of it is stored', async () => {
      const source = await newSource({});
      const first = `{"time": ${T0}, "temp": 1}\n`;
      expect((await ingest(source, first, 'application/x-ndjson', { 'idempotency-key': 'batch-7' })).headers.get('x-fieldline-batch')).toBe('stored');
      expect((await ingest(source, first, 'application/x-ndjson', { 'idempotency-key': 'batch-7' })).headers.get('x-fieldline-batch')).toBe('duplicate');
      const other = await ingest(source, `{"time": ${T0 + 1}, "temp": 2}\n`, 'application/x-ndjson', { 'idempotency-key': 'batch-7' });
      expect(other.status).toBe(409);
      const body = (await other.json()) as { error: string; detail: string };
      expect(body.error).toBe('conflict');
      expect(body.detail).toMatch(/"batch-7" was used before for a batch with other content/);
      expect(await eventsStored(source)).toBe(1);
      expect((await samples(source, 'temp')).values).toEqual([1]);
    });

    it('two batches of one group under one key with other bytes: the first is stored, the second refused', async () => {
      const source = await newSource({});
      const service = new IngestService(test.server.store);
      // Handed in together, so they are stored as one group.
      const [first, second] = await Promise.allSettled([
        service.ingest(source, 'key:same', [{ time: T0 * 1000, record: { temp: 1 } }], Buffer.from('a'), 'jsonl'),
        service.ingest(source, 'key:same', [{ time: (T0 + 1) * 1000, record: { temp: 2 } }], Buffer.from('b'), 'jsonl'),
      ]);
      expect(first).toMatchObject({ status: 'fulfilled', value: { status: 'stored', events: 1 } });
      expect(second.status).toBe('rejected');
      expect((second as PromiseRejectedResult).reason).toBeInstanceOf(KeyReusedError);
      expect((await samples(source, 'temp')).values).toEqual([1]);
    });

    it('an upload piece: the same bytes are acknowledged again; other bytes at the same offset and length are 409', async () => {
      const text = `time,v\n${T0},1\n${T0 + 1},2\n`;
      const upload = await startUpload(text);
      const bytes = Buffer.from(text).subarray(upload.byte_offset);
      const first = await putPiece(upload, upload.byte_offset, bytes);
      expect(first.status).toBe(200);
      expect(((await first.json()) as UploadView).piece).toMatchObject({ status: 'stored', events: 2 });
      const again = await putPiece(upload, upload.byte_offset, bytes);
      expect(again.status).toBe(200);
      expect(((await again.json()) as UploadView).piece).toMatchObject({ status: 'duplicate', events: 0 });
      const changed = Buffer.from(`${T0},7\n${T0 + 1},8\n`);
      expect(changed.length).toBe(bytes.length);
      const other = await putPiece(upload, upload.byte_offset, changed);
      expect(other.status).toBe(409);
      expect(((await other.json()) as { detail: string }).detail).toMatch(/acknowledged with other content/);
      expect((await samples(await uploadSource(upload), 'v')).values).toEqual([1, 2]);
    });

    it('a forward chunk id: no ack, the connection closed, counted; nothing stored; the original is acknowledged again', async () => {
      const source = await newSource({});
      const original = pack([source.tag, [[T0, { temp: 1 }]], { chunk: 'chunk-reused' }]);
      expect((await forward([original], 1)).answers).toEqual([{ ack: 'chunk-reused' }]);
      const refused = test.server.forward.stats.refusedChunkReuse;
      const other = await forward([pack([source.tag, [[T0 + 1, { temp: 2 }]], { chunk: 'chunk-reused' }])], 1);
      expect(other).toEqual({ closed: true, answers: [] });
      expect(test.server.forward.stats.refusedChunkReuse).toBe(refused + 1);
      expect((await forward([original], 1)).answers).toEqual([{ ack: 'chunk-reused' }]);
      expect(await eventsStored(source)).toBe(1);
      expect((await samples(source, 'temp')).values).toEqual([1]);
    });
  });

  describe('event times outside the accepted window', () => {
    it('refuse a whole HTTP batch (msgpack, JSON lines, CSV) with 400 naming the event or line; genuine events after are not late', async () => {
      const source = await newSource({});
      const cases: Array<[Uint8Array | string, string, RegExp]> = [
        [Buffer.concat([pack([T0, { temp: 1 }]), pack([4e12, { temp: 2 }])]), 'application/x-msgpack', /^event 1: the time 2096-.* is after/],
        [`{"time": ${T0}, "temp": 1}\n{"time": -1e300, "temp": 2}\n`, 'application/x-ndjson', /^line 2: the time -1e\+300 ms since 1970 is before 1970-01-01T00:00:00.000Z/],
        [`time,temp\n${T0},1\n${T0 + 1},2\n4000000000000000,3\n`, 'text/csv', /line 4: the time .* is after/],
      ];
      for (const [body, type, detail] of cases) {
        const response = await ingest(source, body, type);
        expect(response.status, type).toBe(400);
        expect(((await response.json()) as { detail: string }).detail, type).toMatch(detail);
      }
      expect(await eventsStored(source)).toBe(0);
      const genuine = await ingest(source, `{"time": ${T0}, "temp": 1}\n{"time": ${T0 + 1}, "temp": 2}\n`, 'application/x-ndjson');
      expect([genuine.status, genuine.headers.get('x-fieldline-events'), genuine.headers.get('x-fieldline-late')]).toEqual([204, '2', '0']);
    });

    it('refuse an upload piece with 400 naming the line, and nothing of it is stored', async () => {
      const text = `time,v\n${T0},1\n${4e12},2\n`;
      const upload = await startUpload(text);
      const response = await putPiece(upload, upload.byte_offset, Buffer.from(text).subarray(upload.byte_offset));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/line 3: the time .* is after/);
      expect(await eventsStored(await uploadSource(upload))).toBe(0);
    });

    it('forward protocol: the frame is acknowledged, its other events stored, the refused ones counted; later events are not late, and a rebuild leaves them out', async () => {
      const source = await newSource({});
      const skipped = test.server.forward.stats.refusedOutOfWindow;
      const frames = [
        pack([source.tag, [[T0, { temp: 1 }], [4e12, { temp: 99 }], [T0 + 2, { temp: 3 }]], { chunk: 'window-1' }]),
        // Older than the array's last sample: late, so that the rebuild below runs.
        pack([source.tag, [[T0 + 1, { temp: 2 }]], { chunk: 'window-2' }]),
        pack([source.tag, [[T0 + 3, { temp: 4 }]], { chunk: 'window-3' }]),
      ];
      expect((await forward(frames, 3)).answers).toEqual([{ ack: 'window-1' }, { ack: 'window-2' }, { ack: 'window-3' }]);
      expect(test.server.forward.stats.refusedOutOfWindow).toBe(skipped + 1);
      expect(await eventsStored(source)).toBe(4);
      expect((await samples(source, 'temp')).times).toEqual([T0, T0 + 2, T0 + 3].map((second) => second * 1000));
      const rebuilt = await call('admin', 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`);
      expect(rebuilt.status).toBe(200);
      expect(await rebuilt.json()).toMatchObject({ merged: 1 });
      expect(await samples(source, 'temp')).toMatchObject({ times: [0, 1, 2, 3].map((second) => (T0 + second) * 1000), values: [1, 2, 3, 4] });
    });

    it('the window comes from INGEST_MIN_TIME and INGEST_MAX_FUTURE_MS, validated', async () => {
      expect(loadConfig({}, '/srv').ingestTimeWindow).toEqual({ minTime: 0, maxFutureMs: 86_400_000 });
      expect(loadConfig({ INGEST_MIN_TIME: '2000-01-01', INGEST_MAX_FUTURE_MS: '60000' }, '/srv').ingestTimeWindow).toEqual({ minTime: Date.UTC(2000, 0, 1), maxFutureMs: 60_000 });
      for (const env of [{ INGEST_MIN_TIME: '946684800000' }, { INGEST_MIN_TIME: 'yesterday' }, { INGEST_MIN_TIME: '2999-01-01' }, { INGEST_MAX_FUTURE_MS: '-1' }, { INGEST_MAX_FUTURE_MS: '1.5' }, { INGEST_MAX_FUTURE_MS: '1e20' }]) {
        expect(() => loadConfig(env, '/srv'), JSON.stringify(env)).toThrow(ConfigError);
      }
      const strict = await startTestServer({ ...backendEnv(), INGEST_MIN_TIME: '2000-01-01', INGEST_MAX_FUTURE_MS: '0' });
      try {
        const source = await new Sources(strict.server.store.driver).create({ tag: 'strict' });
        const send = (seconds: number) =>
          fetch(`${strict.server.url}/api/ingest?reference=strict`, { method: 'POST', headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' }, body: `{"time": ${seconds}, "v": 1}` });
        expect((await send(Date.UTC(1999, 11, 31) / 1000)).status).toBe(400);
        expect((await send(Date.now() / 1000 + 60)).status).toBe(400);
        expect((await send(Date.UTC(2000, 0, 2) / 1000)).status).toBe(204);
      } finally {
        await strict.stop();
      }
    });

    it('CSV export writes a time no Date holds as its number of ms instead of failing', async () => {
      const id = `array/integrity-${++serial}`;
      expect((await call('admin', 'POST', '/api/arrays', { id, timing: 'explicit', site: 'site/I' })).status).toBe(201);
      expect((await call('admin', 'POST', `/api/arrays/${encodeURIComponent(id)}/values`, { times: [-1e300, 0, 1e300], values: [1, 2, 3] })).status).toBe(200);
      const csv = await call('admin', 'GET', `/api/arrays/${encodeURIComponent(id)}/values?format=csv`);
      expect(csv.status).toBe(200);
      expect((await csv.text()).trim().split('\n')).toEqual(['time,value', '-1e+300,1', '1970-01-01T00:00:00.000Z,2', '1e+300,3']);
    });
  });

  describe('events of one batch that share a time', () => {
    it('are one instant: different fields are all kept, a second value for a field is dropped and counted; a later batch at that time is a resend', async () => {
      const source = await newSource({});
      const body = [
        { time: T0, temp: 1 },
        { time: T0, power: 10 },
        { time: T0 + 1, temp: 2 },
        { time: T0 + 1, temp: 5 }, // the same field again at the same time: dropped
        { time: T0 + 1, temp: 2 }, // the same value again: nothing lost
      ]
        .map((event) => JSON.stringify(event))
        .join('\n');
      const response = await ingest(source, body, 'application/x-ndjson');
      expect(response.status).toBe(204);
      expect([response.headers.get('x-fieldline-events'), response.headers.get('x-fieldline-dropped-same-time'), response.headers.get('x-fieldline-resent')]).toEqual(['2', '1', '0']);
      expect(await samples(source, 'temp')).toMatchObject({ times: [T0 * 1000, (T0 + 1) * 1000], values: [1, 2] });
      expect(await samples(source, 'power')).toMatchObject({ times: [T0 * 1000], values: [10] });
      // An instant stored by an earlier batch is not written again (exactly once per source and time).
      const later = await ingest(source, JSON.stringify({ time: T0, humidity: 40 }), 'application/x-ndjson');
      expect([later.headers.get('x-fieldline-events'), later.headers.get('x-fieldline-resent')]).toEqual(['0', '1']);
      expect((await samples(source, 'humidity')).times).toEqual([]);
    });

    it('in a CSV upload: rows at one time with different columns filled are merged (an empty cell gives no value)', async () => {
      const text = `time,temp,power\n${T0},1,\n${T0},,10\n${T0 + 1},2,20\n${T0 + 1},3,20\n`;
      const upload = await startUpload(text);
      const response = await putPiece(upload, upload.byte_offset, Buffer.from(text).subarray(upload.byte_offset));
      expect(response.status).toBe(200);
      expect(((await response.json()) as UploadView).piece).toEqual({ status: 'stored', events: 2, late: 0, resent: 0, dropped_same_time: 1 });
      const source = await uploadSource(upload);
      expect(await samples(source, 'temp')).toMatchObject({ values: [1, 2] });
      expect(await samples(source, 'power')).toMatchObject({ values: [10, 20] });
    });

    it('a rebuild merges them the same way', async () => {
      const source = await newSource({});
      expect((await ingest(source, JSON.stringify({ time: T0 + 5, temp: 5, power: 50 }), 'application/x-ndjson')).status).toBe(204);
      // Late for both fields, given as two events of one instant.
      const late = await ingest(source, [{ time: T0, temp: 1 }, { time: T0, power: 10 }].map((event) => JSON.stringify(event)).join('\n'), 'application/x-ndjson');
      expect(late.headers.get('x-fieldline-late')).toBe('1');
      expect((await call('admin', 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`)).status).toBe(200);
      expect(await samples(source, 'temp')).toMatchObject({ times: [T0 * 1000, (T0 + 5) * 1000], values: [1, 5] });
      expect(await samples(source, 'power')).toMatchObject({ times: [T0 * 1000, (T0 + 5) * 1000], values: [10, 50] });
    });
  });
});
