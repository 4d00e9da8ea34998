/**
 * The simulated fleet's key 1 Hz channels are scored for anomalies (alarms.md §3): each turbine's
 * power, gearbox and main bearing temperatures and drive train vibration, each inverter's AC
 * power. A demo start (real server, SQLite, a few minutes of history) gets their derived channels
 * with a score for every input sample (at the input's times, in [0, 1]) and none for the other
 * channels; a database of an older demo (sources without flags) gets the flags on restart, and a
 * flag an admin turned off stays off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { fleetDefinition } from '../../src/server/demo/fleet';
import { DEFAULT_SEED } from '../../src/server/demo/demo-fleet';
import { Sources } from '../../src/server/ingest/sources';
import { updateSourceFields } from '../../src/server/ingest/source-fields';
import { startTestServer, type TestServer } from '../support/server-session';

const DAYS = '0.002'; // about 3 minutes of history
const fleet = fleetDefinition(DEFAULT_SEED);
const FLAGGED: Record<string, readonly string[]> = { scada: ['power', 'gearbox_temp', 'main_bearing_temp', 'vibration_rms'], inverter: ['ac_power'] };

/** The flagged channels of the fleet as registered: source id and field. */
async function flaggedChannels(test: TestServer): Promise<Array<{ source: string; field: string }>> {
  const sources = new Sources(test.server.store.driver);
  const result: Array<{ source: string; field: string }> = [];
  for (const def of fleet.sources) {
    const source = (await sources.byTag(def.tag))!;
    for (const field of FLAGGED[def.kind] ?? []) result.push({ source: source.id, field });
  }
  return result;
}

describe('the simulated fleet\'s anomaly channels (SQLite)', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: DAYS, ALARMS_POLL_MS: '100' });
    await test.server.fleet!.start();
  }, 60_000);
  afterAll(() => test?.stop(), 30_000);

  it('flags exactly the key 1 Hz channels in the sources\' metadata and on their channel documents', async () => {
    const channels = await flaggedChannels(test);
    expect(channels.length).toBe(fleet.sources.filter((def) => def.kind === 'scada').length * 4 + fleet.sources.filter((def) => def.kind === 'inverter').length);
    for (const { source, field } of channels) {
      expect((await new Sources(test.server.store.driver).get(source))!.fields[field]).toMatchObject({ anomaly: true });
      expect(await test.server.store.documents.get(`channel/${source}/${field}`)).toMatchObject({ type: 'channel', field, anomaly: true });
    }
    const { rows } = await test.server.store.documents.allDocs({ query: 'type:channel', include_docs: true });
    const flagged = rows.filter((row) => (row.doc as { anomaly?: unknown } | undefined)?.anomaly === true).map((row) => row.id);
    expect(flagged.sort()).toEqual(channels.map(({ source, field }) => `channel/${source}/${field}`).sort());
  });

  it('gets a derived channel for each, scored as far as its input, and none for the others', async () => {
    const channels = await flaggedChannels(test);
    const open = (id: string) => ChannelArray.open(test.server.store.documents, id);
    // The inputs grow live: every derived array must reach the length its input had now.
    const reached = await Promise.all(channels.map(async ({ source, field }) => (await open(`array/${source}/${field}`)).length));
    expect(Math.min(...reached)).toBeGreaterThan(100);
    await expect
      .poll(
        async () => {
          let behind = 0;
          for (const [index, { source, field }] of channels.entries()) {
            const length = await open(`array/${source}/${field}/anomaly`).then((array) => array.length, () => 0);
            if (length < reached[index]!) behind++;
          }
          return behind;
        },
        { timeout: 75_000, interval: 250 },
      )
      .toBe(0);
    for (const { source, field } of channels) {
      const input = await open(`array/${source}/${field}`);
      const derived = await open(`array/${source}/${field}/anomaly`);
      // Never ahead of its input, at the input's times.
      expect(derived.length).toBeLessThanOrEqual(input.length);
      const { values, times } = await derived.read(0, derived.length);
      expect(times).toEqual(await input.times(0, derived.length));
      expect(values.every((score) => score >= 0 && score <= 1)).toBe(true);
      expect(await test.server.store.documents.get(`channel/${source}/${field}/anomaly`)).toMatchObject({ type: 'channel', field: `${field}/anomaly`, unit: '', derived: { kind: 'anomaly', from: `channel/${source}/${field}` } });
    }
    // Every derived channel is one of the flagged ones (wind speed, pitch, strings… get none).
    const { rows } = await test.server.store.documents.allDocs({ query: 'type:channel', include_docs: true });
    const derived = rows.filter((row) => (row.doc as { derived?: unknown } | undefined)?.derived !== undefined).map((row) => row.id);
    expect(derived.sort()).toEqual(channels.map(({ source, field }) => `channel/${source}/${field}/anomaly`).sort());
  }, 120_000);
});

describe('the simulated fleet\'s anomaly flags on a database of an older demo', () => {
  it('are added on restart where the metadata has none; a flag turned off stays off', async () => {
    const first = await startTestServer({ DEMO: '1', DEMO_DAYS: DAYS, ALARMS: '0' });
    await first.server.fleet!.start();
    const tag = 'demo.north-sea-wind.t01.scada';
    const sources = new Sources(first.server.store.driver);
    const id = (await sources.byTag(tag))!.id;
    // What an older demo registered: no flags; and an admin turned power's off.
    const older = Object.fromEntries(Object.entries(fleet.sources.find((def) => def.tag === tag)!.fields).map(([field, info]) => [field, Object.fromEntries(Object.entries(info).filter(([key]) => key !== 'anomaly'))]));
    await updateSourceFields(first.server.store, sources, id, { ...older, power: { ...older.power, anomaly: false } });
    expect(await first.server.store.documents.get(`channel/${id}/gearbox_temp`)).not.toHaveProperty('anomaly');
    await first.stop(true);
    const second = await startTestServer({ DEMO: '1', DEMO_DAYS: DAYS, ALARMS_POLL_MS: '100' }, first.dataDir);
    try {
      await second.server.fleet!.start();
      const source = (await new Sources(second.server.store.driver).get(id))!;
      expect(source.fields.gearbox_temp).toMatchObject({ title: 'Gearbox bearing temperature', anomaly: true });
      expect(source.fields.power).toMatchObject({ anomaly: false });
      expect(source.fields.wind_speed).not.toHaveProperty('anomaly');
      expect(await second.server.store.documents.get(`channel/${id}/gearbox_temp`)).toMatchObject({ anomaly: true });
      expect(await second.server.store.documents.get(`channel/${id}/power`)).toMatchObject({ anomaly: false });
      await expect
        .poll(async () => (await second.server.store.documents.get(`channel/${id}/gearbox_temp/anomaly`).then(() => true, () => false)), { timeout: 30_000, interval: 250 })
        .toBe(true);
      await expect(second.server.store.documents.get(`channel/${id}/power/anomaly`)).rejects.toMatchObject({ status: 404 });
    } finally {
      await second.stop();
    }
  }, 120_000);
});
