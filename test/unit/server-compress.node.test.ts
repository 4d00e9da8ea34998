// The server gzips JSON (what a sync pulls) for clients that accept it, and never attachments.
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';
import { chooseEncoding } from '../../src/server/http/compress';

let server: TestServer;
let token: string;

function get(path: string, encoding: string | undefined): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (encoding) headers['accept-encoding'] = encoding;
    http
      .get(`${server.server.url}${path}`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  server = await startTestServer();
  token = await server.login('admin', ADMIN_PASSWORD);
  const docs = Array.from({ length: 200 }, (_, index) => ({ id: `w${index}`, doc: { type: 'work_order', site: 'north', title: `Work order ${index}`, status: 'open', notes: 'Check the gearbox oil level and the bearing temperature.' } }));
  const response = await fetch(`${server.server.url}/api/bulk_docs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ docs }) });
  expect(response.ok).toBe(true);
  const bytes = new Uint8Array(100_000).map((_, index) => index % 251);
  await fetch(`${server.server.url}/api/docs/w0/attachments/reading.bin`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: bytes });
});

afterAll(async () => {
  await server.stop();
});

describe('response compression', () => {
  it('gzips the changes feed for a client that accepts gzip, to a fraction of its size', async () => {
    const plain = await get('/api/changes?include_docs=true', undefined);
    const gzipped = await get('/api/changes?include_docs=true', 'gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipped.body).toString()).toBe(plain.body.toString());
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 3);
  });

  it('prefers brotli where the client takes it, and reads q-values', async () => {
    const plain = await get('/api/changes?include_docs=true', undefined);
    const brotli = await get('/api/changes?include_docs=true', 'gzip, deflate, br');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(brotli.body).toString()).toBe(plain.body.toString());
    expect(chooseEncoding('gzip;q=0, br;q=0')).toBeUndefined();
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('identity')).toBeUndefined();
    expect(chooseEncoding('*')).toBe('gzip');
    expect(chooseEncoding(undefined)).toBeUndefined();
  });

  it('sends attachments as they are, so byte ranges keep working', async () => {
    const attachment = await get('/api/docs/w0/attachments/reading.bin', 'gzip');
    expect(attachment.headers['content-encoding']).toBeUndefined();
    expect(attachment.body.length).toBe(100_000);
  });

  it('sends text and JSON attachments as they are too, whole or by range (regression: they were gzipped)', async () => {
    const csv = `time,temp\n${Array.from({ length: 2000 }, (_, index) => `${index},${20 + (index % 7)}`).join('\n')}\n`;
    const json = JSON.stringify(Array.from({ length: 500 }, (_, index) => ({ index, note: 'bearing temperature normal' })));
    for (const [name, type, text] of [['readings.csv', 'text/csv', csv], ['report.json', 'application/json', json]] as const) {
      const put = await fetch(`${server.server.url}/api/docs/w1/attachments/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: text });
      expect(put.status).toBe(204);
      const whole = await get(`/api/docs/w1/attachments/${name}`, 'gzip, br');
      expect(whole.headers['content-encoding']).toBeUndefined();
      expect(whole.body.toString()).toBe(text);
      const part = await new Promise<{ status: number; encoding: string | undefined; body: string }>((resolve, reject) => {
        http
          .get(`${server.server.url}/api/docs/w1/attachments/${name}`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip', range: 'bytes=100-4099' } }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, encoding: response.headers['content-encoding'], body: Buffer.concat(chunks).toString() }));
          })
          .on('error', reject);
      });
      expect(part).toEqual({ status: 206, encoding: undefined, body: text.slice(100, 4100) });
    }
  });
});
