// GET /api/people?site=…: who a work order in a site can be assigned to (enabled technicians of the
// site, every enabled engineer and admin, by name), for anyone who reads the site; and the app's
// client for it. Against a real server on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../support/postgres';
import { peopleApiAt } from '../../src/controllers/admin-api';
import { ApiError } from '../../src/controllers/api-client';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('GET /api/people on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const people = async (user: string, query: string) => {
    const response = await call(user, 'GET', `/api/people${query}`);
    return { status: response.status, body: (await response.json()) as { people?: Array<{ name: string; role: string }>; error?: string; detail?: string } };
  };

  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.Zed = await test.addUser(tokens.admin, 'Zed', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    tokens.tina = await test.addUser(tokens.admin, 'tina', 'technician', ['site/T08', 'site/a&b c']);
    tokens.bob = await test.addUser(tokens.admin, 'bob', 'technician', ['site/T07', 'site/T08']);
    await test.addUser(tokens.admin, 'tess', 'technician', ['site/T07']);
    await test.addUser(tokens.admin, 'ann', 'engineer');
    for (const disabled of ['tess', 'ann']) {
      expect((await call('admin', 'PATCH', `/api/users/${disabled}`, { disabled: true })).status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it("lists the site's enabled technicians and every enabled engineer and admin, by name whatever the case", async () => {
    const expected = [
      { name: 'admin', role: 'admin' },
      { name: 'bob', role: 'technician' },
      { name: 'eve', role: 'engineer' },
      { name: 'tom', role: 'technician' },
      { name: 'Zed', role: 'engineer' },
    ];
    for (const user of ['admin', 'eve', 'tom', 'bob']) {
      expect(await people(user, '?site=site%2FT07'), user).toEqual({ status: 200, body: { people: expected } });
    }
    expect((await people('eve', '?site=site%2FT08')).body.people!.map((person) => person.name)).toEqual(['admin', 'bob', 'eve', 'tina', 'Zed']);
    // A site no one is assigned to: engineers and admins still work there.
    expect((await people('eve', '?site=site%2Fnowhere')).body.people!.map((person) => person.name)).toEqual(['admin', 'eve', 'Zed']);
  });

  it('a technician asks only about their own sites (403); no one signed in gets 401', async () => {
    const refused = await people('tom', '?site=site%2FT08');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'forbidden', detail: 'you are not assigned to site "site/T08": only people who work there see who can be assigned' });
    expect((await people('nobody', '?site=site%2FT07')).status).toBe(401);
  });

  it('400 for a missing, blank, repeated or too long site', async () => {
    for (const query of ['', '?', '?site=', '?site=%20%20', '?other=site%2FT07', '?site=a&site=b', `?site=${'x'.repeat(1001)}`]) {
      const answer = await people('admin', query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error, query).toBe('bad_request');
      expect(answer.body.detail, query).toMatch(/site/);
    }
  });

  it("the app's client asks for it (site ids encoded) and rejects with the server's detail", async () => {
    const tina = peopleApiAt({ base: test.server.url, token: tokens.tina });
    expect(await tina.people('site/a&b c')).toEqual([
      { name: 'admin', role: 'admin' },
      { name: 'eve', role: 'engineer' },
      { name: 'tina', role: 'technician' },
      { name: 'Zed', role: 'engineer' },
    ]);
    const refused = await tina.people('site/T07').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403, message: expect.stringContaining('not assigned to site "site/T07"') });
  });
});
