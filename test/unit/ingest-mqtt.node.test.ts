// The embedded MQTT broker with a real MQTT client (mqtt.js): a source's credentials, JSON
// telemetry at QoS 1 acknowledged once committed, a resend after a reconnect stored once, other
// sources' topics refused, payloads that do not parse kept in the raw stream and acknowledged,
// oversized packets closing the connection before they are held, and a rebuild decoding MQTT
// batches again.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { ChannelArray } from '../../src/arrays';
import { Sources } from '../../src/server/ingest/sources';
import { filterWithin, topicMatcher } from '../../src/server/ingest/mqtt-topics';
import { SparkplugPayload, SparkplugType } from '../../src/server/ingest/sparkplug';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';
import { freePort } from '../support/free-port';

let test: TestServer;
let admin: string;

beforeAll(async () => {
  test = await startTestServer({ MQTT_MAX_PACKET_BYTES: '65536', MQTT_TOPICS: 'fieldline/{tag},fieldline/{tag}/#,spBv1.0/+/DDATA/+/{tag}' });
  admin = await test.login('admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await test?.stop();
});

let serial = 0;
async function source(): Promise<{ id: string; tag: string; token: string }> {
  const response = await fetch(`${test.server.url}/api/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tag: `mqtt.t${++serial}`, site: 'site/M' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; tag: string; token: string };
}

function connect(options: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${test.server.mqttPort}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

const publish = (client: MqttClient, topic: string, payload: string) =>
  new Promise<void>((resolve, reject) => client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve())));

async function stored(sourceId: string): Promise<number> {
  return new Sources(test.server.store.driver).eventsStored(sourceId);
}

const T0 = Date.UTC(2026, 11, 1);

describe('the embedded MQTT broker', () => {
  it('is announced by GET /api (port and topics), for the Sources view', async () => {
    const api = (await (await fetch(`${test.server.url}/api`)).json()) as { mqtt: { port: number; topics: string[] } };
    expect(api.mqtt).toEqual({ port: test.server.mqttPort, topics: ['fieldline/{tag}', 'fieldline/{tag}/#', 'spBv1.0/+/DDATA/+/{tag}'] });
  });

  it('maps topics to tags and keeps subscriptions to a source’s own topics', () => {
    const match = topicMatcher(['fieldline/{tag}', 'fieldline/{tag}/#', 'spBv1.0/+/DDATA/+/{tag}']);
    expect(match('fieldline/turbine.t07')).toBe('turbine.t07');
    expect(match('fieldline/turbine.t07/telemetry/fast')).toBe('turbine.t07');
    expect(match('spBv1.0/plant/DDATA/edge1/inv03')).toBe('inv03');
    expect(match('other/turbine.t07')).toBeUndefined();
    expect(match('spBv1.0/plant/NDATA/edge1/inv03')).toBeUndefined();
    expect(filterWithin('fieldline/t07/commands', 't07', ['fieldline/{tag}', 'fieldline/{tag}/#'])).toBe(true);
    expect(filterWithin('fieldline/t07/#', 't07', ['fieldline/{tag}', 'fieldline/{tag}/#'])).toBe(true);
    expect(filterWithin('fieldline/#', 't07', ['fieldline/{tag}', 'fieldline/{tag}/#'])).toBe(false);
    expect(filterWithin('fieldline/+/x', 't07', ['fieldline/{tag}', 'fieldline/{tag}/#'])).toBe(false);
  });

  it('stores QoS 1 telemetry once committed, in ThingsBoard’s forms, and a resend after a reconnect once', async () => {
    const { id, tag, token } = await source();
    const client = await connect({ username: tag, password: token, clientId: `dev-${tag}`, clean: false });
    // Acknowledged means committed: with every transaction slowed down, the events are there when
    // the PUBACK arrives (an acknowledgement sent before the commit would find none).
    const driver = test.server.store.driver;
    const transaction = driver.transaction.bind(driver);
    (driver as { transaction: typeof driver.transaction }).transaction = async (work) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return transaction(work);
    };
    try {
      await publish(client, `fieldline/${tag}`, JSON.stringify({ ts: T0, temp: 20.5, power: 100 }));
      expect(await stored(id)).toBe(1);
    } finally {
      (driver as { transaction: typeof driver.transaction }).transaction = transaction;
    }
    await publish(client, `fieldline/${tag}/telemetry`, JSON.stringify([{ ts: T0 + 1000, values: { temp: 21 } }, { ts: T0 + 2000, values: { temp: 21.5, power: 110 } }]));
    expect(await stored(id)).toBe(3);
    client.end(true);
    // The same message again from a new connection (what a device does when the PUBACK was lost).
    const again = await connect({ username: tag, password: token, clientId: `dev-${tag}`, clean: false });
    await publish(again, `fieldline/${tag}/telemetry`, JSON.stringify([{ ts: T0 + 1000, values: { temp: 21 } }, { ts: T0 + 2000, values: { temp: 21.5, power: 110 } }]));
    expect(await stored(id)).toBe(3);
    again.end(true);
    const temp = await ChannelArray.open(test.server.store.documents, `array/${id}/temp`);
    expect([...(await temp.times(0, temp.length))]).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect([...(await temp.values(0, temp.length))]).toEqual([20.5, 21, 21.5]);
  });

  it('refuses wrong credentials, and ends a connection that publishes to another source’s topic', async () => {
    const { tag, token } = await source();
    const other = await source();
    await expect(connect({ username: tag, password: 'not the token' })).rejects.toThrow(/bad user ?name or password|Not authorized|connack/i);
    await expect(connect({ username: other.tag, password: token })).rejects.toThrow(/bad user ?name or password|Not authorized|connack/i);
    const client = await connect({ username: tag, password: token });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(`fieldline/${other.tag}`, JSON.stringify({ ts: T0, temp: 1 }), { qos: 1 });
    await closed;
    expect(await stored(other.id)).toBe(0);
    client.end(true);
  });

  it('acknowledges and keeps a payload that does not parse, storing no events from it', async () => {
    const { id, tag, token } = await source();
    const client = await connect({ username: tag, password: token });
    await publish(client, `fieldline/${tag}`, '{"ts": not json');
    await publish(client, `fieldline/${tag}`, JSON.stringify({ ts: 'yesterday', temp: 1 }));
    await publish(client, `fieldline/${tag}`, JSON.stringify({ ts: T0, temp: 2 }));
    client.end(true);
    expect(await stored(id)).toBe(1);
    const [row] = await test.server.store.driver.transaction((query) => query('SELECT COUNT(*) AS batches, SUM(stream_length) AS bytes FROM ingestions WHERE source = ?', [id]));
    expect(Number(row!.batches)).toBe(3);
  });

  it('closes a connection announcing a packet over MQTT_MAX_PACKET_BYTES before holding it', async () => {
    const { tag, token } = await source();
    const client = await connect({ username: tag, password: token });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(`fieldline/${tag}`, JSON.stringify({ ts: T0, blob: 'x'.repeat(100_000) }), { qos: 1 });
    await closed;
    client.end(true);
    // A raw socket announcing 200 MB gets closed after the length bytes alone.
    const socket = net.connect(test.server.mqttPort!, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x60])); // PUBLISH, remaining length 201 326 592
    await ended;
  });

  it('reads Sparkplug B device data: metrics by name, signed integers, their own timestamps', async () => {
    const { id, tag, token } = await source();
    const client = await connect({ username: tag, password: token });
    const payload = SparkplugPayload.encode(
      SparkplugPayload.fromObject({
        timestamp: T0,
        seq: 1,
        metrics: [
          { name: 'temp', datatype: SparkplugType.Double, double_value: 21.5 },
          { name: 'count', datatype: SparkplugType.Int32, int_value: 0xffffffff },
          { name: 'offset', datatype: SparkplugType.Int64, long_value: '18446744073709551614' },
          { name: 'temp', timestamp: T0 + 1000, datatype: SparkplugType.Float, float_value: 22.25 },
          { alias: 7, datatype: SparkplugType.Double, double_value: 3 },
        ],
      }),
    ).finish();
    await new Promise<void>((resolve, reject) => client.publish(`spBv1.0/plant/DDATA/edge1/${tag}`, Buffer.from(payload), { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    client.end(true);
    expect(await stored(id)).toBe(2);
    const read = async (field: string) => {
      const array = await ChannelArray.open(test.server.store.documents, `array/${id}/${field}`);
      return { times: [...(await array.times(0, array.length))], values: [...(await array.values(0, array.length))] };
    };
    expect(await read('temp')).toEqual({ times: [T0, T0 + 1000], values: [21.5, 22.25] });
    expect(await read('count')).toEqual({ times: [T0], values: [-1] });
    expect(await read('offset')).toEqual({ times: [T0], values: [-2] });
  });

  it('lets a rebuild decode MQTT batches again (late events merged in time order)', async () => {
    const { id, tag, token } = await source();
    const client = await connect({ username: tag, password: token });
    await publish(client, `fieldline/${tag}`, JSON.stringify({ ts: T0 + 2000, level: 2 }));
    await publish(client, `fieldline/${tag}`, JSON.stringify({ ts: T0, level: 0 })); // late
    client.end(true);
    const rebuilt = await fetch(`${test.server.url}/api/sources/${encodeURIComponent(id)}/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(rebuilt.status).toBe(200);
    const level = await ChannelArray.open(test.server.store.documents, `array/${id}/level`);
    expect([...(await level.times(0, level.length))]).toEqual([T0, T0 + 2000]);
  });

  it('takes a device’s messages again after the server (its broker) restarts mid-stream, each once', async () => {
    const port = await freePort();
    let server = await startTestServer({ MQTT_PORT: String(port) });
    const token = await server.login('admin', ADMIN_PASSWORD);
    const created = await fetch(`${server.server.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'mqtt.restart' }) });
    const { id, tag, token: sourceToken } = (await created.json()) as { id: string; tag: string; token: string };
    const device = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username: tag, password: sourceToken, clientId: 'restarting-device', clean: false, reconnectPeriod: 100 });
    await new Promise((resolve) => device.once('connect', resolve));
    try {
      const sent: Array<Promise<void>> = [];
      for (let index = 0; index < 10; index++) sent.push(publish(device, `fieldline/${tag}`, JSON.stringify({ ts: T0 + index * 1000, temp: index })));
      await Promise.all(sent);
      // The server stops (its broker with it) and starts again on the same data and port; meanwhile
      // the device queues what it sends, and sends it once it is back.
      await server.stop(true);
      const later: Array<Promise<void>> = [];
      for (let index = 10; index < 20; index++) later.push(publish(device, `fieldline/${tag}`, JSON.stringify({ ts: T0 + index * 1000, temp: index })));
      server = await startTestServer({ MQTT_PORT: String(port) }, server.dataDir);
      await Promise.all(later);
      expect(await new Sources(server.server.store.driver).eventsStored(id)).toBe(20);
      const temp = await ChannelArray.open(server.server.store.documents, `array/${id}/temp`);
      expect([...(await temp.values(0, temp.length))]).toEqual(Array.from({ length: 20 }, (_, index) => index));
    } finally {
      device.end(true);
      await server.stop();
    }
  }, 60_000);
});
