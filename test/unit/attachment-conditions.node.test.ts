// The attachment routes' own conditions over raw HTTP against a real server (SQLite): If-None-Match: *
// and X-Expect-Digest on PUT and DELETE /api/docs/:id/attachments/:name — 409 and nothing written
// when the attachment is not the one named, 400 {error, detail} for a malformed header.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

let server: TestServer;
let token: string;

const path = '/api/docs/inspection%2Fa/attachments/photo%2Fp.jpg';
const sha = (bytes: Uint8Array<ArrayBuffer>): string => crypto.createHash('sha256').update(bytes).digest('hex');

function send(method: 'PUT' | 'DELETE', headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>): Promise<Response> {
  return fetch(`${server.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'image/jpeg' } : {}), ...headers },
    ...(body ? { body } : {}),
  });
}

async function stored(): Promise<number[] | undefined> {
  const response = await fetch(`${server.server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return response.status === 404 ? undefined : [...new Uint8Array(await response.arrayBuffer())];
}

beforeAll(async () => {
  server = await startTestServer();
  token = await server.login('admin', ADMIN_PASSWORD);
  const response = await fetch(`${server.server.url}/api/docs/inspection%2Fa`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'inspection', site: 'north' }),
  });
  expect(response.ok).toBe(true);
});
afterAll(async () => {
  await server?.stop();
});

describe('attachment write conditions over HTTP', () => {
  it('If-None-Match: * writes a new attachment once; the second writer gets 409 and the first one\'s bytes stay', async () => {
    const first = new Uint8Array([1, 2, 3]);
    expect((await send('PUT', { 'if-none-match': '*' }, first)).status).toBe(204);
    const second = await send('PUT', { 'if-none-match': '*' }, new Uint8Array([9]));
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: 'conflict' });
    expect(await stored()).toEqual([1, 2, 3]);
  });

  it('X-Expect-Digest replaces or removes only the bytes it names', async () => {
    const now = new Uint8Array(await (await fetch(`${server.server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    expect((await send('PUT', { 'x-expect-digest': sha(new Uint8Array([7])) }, new Uint8Array([4]))).status).toBe(409);
    expect((await send('PUT', { 'x-expect-digest': sha(now) }, new Uint8Array([4, 4]))).status).toBe(204);
    expect((await send('DELETE', { 'x-expect-digest': sha(now) })).status).toBe(409);
    expect(await stored()).toEqual([4, 4]);
    expect((await send('DELETE', { 'x-expect-digest': sha(new Uint8Array([4, 4])) })).status).toBe(204);
    expect(await stored()).toBeUndefined();
    expect((await send('PUT', { 'x-expect-digest': 'none' }, new Uint8Array([5]))).status).toBe(204);
    expect(await stored()).toEqual([5]);
  });

  it.for([
    [{ 'x-expect-digest': 'abc' }, /X-Expect-Digest/],
    [{ 'x-expect-digest': 'A'.repeat(64) }, /X-Expect-Digest/],
    [{ 'if-none-match': '"abc"' }, /If-None-Match/],
    [{ 'if-none-match': '*', 'x-expect-digest': 'a'.repeat(64) }, /contradict/],
  ] as const)('a malformed condition %j is a 400 naming the header, and nothing is written', async ([headers, detail]) => {
    const before = await stored();
    const response = await send('PUT', { ...headers }, new Uint8Array([6, 6, 6]));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; detail: string };
    expect(body.error).toBe('bad_request');
    expect(body.detail).toMatch(detail);
    expect(await stored()).toEqual(before);
  });
});
