// Accounts through the real HTTP API on both backends: sign-in throttling by client address (with
// and without TRUST_PROXY) and by username (backoff, reset on success, kept across a restart),
// password changes and resets, disabling, sites and role changes taking effect at once, revoking
// sessions, keeping an admin, the password policy and the Secure cookie. The throttle's clock is
// the test's: windows and locks are stepped over, never slept through.
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, projectRoot, startServer, type RunningServer } from '../../src/server';
import { addressKey } from '../../src/server/auth/login-throttle';
import { passwordProblem } from '../../src/server/auth/password-policy';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD } from '../support/server-session';
import { makeTempDir } from '../support/temp-dir';

const MINUTE = 60_000;
const SLOW = 60_000;

let postgres: Postgres;
let databases = 0;

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(() => {
  postgres?.stop();
});

/** A fresh database in the throwaway cluster, so each server there starts empty. */
async function newDatabase(): Promise<string> {
  const name = `accounts_${++databases}`;
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return postgres.url.replace(/\/postgres$/, `/${name}`);
}

interface Backend {
  /** The environment of a new, empty server's data (DATA_DIR or DATABASE_URL). */
  fresh(): Promise<NodeJS.ProcessEnv>;
}

const backends: Array<[string, Backend]> = [
  ['SQLite', { fresh: async () => ({ DATA_DIR: makeTempDir('fieldline-accounts-') }) }],
  ['PostgreSQL', { fresh: async () => ({ DATA_DIR: makeTempDir('fieldline-accounts-'), DATABASE_URL: await newDatabase() }) }],
];

interface Server {
  running: RunningServer;
  url: string;
  env: NodeJS.ProcessEnv;
  /** The throttle's clock (ms); tests move it. */
  clock: { now: number };
  stop(keepData?: boolean): Promise<void>;
}

