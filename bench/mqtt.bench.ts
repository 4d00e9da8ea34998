/**
 * MQTT: QoS 1 telemetry through the embedded broker (mqtt.js as the device, each message a JSON
 * array of 10 events × 4 numeric fields, 32 messages in flight, each acknowledged once committed)
 * on SQLite, next to the same payloads stored through the ingest service directly in the same run
 * (the same 32 waiting at a time). Figures are medians of 3 alternating rounds on fresh sources.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import type { Figures } from './harness';
import { loadConfig, projectRoot, startServer, type RunningServer } from '../src/server';
import { IngestService } from '../src/server/ingest/ingest-service';
import { Sources } from '../src/server/ingest/sources';
import { mqttJsonFormat, parseMqttJson } from '../src/server/ingest/mqtt-payload';
import { makeTempDir } from '../test/support/temp-dir';

const MESSAGES = 4000;
const PER_MESSAGE = 10;
const IN_FLIGHT = 32;
const ROUNDS = 3;
const T0 = Date.UTC(2026, 10, 1);

function payloads(): string[] {
  return Array.from({ length: MESSAGES }, (_, message) =>
    JSON.stringify(Array.from({ length: PER_MESSAGE }, (_, index) => {
      const n = message * PER_MESSAGE + index;
      return { ts: T0 + n * 100, temp: 20 + (n % 50) / 10, power: 1000 + (n % 300), rpm: 12 + (n % 7) / 10, vib: n % 9 };
    })),
  );
}

/** Keeps `limit` of `tasks` running; resolves when all are done. */
async function pooled(count: number, limit: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  }));
}

async function mqttRate(server: RunningServer, tag: string, token: string, messages: readonly string[]): Promise<number> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { username: tag, password: token, reconnectPeriod: 0 });
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const started = performance.now();
  await pooled(messages.length, IN_FLIGHT, (index) => new Promise<void>((resolve, reject) => client.publish(`fieldline/${tag}`, messages[index]!, { qos: 1 }, (error) => (error ? reject(error) : resolve()))));
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync();
  return (messages.length * PER_MESSAGE) / seconds;
}

async function directRate(server: RunningServer, tag: string, messages: readonly string[]): Promise<number> {
  const source = (await new Sources(server.store.driver).byTag(tag))!;
  const service = new IngestService(server.store);
  const receivedAt = Date.now();
  const prepared = messages.map((payload) => ({ raw: Buffer.from(payload), events: parseMqttJson(Buffer.from(payload), receivedAt) }));
  const started = performance.now();
  await pooled(prepared.length, IN_FLIGHT, (index) => service.ingest(source, `direct-${index}`, prepared[index]!.events, prepared[index]!.raw, mqttJsonFormat(receivedAt)));
  return (messages.length * PER_MESSAGE) / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(): Promise<Figures> {
  const dir = makeTempDir('fieldline-bench-mqtt-');
  const server = await startServer(loadConfig({ PORT: '0', FORWARD_PORT: '0', MQTT_PORT: '0', DATA_DIR: dir, CLIENT_DIR: `${dir}/none`, ADMIN_PASSWORD: 'bench-password', DEMO: '0' }, projectRoot), { logLevel: 'silent' });
  try {
    const sources = new Sources(server.store.driver);
    const messages = payloads();
    const viaMqtt: number[] = [];
    const direct: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const mqttSource = await sources.create({ tag: `bench.mqtt.${round}` });
      await sources.create({ tag: `bench.direct.${round}` });
      if (round % 2 === 0) {
        viaMqtt.push(await mqttRate(server, mqttSource.tag, mqttSource.token, messages));
        direct.push(await directRate(server, `bench.direct.${round}`, messages));
      } else {
        direct.push(await directRate(server, `bench.direct.${round}`, messages));
        viaMqtt.push(await mqttRate(server, mqttSource.tag, mqttSource.token, messages));
      }
    }
    return {
      'ingest.mqtt.events_per_s': { value: Math.round(median(viaMqtt)), unit: 'events/s', better: 'higher' },
      'ingest.mqtt.messages_per_s': { value: Math.round(median(viaMqtt) / PER_MESSAGE), unit: 'messages/s', better: 'higher' },
      'ingest.mqtt.ratio_vs_direct': { value: Math.round((median(viaMqtt) / median(direct)) * 100) / 100, unit: '×', better: 'higher' },
    };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
