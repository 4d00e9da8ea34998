// HTTP ingestion: data sources, msgpack / JSON lines / CSV batches, exactly-once by batch key and
// by (source, event time), bad input that stores nothing, and the data landing in channel arrays.
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);
let source: { id: string; tag: string; token: string };

/** fluentd's EventTime: msgpack ext type 0 with big-endian seconds and nanoseconds. */
function eventTime(seconds: number, nanos: number): Buffer {
  const ext = Buffer.alloc(10);
  ext[0] = 0xd7; // fixext 8
  ext[1] = 0x00; // type 0
  ext.writeUInt32BE(seconds, 2);
  ext.writeUInt32BE(nanos, 6);
  return ext;
}

function ingest(body: Uint8Array | string, contentType: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${test.server.url}/api/ingest?reference=${encodeURIComponent(source.tag)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${source.token}`, 'content-type': contentType, ...headers },
    body: body as BodyInit,
  });
}

async function stored(): Promise<number> {
  return ((await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`)).json()) as { events_stored: number }).events_stored;
}

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  const response = await call('admin', 'POST', '/api/sources', { tag: 'turbine.t07', site: 'site/T07', asset: 'asset/T07', units: { temp: '°C' } });
  expect(response.status).toBe(201);
  source = (await response.json()) as typeof source;
});

afterAll(async () => {
  await test.stop();
});

