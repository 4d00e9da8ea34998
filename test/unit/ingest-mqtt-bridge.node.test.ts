// The bridge to an external broker, against Debian's mosquitto: a device publishes to mosquitto,
// the server (MQTT_URL) subscribes with a persistent session at QoS 1. Mosquitto restarts
// mid-stream; then the bridge is away while the device goes on, and a bridge with the same client
// id collects what mosquitto queued meanwhile. Every event is stored once, in time order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { ChannelArray } from '../../src/arrays';
import { IngestService } from '../../src/server/ingest/ingest-service';
import { MqttBridge } from '../../src/server/ingest/mqtt-bridge';
import { DEFAULT_MQTT_TOPICS } from '../../src/server/ingest/mqtt-topics';
import { Sources } from '../../src/server/ingest/sources';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';

const CLIENT_ID = 'fieldline-bridge-test';
const T0 = Date.UTC(2026, 11, 2);
let broker: Mosquitto;
let test: TestServer;

beforeAll(async () => {
  broker = await startMosquitto();
  test = await startTestServer({ MQTT_URL: broker.url, MQTT_BRIDGE_CLIENT_ID: CLIENT_ID });
}, 60_000);

afterAll(async () => {
  await test?.stop();
  await broker?.stop();
});

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const publish = (client: MqttClient, topic: string, payload: string) =>
  new Promise<void>((resolve, reject) => client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve())));

describe('the MQTT bridge to mosquitto', () => {
  it('stores every event once, in order, across a broker restart and while the bridge was away', async () => {
    const admin = await test.login('admin', ADMIN_PASSWORD);
    const created = await fetch(`${test.server.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'bridge.t01' }) });
    const source = (await created.json()) as { id: string; tag: string };
    const bridge = test.server.mqttBridge!;
    await until(() => bridge.connected, 'the bridge to connect');
    // The subscription is made right after the connection: give it a moment to be in place.
    await until(() => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200)), 'the subscription');
    const device = mqtt.connect(broker.url, { clientId: 'device-t01', clean: false, reconnectPeriod: 200 });
    await new Promise((resolve) => device.once('connect', resolve));
    const topic = `fieldline/${source.tag}/telemetry`;
    const message = (index: number) => JSON.stringify({ ts: T0 + index * 1000, temp: 20 + index / 10 });
    const stored = () => new Sources(test.server.store.driver).eventsStored(source.id);

    for (let index = 0; index < 15; index++) await publish(device, topic, message(index));
    await until(async () => (await stored()) === 15, '15 events through the bridge');
    // Mosquitto restarts (its store keeps the bridge's session); device and bridge reconnect.
    await broker.restart();
    for (let index = 15; index < 30; index++) await publish(device, topic, message(index));
    await until(async () => (await stored()) === 30, '30 events after the broker restart');

    // The bridge goes away; mosquitto queues for its session what the device sends meanwhile.
    await bridge.close();
    for (let index = 30; index < 40; index++) await publish(device, topic, message(index));
    const again = new MqttBridge(new Sources(test.server.store.driver), new IngestService(test.server.store), test.server.app.log, { url: broker.url, clientId: CLIENT_ID, topics: DEFAULT_MQTT_TOPICS });
    again.start();
    try {
      await until(async () => (await stored()) === 40, '40 events once the bridge is back');
      // The same messages again (a device that never got its PUBACKs): stored once.
      for (let index = 35; index < 40; index++) await publish(device, topic, message(index));
      await until(() => again.stats.messages >= 15, 'the resent messages to arrive');
      expect(await stored()).toBe(40);
    } finally {
      await again.close();
      device.end(true);
    }
    const array = await ChannelArray.open(test.server.store.documents, `array/${source.id}/temp`);
    expect([...(await array.times(0, array.length))]).toEqual(Array.from({ length: 40 }, (_, index) => T0 + index * 1000));
    expect([...(await array.values(0, array.length))]).toEqual(Array.from({ length: 40 }, (_, index) => Math.fround(20 + index / 10)));
  }, 90_000);
});
