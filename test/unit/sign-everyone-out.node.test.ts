// An admin signs everyone out (DELETE /api/sessions): every session of every user ends except
// the admin's own; GET /api/session says who is signed in (username, role, sites) for the header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.adminTablet = await test.login('admin', ADMIN_PASSWORD);
  tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/north', 'site/south']);
  tokens.tomPhone = await test.login('tom', 'tom-password');
  tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
}, 60_000);

afterAll(async () => {
  await test.stop();
});

describe('who is signed in', () => {
  it('GET /api/session answers the user with role and sites', async () => {
    const session = (await (await call('tom', 'GET', '/api/session')).json()) as { user: unknown; expires_at: number };
    expect(session.user).toEqual({ username: 'tom', role: 'technician', sites: ['site/north', 'site/south'] });
    expect(session.expires_at).toBeGreaterThan(Date.now());
    expect((await call('anonymous', 'GET', '/api/session')).status).toBe(401);
  });
});

describe('sign everyone out', () => {
  it('is for admins only', async () => {
    expect((await call('eve', 'DELETE', '/api/sessions')).status).toBe(403);
    expect((await call('anonymous', 'DELETE', '/api/sessions')).status).toBe(401);
    expect((await call('eve', 'GET', '/api/session')).status).toBe(200);
  });

  it("ends every session but the caller's own, the admin's other devices included", async () => {
    const response = await call('admin', 'DELETE', '/api/sessions');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ended: 4 });
    for (const who of ['adminTablet', 'tom', 'tomPhone', 'eve']) expect((await call(who, 'GET', '/api/session')).status, who).toBe(401);
    expect(((await (await call('admin', 'GET', '/api/session')).json()) as { user: { username: string } }).user.username).toBe('admin');
    // Signing in again works at once: nothing is locked.
    expect(await test.login('tom', 'tom-password')).toEqual(expect.any(String));
  });
});
