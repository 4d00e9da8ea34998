// GET /api/jobs/<group> with the group id as POST /api/jobs/kernel returned it (it holds a `/`).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiCaller, ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  expect((await call('admin', 'POST', '/api/arrays', { id: 'array/T07/temp', timing: 'regular', unit: '°C', site: 'site/T07' })).status).toBe(201);
  const values = new Uint8Array(new Float32Array(1000).fill(3).buffer);
  expect((await call('admin', 'POST', '/api/arrays/array%2FT07%2Ftemp/values?t0=1000&dt=10', values)).status).toBe(200);
});

afterAll(async () => {
  await test.stop();
});

it('GET /api/jobs/<group> answered 404 for the group id as returned (with its "/"): raw, encoded and href all find it', async () => {
  const started = await call('admin', 'POST', '/api/jobs/kernel', { array: 'array/T07/temp', kernel: 'max' });
  expect(started.status).toBe(202);
  const { group, href } = (await started.json()) as { group: string; href: string };
  expect(group).toMatch(/^kernel\/[0-9a-f-]{36}$/);
  for (const path of [`/api/jobs/${group}`, `/api/jobs/${encodeURIComponent(group)}`, href]) {
    const response = await call('admin', 'GET', path);
    expect(response.status, path).toBe(200);
    const body = (await response.json()) as { group: string; counts: { queued: number; running: number; done: number; failed: number } };
    expect(body.group).toBe(group);
    expect(body.counts.queued + body.counts.running + body.counts.done + body.counts.failed).toBe(1);
  }
  expect(href).toBe(`/api/jobs/${group}`);
});

it('an unknown group is a 404 and an empty or overlong id a 400, as {error, detail}', async () => {
  const unknown = await call('admin', 'GET', '/api/jobs/kernel/00000000-0000-0000-0000-000000000000');
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ error: 'not_found' });
  for (const path of ['/api/jobs/', `/api/jobs/${'x'.repeat(201)}`]) {
    const response = await call('admin', 'GET', path);
    expect(response.status, path).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_request' });
  }
});
