// Late events: kept out of the arrays when they arrive (arrays are ordered by time), counted on
// the source, and merged by a rebuild that decodes the raw stream again — msgpack, JSON lines,
// CSV and upload pieces — keeping each event time once, as first accepted.
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.engineer = await test.addUser(tokens.admin, 'eng', 'engineer');
  tokens.tech = await test.addUser(tokens.admin, 'tech', 'technician', ['site/R']);
});

afterAll(async () => {
  await test.stop();
});

const T0 = 1_780_000_000; // seconds

async function arrayOf(sourceId: string, field: string): Promise<{ times: number[]; values: number[] }> {
  const id = encodeURIComponent(`array/${sourceId}/${field}`);
  const csv = await (await call('admin', 'GET', `/api/arrays/${id}/values?start=0&end=100000&format=csv`)).text();
  const rows = csv.trim().split('\n').slice(1).map((line) => line.split(','));
  return { times: rows.map(([time]) => Date.parse(time!)), values: rows.map(([, value]) => Number(value)) };
}

describe('late events and rebuild', () => {
  it('merges late events from msgpack, JSON lines and CSV batches; a resent time keeps its first value', async () => {
    const source = (await (await call('admin', 'POST', '/api/sources', { tag: 'late.t1', site: 'site/R' })).json()) as { id: string; token: string };
    const ingest = (body: string | Uint8Array, type: string) =>
      fetch(`${test.server.url}/api/ingest?reference=late.t1`, { method: 'POST', headers: { authorization: `Bearer ${source.token}`, 'content-type': type }, body: body as BodyInit });
    // 10..19 s, then 30..39 s, then a late batch: 20..25 s, 5 s, and 12 s again with another value.
    const first = await ingest(Buffer.concat(Array.from({ length: 10 }, (_, index) => pack([T0 + 10 + index, { v: 10 + index, w: -(10 + index) }]))), 'application/x-msgpack');
    expect(first.status).toBe(204);
    expect((await ingest(Array.from({ length: 10 }, (_, index) => JSON.stringify([T0 + 30 + index, { v: 30 + index }])).join('\n'), 'application/x-ndjson')).status).toBe(204);
    const late = await ingest(`time,v,w\n${[20, 21, 22, 23, 24, 25, 5].map((second) => `${T0 + second},${second},${-second}`).join('\n')}\n${T0 + 12},999,999\n`, 'text/csv');
    expect(late.status).toBe(204);
    expect(late.headers.get('x-fieldline-late')).toBe('7');
    const before = (await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`)).json()) as { events_stored: number; late_pending: number; late_first: number };
    expect(before).toMatchObject({ events_stored: 27, late_pending: 7, late_first: (T0 + 5) * 1000 });
    expect((await arrayOf(source.id, 'v')).values).toEqual([...Array.from({ length: 10 }, (_, index) => 10 + index), ...Array.from({ length: 10 }, (_, index) => 30 + index)]);

    const listed = (await (await call('engineer', 'GET', '/api/sources')).json()) as { sources: Array<{ tag: string; events_stored: number; late_pending: number }> };
    expect(listed.sources.find((item) => item.tag === 'late.t1')).toMatchObject({ events_stored: 27, late_pending: 7 });
    expect((await call('tech', 'GET', '/api/sources')).status).toBe(403);
    expect((await call('tech', 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`)).status).toBe(403);
    const rebuilt = await call('engineer', 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`);
    expect(rebuilt.status).toBe(200);
    expect(await rebuilt.json()).toEqual({ merged: 7, rewritten: 27 + 17, from: (T0 + 5) * 1000 });
    const seconds = [5, ...Array.from({ length: 16 }, (_, index) => 10 + index), ...Array.from({ length: 10 }, (_, index) => 30 + index)];
    const v = await arrayOf(source.id, 'v');
    expect(v.times).toEqual(seconds.map((second) => (T0 + second) * 1000));
    expect(v.values).toEqual(seconds); // 12 s kept its first value, not 999
    const w = await arrayOf(source.id, 'w');
    expect(w.values).toEqual([5, ...Array.from({ length: 16 }, (_, index) => 10 + index)].map((second) => -second));
    const after = (await (await call('admin', 'GET', `/api/sources/${encodeURIComponent(source.id)}`)).json()) as { events_stored: number; late_pending: number };
    expect(after).toMatchObject({ events_stored: 27, late_pending: 0 });
    expect(await (await call('admin', 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`)).json()).toEqual({ merged: 0, rewritten: 0, from: null });
    // Appending goes on after the rebuild, and later late events can be merged again.
    expect((await ingest(pack([T0 + 40, { v: 40 }]), 'application/x-msgpack')).status).toBe(204);
    expect((await ingest(pack([T0 + 1, { v: 1 }]), 'application/x-msgpack')).headers.get('x-fieldline-late')).toBe('1');
    expect(((await (await call('admin', 'POST', `/api/sources/${encodeURIComponent(source.id)}/rebuild`)).json()) as { merged: number }).merged).toBe(1);
    expect((await arrayOf(source.id, 'v')).values).toEqual([1, ...seconds, 40]);
  });

  it('merges rows of an uploaded CSV file that were out of order across pieces', async () => {
    const header = 'time,temp [°C]';
    const pieceOne = `${T0 + 100},1\n${T0 + 101},2\n`;
    const pieceTwo = `${T0 + 50},3\n${T0 + 102},4\n`;
    const text = `${header}\n${pieceOne}${pieceTwo}`;
    const upload = (await (await call('tech', 'POST', '/api/uploads', { name: 'unordered.csv', size: Buffer.byteLength(text), fingerprint: 'unordered', header, header_bytes: Buffer.byteLength(header) + 1, site: 'site/R' })).json()) as {
      id: string;
      source: string;
      byte_offset: number;
    };
    const put = (offset: number, body: string) => call('tech', 'PUT', `/api/uploads/${encodeURIComponent(upload.id)}/data?offset=${offset}`, Buffer.from(body), { 'content-type': 'text/csv' });
    expect((await put(upload.byte_offset, pieceOne)).status).toBe(200);
    expect((await put(upload.byte_offset + Buffer.byteLength(pieceOne), pieceTwo)).status).toBe(200);
    expect((await arrayOf(upload.source, 'temp')).values).toEqual([1, 2, 4]);
    expect(await (await call('admin', 'POST', `/api/sources/${encodeURIComponent(upload.source)}/rebuild`)).json()).toMatchObject({ merged: 1, from: (T0 + 50) * 1000 });
    const temp = await arrayOf(upload.source, 'temp');
    expect(temp.values).toEqual([3, 1, 2, 4]);
    expect(temp.times).toEqual([50, 100, 101, 102].map((second) => (T0 + second) * 1000));
  });
});