async function start(env: NodeJS.ProcessEnv, clock = { now: Date.parse('2026-12-01T08:00:00Z') }): Promise<Server> {
  const dataDir = env.DATA_DIR!;
  const config = loadConfig({ PORT: '0', FORWARD_PORT: '0', CLIENT_DIR: `${dataDir}/no-client`, ADMIN_PASSWORD, JOB_THREADS: '0', DEMO: '0', ...env }, projectRoot);
  const running = await startServer(config, { logLevel: 'silent', now: () => clock.now });
  return {
    running,
    url: running.url,
    env,
    clock,
    async stop(keepData = false) {
      await running.close();
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function signIn(server: Server, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });
}

async function token(server: Server, username: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await signIn(server, username, password, headers);
  expect(response.status, `sign in as ${username}`).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

function api(server: Server, bearer: string | undefined, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function addUser(server: Server, admin: string, username: string, role: string, sites: string[] = []): Promise<void> {
  const response = await api(server, admin, 'POST', '/api/users', { username, password: `${username}-password`, role, sites });
  expect(response.status, await response.clone().text()).toBe(201);
}

const from = (address: string) => ({ 'x-forwarded-for': address });

describe.each(backends)('sign-in throttling on %s', (_name, backend) => {
  it(
    'without TRUST_PROXY, X-Forwarded-For is ignored: ten failures from one socket address stop every name from it, with Retry-After',
    async () => {
      const server = await start(await backend.fresh());
      try {
        for (let n = 0; n < 10; n++) expect((await signIn(server, `nobody-${n}`, 'wrong password', from(`203.0.113.${n}`))).status).toBe(401);
        const refused = await signIn(server, 'admin', ADMIN_PASSWORD, from('198.51.100.1'));
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('900');
        expect(await refused.json()).toMatchObject({ error: 'too_many_requests', detail: expect.stringMatching(/this address/) });
        server.clock.now += 15 * MINUTE;
        expect((await signIn(server, 'admin', ADMIN_PASSWORD)).status).toBe(200);
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );

  it(
    'counts failures only: many successful sign-ins from one address never lock it',
    async () => {
      const server = await start(await backend.fresh());
      try {
        // Behind a proxy without TRUST_PROXY everyone shares one address: a morning's sign-ins
        // must not lock the team out (the old limit counted every attempt).
        for (let n = 0; n < 12; n++) await token(server, 'admin', ADMIN_PASSWORD);
        for (let n = 0; n < 9; n++) expect((await signIn(server, `typo-${n}`, 'wrong password')).status).toBe(401);
        await token(server, 'admin', ADMIN_PASSWORD);
        expect((await signIn(server, 'typo-9', 'wrong password')).status).toBe(401);
        expect((await signIn(server, 'admin', ADMIN_PASSWORD)).status).toBe(429);
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );

  it(
    'with TRUST_PROXY, the client address from X-Forwarded-For is what counts (IPv6 by /64)',
    async () => {
      const server = await start({ ...(await backend.fresh()), TRUST_PROXY: '127.0.0.1' });
      try {
        for (let n = 0; n < 10; n++) expect((await signIn(server, `nobody-${n}`, 'wrong password', from('203.0.113.7'))).status).toBe(401);
        expect((await signIn(server, 'admin', ADMIN_PASSWORD, from('203.0.113.7'))).status).toBe(429);
        // Everyone else behind the proxy is unaffected.
        expect((await signIn(server, 'admin', ADMIN_PASSWORD, from('198.51.100.2'))).status).toBe(200);

        for (let n = 1; n <= 10; n++) expect((await signIn(server, `v6-${n}`, 'wrong password', from(`2001:db8:1:2::${n}`))).status).toBe(401);
        expect((await signIn(server, 'admin', ADMIN_PASSWORD, from('2001:db8:1:2:ffff::1'))).status).toBe(429);
        expect((await signIn(server, 'admin', ADMIN_PASSWORD, from('2001:db8:1:3::1'))).status).toBe(200);
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );

  it(
    'ten failures for one username from ten addresses lock it, even with the right password, 1 minute doubling to 1 hour; a success resets',
    async () => {
      const server = await start({ ...(await backend.fresh()), TRUST_PROXY: '127.0.0.1' });
      let address = 0;
      const next = () => from(`10.0.${Math.floor(++address / 250)}.${address % 250}`);
      try {
        for (let n = 0; n < 10; n++) expect((await signIn(server, 'admin', `guess ${n} of many`, next())).status).toBe(401);
        const locked = await signIn(server, 'admin', ADMIN_PASSWORD, next());
        expect(locked.status).toBe(429);
        expect(locked.headers.get('retry-after')).toBe('60');
        expect(await locked.json()).toMatchObject({ detail: expect.stringMatching(/this user/) });

        // Each failure after a lock doubles the next one, up to an hour.
        for (const seconds of [120, 240, 480, 960, 1920, 3600, 3600]) {
          server.clock.now += Number((await signIn(server, 'admin', ADMIN_PASSWORD, next())).headers.get('retry-after')) * 1000;
          expect((await signIn(server, 'admin', 'one more guess', next())).status).toBe(401);
          const again = await signIn(server, 'admin', ADMIN_PASSWORD, next());
          expect(again.status).toBe(429);
          expect(again.headers.get('retry-after')).toBe(String(seconds));
        }
        // An unknown name is locked the same way, so the lock tells no one which names exist.
        for (let n = 0; n < 10; n++) expect((await signIn(server, 'ghost', `guess ${n}`, next())).status).toBe(401);
        expect((await signIn(server, 'ghost', 'guess 10', next())).status).toBe(429);

        // Never for good: after the lock the right password signs in, and the count starts over.
        server.clock.now += 60 * MINUTE;
        await token(server, 'admin', ADMIN_PASSWORD, next());
        for (let n = 0; n < 9; n++) expect((await signIn(server, 'admin', `fresh guess ${n}`, next())).status).toBe(401);
        await token(server, 'admin', ADMIN_PASSWORD, next());
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );

  it(
    'a burst of parallel guesses gets no more tries than one after the other',
    async () => {
      const server = await start({ ...(await backend.fresh()), TRUST_PROXY: '127.0.0.1' });
      try {
        // Each attempt is booked before its password is hashed: counted after the hash, all 30
        // would pass the check while the first was still hashing.
        const statuses = await Promise.all(Array.from({ length: 30 }, (_, n) => signIn(server, 'admin', `parallel guess ${n}`, from(`10.6.0.${n}`)).then((response) => response.status)));
        expect(statuses.filter((status) => status === 401)).toHaveLength(10);
        expect(statuses.filter((status) => status === 429)).toHaveLength(20);
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );

  it(
    'a quiet window forgets the failures',
    async () => {
      const server = await start({ ...(await backend.fresh()), TRUST_PROXY: '127.0.0.1' });
      try {
        for (let n = 0; n < 9; n++) expect((await signIn(server, 'admin', `guess ${n}`, from(`10.1.0.${n}`))).status).toBe(401);
        server.clock.now += 15 * MINUTE;
        for (let n = 0; n < 9; n++) expect((await signIn(server, 'admin', `guess ${n}`, from(`10.2.0.${n}`))).status).toBe(401);
        await token(server, 'admin', ADMIN_PASSWORD, from('10.3.0.1'));
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );

  it(
    'the lock persists across a server restart on the same data',
    async () => {
      const env = { ...(await backend.fresh()), TRUST_PROXY: '127.0.0.1' };
      const first = await start(env);
      for (let n = 0; n < 10; n++) expect((await signIn(first, 'admin', `guess ${n}`, from(`10.0.0.${n}`))).status).toBe(401);
      await first.stop(true);
      const second = await start(env, first.clock);
      try {
        const refused = await signIn(second, 'admin', ADMIN_PASSWORD, from('10.9.9.9'));
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('60');
      } finally {
        await second.stop();
      }
    },
    SLOW,
  );
});

describe.each(backends)('managing accounts on %s', (_name, backend) => {
  let server: Server;
  let admin: string;

  beforeAll(async () => {
    server = await start({ ...(await backend.fresh()), TRUST_PROXY: '127.0.0.1' });
    admin = await token(server, 'admin', ADMIN_PASSWORD);
    await addUser(server, admin, 'tom', 'technician', ['site/T07']);
    await addUser(server, admin, 'eve', 'engineer');
    for (const [id, doc] of [
      ['site/T07', { type: 'site', title: 'North' }],
      ['site/T08', { type: 'site', title: 'South' }],
      ['note-08', { type: 'inspection', site: 'site/T08', note: 'south' }],
    ] as const) {
      expect((await api(server, admin, 'PUT', `/api/docs/${encodeURIComponent(id)}`, doc)).status).toBe(200);
    }
  }, SLOW);

  afterAll(async () => {
    await server?.stop();
  });

  it('changing one’s own password needs the current one (wrong: 403) and signs out the other devices', async () => {
    const tablet = await token(server, 'eve', 'eve-password');
    const laptop = await token(server, 'eve', 'eve-password');
    const wrong = await api(server, laptop, 'PUT', '/api/users/eve/password', { password: 'a new long passphrase', current_password: 'not it at all' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: 'forbidden', detail: expect.stringMatching(/current password/) });
    expect((await api(server, laptop, 'PUT', '/api/users/eve/password', { password: 'a new long passphrase' })).status).toBe(400);
    expect((await api(server, laptop, 'PUT', '/api/users/eve/password', { password: 'a new long passphrase', current_password: 'eve-password' })).status).toBe(204);
    expect((await api(server, laptop, 'GET', '/api/session')).status).toBe(200);
    expect((await api(server, tablet, 'GET', '/api/session')).status).toBe(401);
    expect((await signIn(server, 'eve', 'eve-password')).status).toBe(401);
    await token(server, 'eve', 'a new long passphrase');
    // Nobody else's password can be changed by a non-admin.
    expect((await api(server, laptop, 'PUT', '/api/users/tom/password', { password: 'taken over by eve' })).status).toBe(403);
    await token(server, 'tom', 'tom-password');
  }, SLOW);

  it('guessing the current password through a stolen session is throttled like sign-ins', async () => {
    await addUser(server, admin, 'gus', 'engineer');
    const session = await token(server, 'gus', 'gus-password');
    for (let n = 0; n < 10; n++) {
      const response = await fetch(`${server.url}/api/users/gus/password`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json', ...from(`10.4.0.${n}`) },
        body: JSON.stringify({ password: 'stolen and changed', current_password: `guess ${n}` }),
      });
      expect(response.status).toBe(403);
    }
    expect((await signIn(server, 'gus', 'gus-password', from('10.4.1.1'))).status).toBe(429);
  }, SLOW);

  it('an admin resets another’s password: their sessions end, a lock is lifted, the new one works', async () => {
    await addUser(server, admin, 'tia', 'technician', ['site/T07']);
    const old = await token(server, 'tia', 'tia-password');
    for (let n = 0; n < 10; n++) expect((await signIn(server, 'tia', `forgotten ${n}`, from(`10.5.0.${n}`))).status).toBe(401);
    expect((await signIn(server, 'tia', 'tia-password', from('10.5.1.1'))).status).toBe(429);
    expect((await api(server, admin, 'PUT', '/api/users/tia/password', { password: 'reset by the admin' })).status).toBe(204);
    expect((await api(server, old, 'GET', '/api/session')).status).toBe(401);
    expect((await signIn(server, 'tia', 'tia-password', from('10.5.1.2'))).status).toBe(401);
    await token(server, 'tia', 'reset by the admin', from('10.5.1.3'));
    expect((await api(server, admin, 'PUT', '/api/users/nobody/password', { password: 'reset by the admin' })).status).toBe(404);
  }, SLOW);

  it('disabling a user stops their sessions at once and refuses their sign-in; the list shows it, without hashes', async () => {
    await addUser(server, admin, 'dan', 'technician', ['site/T07']);
    const session = await token(server, 'dan', 'dan-password');
    expect((await api(server, session, 'GET', '/api/docs')).status).toBe(200);
    const patched = await api(server, admin, 'PATCH', '/api/users/dan', { disabled: true });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toEqual({ user: { username: 'dan', role: 'technician', sites: ['site/T07'], disabled: true } });
    expect((await api(server, session, 'GET', '/api/docs')).status).toBe(401);
    const refused = await signIn(server, 'dan', 'dan-password');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ detail: expect.stringMatching(/disabled/) });

    const list = (await (await api(server, admin, 'GET', '/api/users')).json()) as { users: Array<Record<string, unknown>> };
    expect(list.users.find((user) => user.username === 'dan')).toEqual({ username: 'dan', role: 'technician', sites: ['site/T07'], disabled: true });
    expect(list.users.find((user) => user.username === 'admin')).toMatchObject({ disabled: false });
    expect(JSON.stringify(list)).not.toMatch(/scrypt|password/);

    expect((await api(server, admin, 'PATCH', '/api/users/dan', { disabled: false })).status).toBe(200);
    await token(server, 'dan', 'dan-password');
  }, SLOW);

  it('a new site list or role applies to the next request of an open session', async () => {
    const session = await token(server, 'tom', 'tom-password');
    expect((await api(server, session, 'GET', '/api/docs/note-08')).status).toBe(403);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', { sites: ['site/T07', 'site/T08'] })).status).toBe(200);
    expect((await api(server, session, 'GET', '/api/docs/note-08')).status).toBe(200);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', { sites: ['site/T07'] })).status).toBe(200);
    expect((await api(server, session, 'GET', '/api/docs/note-08')).status).toBe(403);
    expect((await api(server, session, 'GET', '/api/users')).status).toBe(403);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', { role: 'admin' })).status).toBe(200);
    expect((await api(server, session, 'GET', '/api/users')).status).toBe(200);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', { role: 'technician' })).status).toBe(200);
    expect((await api(server, session, 'GET', '/api/users')).status).toBe(403);
    // Only admins patch, bodies are checked, unknown users are 404.
    expect((await api(server, session, 'PATCH', '/api/users/tom', { sites: ['site/T08'] })).status).toBe(403);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', {})).status).toBe(400);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', { role: 'overlord' })).status).toBe(400);
    expect((await api(server, admin, 'PATCH', '/api/users/tom', { password_hash: 'x' })).status).toBe(400);
    expect((await api(server, admin, 'PATCH', '/api/users/nobody', { disabled: true })).status).toBe(404);
  }, SLOW);

  it('revokes all of a user’s sessions (admin), or one’s own everywhere', async () => {
    const first = await token(server, 'tom', 'tom-password');
    const second = await token(server, 'tom', 'tom-password');
    expect((await api(server, second, 'DELETE', '/api/users/eve/sessions')).status).toBe(403);
    const revoked = await api(server, admin, 'DELETE', '/api/users/tom/sessions');
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { ended: number }).ended).toBeGreaterThanOrEqual(2);
    for (const session of [first, second]) expect((await api(server, session, 'GET', '/api/docs')).status).toBe(401);

    const here = await token(server, 'tom', 'tom-password');
    const there = await token(server, 'tom', 'tom-password');
    const everywhere = await api(server, here, 'DELETE', '/api/users/tom/sessions');
    expect(everywhere.status).toBe(200);
    expect(everywhere.headers.get('set-cookie')).toMatch(/fl_session=;/);
    for (const session of [here, there]) expect((await api(server, session, 'GET', '/api/session')).status).toBe(401);
    expect((await api(server, admin, 'DELETE', '/api/users/nobody/sessions')).status).toBe(404);
  }, SLOW);

  it('never leaves no enabled admin (409), whether by disabling or demoting', async () => {
    for (const change of [{ disabled: true }, { role: 'engineer' }]) {
      const response = await api(server, admin, 'PATCH', '/api/users/admin', change);
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ error: 'conflict', detail: expect.stringMatching(/last enabled admin/) });
    }
    await addUser(server, admin, 'boss', 'admin');
    const boss = await token(server, 'boss', 'boss-password');
    expect((await api(server, boss, 'PATCH', '/api/users/admin', { disabled: true })).status).toBe(200);
    expect((await api(server, boss, 'PATCH', '/api/users/boss', { role: 'engineer' })).status).toBe(409);
    expect((await api(server, boss, 'PATCH', '/api/users/boss', { disabled: true })).status).toBe(409);
    // A disabled admin is no admin to keep: promoting someone else is what makes room.
    expect((await api(server, boss, 'PATCH', '/api/users/admin', { disabled: false })).status).toBe(200);
    admin = await token(server, 'admin', ADMIN_PASSWORD);
    expect((await api(server, admin, 'PATCH', '/api/users/boss', { role: 'engineer' })).status).toBe(200);
  }, SLOW);

  it('refuses weak passwords with a clear 400 wherever one is set', async () => {
    const cases: Array<[string, RegExp]> = [
      ['short pw', /at least 12 characters/],
      ['Password1234!', /first every guesser tries/],
      ['123456789012', /first every guesser tries/],
      ['aaaaaaaaaaaaaaaa', /repeats too few/],
      ['maria2024maria', /mostly the username/],
      ['MARIA', /at least 12/],
    ];
    for (const [password, detail] of cases) {
      const response = await api(server, admin, 'POST', '/api/users', { username: 'maria', password, role: 'engineer' });
      expect(response.status, password).toBe(400);
      expect(await response.json()).toEqual({ error: 'bad_request', detail: expect.stringMatching(detail) });
    }
    expect((await api(server, admin, 'GET', '/api/users')).ok).toBe(true);
    const users = (await (await api(server, admin, 'GET', '/api/users')).json()) as { users: Array<{ username: string }> };
    expect(users.users.map((user) => user.username)).not.toContain('maria');

    expect((await api(server, admin, 'PUT', '/api/users/tom/password', { password: 'tomtomtom123' })).status).toBe(400);
    const own = await token(server, 'tom', 'tom-password');
    const response = await api(server, own, 'PUT', '/api/users/tom/password', { password: 'qwerty123456', current_password: 'tom-password' });
    expect(response.status).toBe(400);
    await token(server, 'tom', 'tom-password');
  }, SLOW);
});

describe('the session cookie', () => {
  it('is Secure when the request came over HTTPS through a trusted proxy, and only then', async () => {
    const untrusting = await start({ DATA_DIR: makeTempDir('fieldline-accounts-') });
    const trusting = await start({ DATA_DIR: makeTempDir('fieldline-accounts-'), TRUST_PROXY: '127.0.0.1' });
    try {
      const https = { 'x-forwarded-proto': 'https' };
      expect((await signIn(untrusting, 'admin', ADMIN_PASSWORD, https)).headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      expect((await signIn(trusting, 'admin', ADMIN_PASSWORD)).headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      const secure = await signIn(trusting, 'admin', ADMIN_PASSWORD, https);
      expect(secure.headers.get('set-cookie')).toMatch(/fl_session=[^;]+;.*Secure/i);
      // The renewal re-sets it the same way.
      const cookie = secure.headers.get('set-cookie')!.split(';')[0]!;
      const renewed = await fetch(`${trusting.url}/api/session`, { headers: { cookie, ...https } });
      expect(renewed.status).toBe(200);
      expect(renewed.headers.get('set-cookie')).toMatch(/Secure/i);
    } finally {
      await untrusting.stop();
      await trusting.stop();
    }
  }, SLOW);
});

describe('configuration and rules', () => {
  it('TRUST_PROXY takes addresses, CIDRs, range names or a hop count, and refuses "trust everyone"', () => {
    const env = (TRUST_PROXY: string) => loadConfig({ TRUST_PROXY }, '/srv');
    expect(loadConfig({}, '/srv').trustProxy).toBe(false);
    expect(env('off').trustProxy).toBe(false);
    expect(env('2').trustProxy).toBe(2);
    expect(env('127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback').trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
    for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example', '10.0.0.1/8/2']) expect(() => env(bad), bad).toThrow(ConfigError);
  });

  it('ADMIN_PASSWORD follows the password policy', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD: 'eight ch' }, '/srv')).toThrow(/ADMIN_PASSWORD: the password must have at least 12 characters/);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'admin-admin-admin' }, '/srv')).toThrow(/ADMIN_PASSWORD: the password is mostly the username/);
    expect(loadConfig({ ADMIN_PASSWORD }, '/srv').adminPassword).toBe(ADMIN_PASSWORD);
  });

  it('the passwords the tests and docs use pass; a passphrase mentioning the name passes', () => {
    for (const [password, username] of [
      [ADMIN_PASSWORD, 'admin'],
      ['tom-password', 'tom'],
      ['e2e admin password', 'admin'],
      ['tom-secret-12', 'tom'],
      ['dan likes long walks', 'dan'],
    ] as const) {
      expect(passwordProblem(password, username), password).toBeUndefined();
    }
  });

  it('keys IPv6 clients by /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
