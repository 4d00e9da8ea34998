import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config';

const root = '/srv/fieldline';

describe('server configuration from the environment', () => {
  it('defaults to 127.0.0.1:8080, ./data, forward port 24224, demo on, SQLite', () => {
    const config = loadConfig({}, root);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, forwardPort: 24224, demo: true, databaseUrl: undefined });
    expect(config.dataDir).toBe(path.join(root, 'data'));
    expect(config.clientDir).toBe(path.join(root, 'dist/client'));
    expect(config).toMatchObject({ jobThreads: 1, jobLeaseMs: 30_000, jobPollMs: 500 });
  });

  it('reads HOST, PORT, DATA_DIR, FORWARD_PORT, DEMO and DATABASE_URL', () => {
    const config = loadConfig(
      { HOST: '0.0.0.0', PORT: '9000', DATA_DIR: '/var/lib/fl', FORWARD_PORT: '24225', DEMO: '0', DATABASE_URL: 'postgres://u@db/fl' },
      root,
    );
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9000, dataDir: '/var/lib/fl', forwardPort: 24225, demo: false, databaseUrl: 'postgres://u@db/fl' });
  });

  it('runs the simulated fleet by default on SQLite only: DATABASE_URL turns it off unless DEMO=1; DEMO_DAYS defaults to 30', () => {
    expect(loadConfig({}, root)).toMatchObject({ demo: true, demoDays: 30 });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/fl' }, root).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/fl', DEMO: '1' }, root).demo).toBe(true);
    expect(loadConfig({ DEMO: '0' }, root).demo).toBe(false);
    expect(loadConfig({ DEMO_DAYS: '0.02' }, root).demoDays).toBe(0.02);
    expect(loadConfig({ DEMO_DAYS: '365' }, root).demoDays).toBe(365);
  });

  it('runs the embedded MQTT broker on MQTT_PORT (1883; off: none) with MQTT_TOPICS checked', () => {
    expect(loadConfig({}, root).mqtt).toMatchObject({ port: 1883, portGiven: false, topics: ['fieldline/{tag}', 'fieldline/{tag}/#'] });
    expect(loadConfig({ MQTT_PORT: 'off' }, root).mqtt).toBeUndefined();
    expect(loadConfig({ MQTT_PORT: '1884', MQTT_TOPICS: 'spBv1.0/+/DDATA/+/{tag}' }, root).mqtt).toMatchObject({ port: 1884, portGiven: true, topics: ['spBv1.0/+/DDATA/+/{tag}'] });
    expect(() => loadConfig({ MQTT_TOPICS: 'fieldline/#/{tag}' }, root)).toThrow(/MQTT_TOPICS/);
    expect(() => loadConfig({ MQTT_TOPICS: 'fieldline/all' }, root)).toThrow(/one \{tag\} level/);
    expect(() => loadConfig({ MQTT_MAX_PACKET_BYTES: '10' }, root)).toThrow(/MQTT_MAX_PACKET_BYTES/);
    expect(loadConfig({}, root).mqttBridge).toBeUndefined();
    expect(loadConfig({ MQTT_URL: 'mqtt://u:p@broker:1883' }, root).mqttBridge).toEqual({ url: 'mqtt://u:p@broker:1883', clientId: 'fieldline-bridge' });
    expect(() => loadConfig({ MQTT_URL: 'http://broker' }, root)).toThrow(/MQTT_URL/);
    expect(() => loadConfig({ MQTT_URL: 'not a url' }, root)).toThrow(/MQTT_URL/);
  });

  it('keeps raw data forever unless RETENTION_DAYS says (or sites and channels do), with a pass every RETENTION_POLL_MS', () => {
    expect(loadConfig({}, root)).toMatchObject({ retentionDays: undefined, retentionPollMs: 3_600_000 });
    expect(loadConfig({ RETENTION_DAYS: 'off' }, root).retentionDays).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS: '90', RETENTION_POLL_MS: '60000' }, root)).toMatchObject({ retentionDays: 90, retentionPollMs: 60_000 });
    expect(() => loadConfig({ RETENTION_DAYS: '0' }, root)).toThrow(/RETENTION_DAYS must be a whole number of days/);
    expect(() => loadConfig({ RETENTION_DAYS: '1.5' }, root)).toThrow(/RETENTION_DAYS/);
    expect(() => loadConfig({ RETENTION_POLL_MS: '5' }, root)).toThrow(/RETENTION_POLL_MS/);
  });

  it('runs the prediction, degradation and health runners unless PREDICT=0', () => {
    expect(loadConfig({}, root).predict).toBe(true);
    expect(loadConfig({ PREDICT: '0' }, root).predict).toBe(false);
    expect(loadConfig({ PREDICT: '1' }, root).predict).toBe(true);
  });

  it.each([
    [{ DEMO_DAYS: 'thirty' }, /DEMO_DAYS must be a number of days from 0 to 365/],
    [{ DEMO_DAYS: '-1' }, /DEMO_DAYS must be/],
    [{ DEMO_DAYS: '366' }, /DEMO_DAYS must be/],
    [{ DEMO_DAYS: '1e3' }, /DEMO_DAYS must be/],
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ FORWARD_PORT: '-1' }, /FORWARD_PORT must be an integer/],
    [{ DEMO: 'maybe' }, /DEMO must be 0 or 1/],
    [{ PREDICT: 'sometimes' }, /PREDICT must be 0 or 1/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres/],
    // Regression: a bad JOB_LEASE_MS became NaN and was never reported.
    [{ JOB_LEASE_MS: 'thirty seconds' }, /JOB_LEASE_MS must be a whole number of milliseconds from 1000/],
    [{ JOB_LEASE_MS: '0' }, /JOB_LEASE_MS must be/],
    [{ JOB_POLL_MS: '-5' }, /JOB_POLL_MS must be/],
    [{ JOB_THREADS: 'two' }, /JOB_THREADS must be a whole number of threads/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env, root)).toThrow(ConfigError);
    expect(() => loadConfig(env, root)).toThrow(message);
  });
});
