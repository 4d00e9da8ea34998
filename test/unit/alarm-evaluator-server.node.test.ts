// The alarm evaluator inside a real server (startServer, SQLite): a rule written through the API
// and data ingested over HTTP raise an alarm that the event stream announces as a `doc` event of
// type alarm; GET /api/alarms/status shows the binding caught up (engineers and admins; 403 for
// technicians); ALARMS=0 runs no evaluator (404) and ALARMS / ALARMS_POLL_MS are validated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocData } from '../../src/core/live-events';
import { ConfigError, loadConfig } from '../../src/server/config';
import type { AlarmEvaluatorStatus } from '../../src/server/alarms/alarm-evaluator';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';
import { openSse } from '../support/sse-client';

let test: TestServer;
let admin = '';

const api = (token: string, method: string, route: string, body?: unknown): Promise<Response> =>
  fetch(`${test.server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  test = await startTestServer({ ALARMS_POLL_MS: '100' });
  admin = await test.login('admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await test?.stop();
});

describe('alarm evaluator in the server', () => {
  it('a rule and ingested data raise an alarm: the event stream shows its doc event (type alarm), the status route the binding', async () => {
    expect((await api(admin, 'PUT', '/api/docs/site%2Fplant', { type: 'site', site: 'site/plant', title: 'Plant', kind: 'other' })).status).toBeLessThan(300);
    expect((await api(admin, 'PUT', '/api/docs/asset%2Fplant%2Fpump-1', { type: 'asset', site: 'site/plant', title: 'Pump 1', asset_type: 'pump' })).status).toBeLessThan(300);
    const created = await api(admin, 'POST', '/api/sources', { tag: 'alarms.pump1', site: 'site/plant', asset: 'asset/plant/pump-1' });
    expect(created.status).toBe(201);
    const source = (await created.json()) as { id: string; token: string };
    const channel = `channel/${source.id}/temp`;
    const rule = { type: 'alarm_rule', site: 'site/plant', title: 'Pump too hot', enabled: true, target: { channel }, condition: { kind: 'threshold', direction: 'high', level: 50 }, severity: 'critical' };
    const put = await api(admin, 'PUT', '/api/docs/alarm_rule%2Fpump-hot', rule);
    expect(put.status, await put.clone().text()).toBeLessThan(300);
    const stream = await openSse(`${test.server.url}/api/events`, { token: admin });
    try {
      const t0 = Math.floor(Date.now() / 1000) - 60;
      const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ time: t0 + i, temp: i >= 20 ? 80 : 20 })).join('\n');
      const ingested = await fetch(`${test.server.url}/api/ingest?reference=alarms.pump1`, { method: 'POST', headers: { authorization: `Bearer ${source.token}`, 'content-type': 'application/x-ndjson' }, body: lines });
      expect(ingested.status, await ingested.clone().text()).toBeLessThan(300);
      const id = `alarm/pump-hot/${source.id}/temp/1`;
      const event = await stream.waitFor((message) => message.event === 'doc' && (JSON.parse(message.data) as DocData).id === id, { boundMs: 20_000 });
      expect(JSON.parse(event.data)).toMatchObject({ id, site: 'site/plant', type: 'alarm' });
      const alarm = (await (await api(admin, 'GET', `/api/docs/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
      expect(alarm).toMatchObject({ type: 'alarm', state: 'active_unacked', severity: 'critical', raised_at: (t0 + 20) * 1000, channel, asset: 'asset/plant/pump-1' });
    } finally {
      stream.close();
    }
    const status = (await (await api(admin, 'GET', '/api/alarms/status')).json()) as AlarmEvaluatorStatus;
    expect(status).toMatchObject({ running: true, poll_ms: 100, rules: 1, problems: [] });
    expect(status.bindings).toMatchObject([{ rule: 'alarm_rule/pump-hot', channel, caught_up: true, inputs: [{ array: `array/${source.id}/temp`, position: 30, length: 30, lag: 0 }] }]);
    expect(status.counters.transitions).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('the status route is for engineers and admins', async () => {
    const engineer = await test.addUser(admin, 'eve', 'engineer');
    const technician = await test.addUser(admin, 'tom', 'technician', ['site/plant']);
    expect((await api(engineer, 'GET', '/api/alarms/status')).status).toBe(200);
    const refused = await api(technician, 'GET', '/api/alarms/status');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'forbidden' });
    expect((await fetch(`${test.server.url}/api/alarms/status`)).status).toBe(401);
  });

  it('ALARMS=0: no evaluator in this process (the status route says so)', async () => {
    const off = await startTestServer({ ALARMS: '0' });
    try {
      expect(off.server.alarms).toBeUndefined();
      const token = await off.login('admin', ADMIN_PASSWORD);
      const response = await fetch(`${off.server.url}/api/alarms/status`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { detail: string }).detail).toContain('ALARMS=0');
    } finally {
      await off.stop();
    }
  });

  it('ALARMS and ALARMS_POLL_MS are validated', () => {
    expect(loadConfig({}, '/x')).toMatchObject({ alarms: true, alarmsPollMs: 1000 });
    expect(loadConfig({ ALARMS: 'off', ALARMS_POLL_MS: '250' }, '/x')).toMatchObject({ alarms: false, alarmsPollMs: 250 });
    expect(() => loadConfig({ ALARMS: 'maybe' }, '/x')).toThrow(ConfigError);
    for (const bad of ['10', '1.5', 'soon', '600000']) expect(() => loadConfig({ ALARMS_POLL_MS: bad }, '/x'), bad).toThrow(/ALARMS_POLL_MS/);
  });
});