describe('HTTP ingest', () => {
  it('stores a msgpack batch of [time, record] pairs once, and a resent one not again', async () => {
    expect(await stored()).toBe(0);
    const body = Buffer.concat([
      pack([1_700_000_000, { temp: 21.5, power: 1200, status: 'ok' }]),
      pack([1_700_000_001, { temp: 21.6, power: 1210, status: 'ok' }]),
      Buffer.concat([Buffer.from([0x92]), eventTime(1_700_000_002, 500_000_000), pack({ temp: 21.7, power: 1190 })]),
    ]);
    const first = await ingest(body, 'application/x-msgpack');
    expect(first.status).toBe(204);
    expect(first.headers.get('x-fieldline-batch')).toBe('stored');
    expect(first.headers.get('x-fieldline-events')).toBe('3');
    const again = await ingest(body, 'application/x-msgpack');
    expect(again.status).toBe(204);
    expect(again.headers.get('x-fieldline-batch')).toBe('duplicate');
    expect(await stored()).toBe(3);
    const temp = `/api/arrays/${encodeURIComponent(`array/${source.id}/temp`)}`;
    const csv = await (await call('admin', 'GET', `${temp}/values?format=csv`)).text();
    expect(csv.trim().split('\n')).toEqual([
      'time,value',
      `2023-11-14T22:13:20.000Z,${Math.fround(21.5)}`,
      `2023-11-14T22:13:21.000Z,${Math.fround(21.6)}`,
      `2023-11-14T22:13:22.500Z,${Math.fround(21.7)}`,
    ]);
    const meta = (await (await call('admin', 'GET', temp)).json()) as { unit: string; site: string };
    expect(meta).toMatchObject({ unit: '°C', site: 'site/T07' });
    const channels = (await (await call('admin', 'GET', '/api/channels')).json()) as { rows: Array<{ doc: { title: string; asset: string } }> };
    expect(channels.rows.map((row) => row.doc.title).sort()).toEqual(['power', 'temp']);
  });

  it('counts a resent event inside a new batch once (same source and event time)', async () => {
    const lines = [JSON.stringify([1_700_000_002.5, { temp: 21.7 }]), JSON.stringify({ time: 1_700_000_003, temp: 21.8, power: 1180 })].join('\n');
    const response = await ingest(lines, 'application/x-ndjson');
    expect(response.headers.get('x-fieldline-events')).toBe('1');
    expect(await stored()).toBe(4);
  });

  it('takes CSV with a header, and an Idempotency-Key makes a resend a duplicate (the key with another body: 409)', async () => {
    const csv = 'time;temp;power\n2023-11-14T22:13:24Z;21.9;1170\n2023-11-14T22:13:25Z;22.0;\n';
    const first = await ingest(csv, 'text/csv', { 'idempotency-key': 'upload-42' });
    expect(first.headers.get('x-fieldline-events')).toBe('2');
    const again = await ingest(csv, 'text/csv', { 'idempotency-key': 'upload-42' });
    expect(again.headers.get('x-fieldline-batch')).toBe('duplicate');
    // The same key with more rows is not the same batch: refused, not dropped as a duplicate.
    const other = await ingest(`${csv}2023-11-14T22:13:26Z;22.1;1160\n`, 'text/csv', { 'idempotency-key': 'upload-42' });
    expect(other.status).toBe(409);
    expect(await stored()).toBe(6);
  });

  it('a value a float32 cannot hold (1e39, Infinity) stays in the raw stream, and the array keeps only samples (regression: stored as Infinity, summaries null)', async () => {
    const body = Buffer.concat([pack([1_700_000_200, { vib: 1e39 }]), pack([1_700_000_201, { vib: Number.POSITIVE_INFINITY }]), pack([1_700_000_202, { vib: 2.5 }]), pack([1_700_000_203, { vib: -3.4e38 }])]);
    const response = await ingest(body, 'application/x-msgpack');
    expect(response.status).toBe(204);
    expect(response.headers.get('x-fieldline-events')).toBe('4');
    const vib = `/api/arrays/${encodeURIComponent(`array/${source.id}/vib`)}`;
    const csv = await (await call('admin', 'GET', `${vib}/values?format=csv`)).text();
    expect(csv.trim().split('\n').slice(1).map((line) => Number(line.split(',')[1]))).toEqual([2.5, Math.fround(-3.4e38)]);
    const { summaries } = (await (await call('admin', 'GET', `${vib}/summaries?width=1`)).json()) as { summaries: Array<{ max: number | null; min: number | null }> };
    expect(summaries[0]).toMatchObject({ max: 2.5, min: Math.fround(-3.4e38) });
  });

  it('refuses bad input with a clear 4xx and stores nothing', async () => {
    const before = await stored();
    const cases: Array<[Uint8Array | string, string, number]> = [
      [Buffer.from([0x92, 0xc1, 0xff, 0x00]), 'application/x-msgpack', 400],
      [pack([1_700_000_100, 'not a record']), 'application/x-msgpack', 400],
      [pack(['yesterday', { temp: 1 }]), 'application/x-msgpack', 400],
      ['{"time": 1700000100, "temp": 1}\n{broken', 'application/x-ndjson', 400],
      ['time,temp\n1700000100,1,2\n', 'text/csv', 400],
      ['<temp>1</temp>', 'application/xml', 415],
    ];
    for (const [body, type, status] of cases) {
      const response = await ingest(body, type);
      expect(response.status, `${type} ${String(body).slice(0, 20)}`).toBe(status);
      expect(((await response.json()) as { detail: string }).detail.length).toBeGreaterThan(0);
    }
    const unauthorized = await fetch(`${test.server.url}/api/ingest?reference=turbine.t07`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/x-msgpack' }, body: pack([1_700_000_100, { temp: 1 }]) as BodyInit });
    expect(unauthorized.status).toBe(401);
    const wrongTag = await fetch(`${test.server.url}/api/ingest?reference=other`, { method: 'POST', headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-msgpack' }, body: pack([1_700_000_100, { temp: 1 }]) as BodyInit });
    expect(wrongTag.status).toBe(401);
    const basic = await fetch(`${test.server.url}/api/ingest?reference=turbine.t07`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`turbine.t07:${source.token}`).toString('base64')}`, 'content-type': 'application/x-msgpack' },
      body: pack([1_700_000_100, { temp: 23 }]) as BodyInit,
    });
    expect(basic.status).toBe(204);
    expect(await stored()).toBe(before + 1);
  });

  it('only admins register sources', async () => {
    expect((await fetch(`${test.server.url}/api/sources`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tag":"x"}' })).status).toBe(401);
    expect((await call('admin', 'POST', '/api/sources', { tag: 'turbine.t07' })).status).toBe(409);
  });
});
