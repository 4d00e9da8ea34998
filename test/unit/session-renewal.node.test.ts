// GET /api/session slides the session: the app calls it when it comes back online, so a technician
// who signed in before working offline stays signed in as long as they return before it expires.
// Over both backends, since the renewal is an UPDATE in each dialect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_MS } from '../../src/server/auth/accounts';
import { startPostgres, type Postgres } from '../support/postgres';
import { startTestServer, type TestServer } from '../support/server-session';

const HOUR = 60 * 60 * 1000;

let postgres: Postgres;

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(() => {
  postgres?.stop();
});

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('session renewal on %s', (_name, env) => {
  let test: TestServer;

  beforeAll(async () => {
    test = await startTestServer(env());
  });

  afterAll(async () => {
    await test?.stop();
  });

  /** A session signed in `ago` ms before now: it runs out SESSION_MS - ago from now. */
  const sessionStarted = (ago: number) => test.server.store.accounts.startSession('admin', Date.now() - ago);
  const getSession = (headers: Record<string, string>) => fetch(`${test.server.url}/api/session`, { headers });

  it('moves the expiry forward and re-sets the cookie for a cookie session', async () => {
    const { token, expires_at: before } = await sessionStarted(SESSION_MS - HOUR);
    const requested = Date.now();
    const response = await getSession({ cookie: `fl_session=${token}` });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { username: string }; expires_at: number };
    expect(body.user.username).toBe('admin');
    expect(body.expires_at).toBeGreaterThanOrEqual(requested + SESSION_MS);

    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toContain(`fl_session=${token}`);
    expect(cookie).toMatch(new RegExp(`Max-Age=${SESSION_MS / 1000}`, 'i'));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/api/i);

    // Two hours on, the old expiry has passed but the renewed session still holds.
    const accounts = test.server.store.accounts;
    expect(await accounts.session(token, before + 1)).toMatchObject({ username: 'admin' });
    expect(await accounts.session(token, requested + 2 * HOUR)).toMatchObject({ username: 'admin' });
    expect(await accounts.session(token, body.expires_at)).toBeUndefined();
  });

  it('slides a bearer session too, without handing out a cookie', async () => {
    const { token, expires_at: before } = await sessionStarted(SESSION_MS - HOUR);
    const response = await getSession({ authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    const { expires_at: after } = (await response.json()) as { expires_at: number };
    expect(after - before).toBeGreaterThan(SESSION_MS - 2 * HOUR);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await test.server.store.accounts.session(token, before + HOUR)).toMatchObject({ username: 'admin' });
  });

  it('does not revive an expired or ended session', async () => {
    const expired = await sessionStarted(SESSION_MS + 1000);
    expect((await getSession({ cookie: `fl_session=${expired.token}` })).status).toBe(401);
    expect(await test.server.store.accounts.renewSession(expired.token)).toBeUndefined();
    expect(await test.server.store.accounts.session(expired.token)).toBeUndefined();

    const ended = await sessionStarted(0);
    await test.server.store.accounts.endSession(ended.token);
    const response = await getSession({ cookie: `fl_session=${ended.token}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});
