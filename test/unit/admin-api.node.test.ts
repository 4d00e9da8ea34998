// The admin screens' API client against a real server (users: create, change, password, sign
// out, sign everyone out; refusals as ApiError with the server's detail), and the one API client's
// retry rule against a real socket: reads are tried again after a 503, writes never.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, apiClient, usersApiAt, type UsersApi } from '../../src/controllers';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

describe('the users API client against a real server', () => {
  let test: TestServer;
  let api: UsersApi;
  beforeAll(async () => {
    test = await startTestServer();
    api = usersApiAt({ base: test.server.url, token: await test.login('admin', ADMIN_PASSWORD) });
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('creates, changes, resets and signs out users, and says why the server refuses', async () => {
    expect(await api.create({ username: 'tom', password: 'tom-password-1', role: 'technician', sites: ['site/north'] })).toEqual({ username: 'tom', role: 'technician', sites: ['site/north'], disabled: false });
    const refused = await api.create({ username: 'ann', password: 'password1234', role: 'engineer', sites: [] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining('one of the first every guesser tries') });
    expect(await api.update('tom', { sites: ['site/north', 'site/south'], disabled: true })).toMatchObject({ sites: ['site/north', 'site/south'], disabled: true });
    await api.update('tom', { disabled: false });
    const tom = await test.login('tom', 'tom-password-1');
    expect(await api.signOut('tom')).toBe(1);
    expect((await fetch(`${test.server.url}/api/session`, { headers: { authorization: `Bearer ${tom}` } })).status).toBe(401);
    await api.resetPassword('tom', 'a new tom passphrase');
    await test.login('tom', 'a new tom passphrase');
    await test.login('tom', 'a new tom passphrase');
    expect(await api.signEveryoneOut()).toBe(2);
    expect((await api.list()).map((user) => user.username)).toEqual(['admin', 'tom']);
    await expect(api.update('admin', { role: 'engineer' })).rejects.toMatchObject({ status: 409, message: expect.stringContaining('last enabled admin') });
  }, 60_000);
});

describe('apiClient retries', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      const tries = seen.filter((line) => line === `${request.method} ${request.url}`).length;
      if (tries < 3) {
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unavailable', detail: 'the database cannot be reached' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('tries a read again after a 503 (twice), and never a write', async () => {
    const client = apiClient({ base });
    expect(await client.call('/read')).toEqual({ ok: true });
    expect(seen.filter((line) => line === 'GET /read')).toHaveLength(3);
    await expect(client.call('/write', { method: 'POST', body: '{}' })).rejects.toMatchObject({ status: 503, code: 'unavailable', message: 'the database cannot be reached' });
    expect(seen.filter((line) => line === 'POST /write')).toHaveLength(1);
  }, 20_000);

  it('turns no answer within the timeout into status 0', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const client = apiClient({ base: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200, retries: 0 });
      await expect(client.call('/hang')).rejects.toMatchObject({ status: 0, message: expect.stringContaining('did not answer') });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
