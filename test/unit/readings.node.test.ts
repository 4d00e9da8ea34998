// Manual readings recorded on the device (src/controllers/maintenance/readings.ts) over a real
// memory storage with the query layer the app uses: recordReading writes one immutable reading
// document; pendingReadings tells the readings the channel array on the device does not hold yet.
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { pendingReadings, recordReading } from '../../src/controllers/maintenance/readings';
import { StorageError, createStorage, type Doc, type Storage } from '../../src/storage';

const site = 'site/north';
const asset = 'asset/north/t01';
const T0 = Date.UTC(2026, 11, 1, 8);

function deviceStorage(): Storage {
  return createStorage({ type: 'query', sub_storage: { type: 'memory' } });
}

async function manualChannel(storage: Storage, field: string): Promise<ChannelArray> {
  const arrayId = `array/manual/${asset}/${field}`;
  await storage.put(`channel/manual/${asset}/${field}`, { type: 'channel', site, asset, source: 'manual', array: arrayId, title: field, field, unit: '°C', manual: true } as unknown as Doc);
  return ChannelArray.create(storage, arrayId, { timing: 'explicit', site, producer: 'manual' });
}

describe('recordReading', () => {
  it('writes one reading/<uuid> document with the contract keys only', async () => {
    const storage = deviceStorage();
    const input = { site, asset, at: T0, values: { oil_temp: 61.5, pressure: 3.2 }, units: { oil_temp: '°C' }, by: 'tina', work_order: 'work_order/w1', item: 'oil' };
    const id = await recordReading(storage, input);
    expect(id).toMatch(/^reading\/[0-9a-f-]{36}$/);
    expect(await storage.get(id)).toEqual({ type: 'reading', ...input });
    const other = await recordReading(storage, { site, asset, at: T0 + 1, values: { oil_temp: 62 }, by: 'tina' });
    expect(other).not.toBe(id);
    expect(await storage.get(other)).toEqual({ type: 'reading', site, asset, at: T0 + 1, values: { oil_temp: 62 }, by: 'tina' });
  });

  it('refuses a bad reading with a message naming the field and writes nothing', async () => {
    const storage = deviceStorage();
    const good = { site, asset, at: T0, values: { oil_temp: 61 }, by: 'tina' };
    // The server's checks (core readingProblem), so what the tablet records the server takes.
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, values: {} }, /at least one field/],
      [{ ...good, values: { oil_temp: Number.NaN } }, /values\["oil_temp"\] must be a finite number/],
      [{ ...good, values: { oil_temp: '61' } }, /values\["oil_temp"\] must be a finite number/],
      [{ ...good, values: { oil_temp: 1e39 } }, /float32/],
      [{ ...good, at: Number.POSITIVE_INFINITY }, /at must be a finite number/],
      [{ ...good, asset: '' }, /asset/],
      [{ ...good, by: undefined }, /who took it/],
      [{ ...good, units: { pressure: 'bar' } }, /units\["pressure"\] names no field/],
      [{ ...good, work_order: 'alarm/x' }, /work_order/],
      [{ ...good, values: Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`f${index}`, index])) }, /at most 64/],
    ];
    for (const [reading, message] of cases) {
      const error = await recordReading(storage, reading as Parameters<typeof recordReading>[1]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('bad_request');
      expect((error as Error).message).toMatch(message);
    }
    expect((await storage.allDocs()).rows).toEqual([]);
  });
});

describe('pendingReadings', () => {
  it('lists the readings of a field the channel array does not hold yet, oldest first, and none twice once the array has them', async () => {
    const storage = deviceStorage();
    const array = await manualChannel(storage, 'oil_temp');
    await array.append(Float32Array.from([58, 59]), Float64Array.from([T0 - 2000, T0 - 1000]));
    const late = await recordReading(storage, { site, asset, at: T0 + 2000, values: { oil_temp: 63.1 }, units: { oil_temp: '°C' }, by: 'tina' });
    const early = await recordReading(storage, { site, asset, at: T0, values: { oil_temp: 61.7, pressure: 3 }, by: 'tina', work_order: 'work_order/w1', item: 'oil' });
    await recordReading(storage, { site, asset, at: T0 + 1000, values: { pressure: 3.1 }, by: 'tina' });
    await recordReading(storage, { site, asset: 'asset/north/t02', at: T0, values: { oil_temp: 70 }, by: 'tina' });
    expect(await pendingReadings(storage, { asset, field: 'oil_temp' })).toEqual([
      { id: early, at: T0, value: 61.7, by: 'tina', work_order: 'work_order/w1', item: 'oil' },
      { id: late, at: T0 + 2000, value: 63.1, unit: '°C', by: 'tina' },
    ]);
    expect((await pendingReadings(storage, { asset, field: 'oil_temp', after: T0 })).map((reading) => reading.id)).toEqual([late]);

    // The server applied the early one (and another technician's later reading): only the late one is pending.
    await array.append(Float32Array.from([61.7, 64]), Float64Array.from([T0, T0 + 5000]));
    expect((await pendingReadings(storage, { asset, field: 'oil_temp' })).map((reading) => reading.id)).toEqual([late]);
    // A sample at the same time with another value is not this reading.
    await array.truncate(2);
    await array.append(Float32Array.from([99, 64]), Float64Array.from([T0, T0 + 5000]));
    expect((await pendingReadings(storage, { asset, field: 'oil_temp' })).map((reading) => reading.id)).toEqual([early, late]);
  });

  it('every reading is pending without a manual channel or array on the device', async () => {
    const storage = deviceStorage();
    const id = await recordReading(storage, { site, asset, at: T0, values: { oil_temp: 60 }, by: 'tina' });
    expect((await pendingReadings(storage, { asset, field: 'oil_temp' })).map((reading) => reading.id)).toEqual([id]);
    await storage.put('channel/manual/x', { type: 'channel', site, asset, source: 'manual', array: 'array/not/here', title: 'Oil', field: 'oil_temp', manual: true } as unknown as Doc);
    expect((await pendingReadings(storage, { asset, field: 'oil_temp' })).map((reading) => reading.id)).toEqual([id]);
    // A sensor channel of the same field is not the manual channel.
    expect(await pendingReadings(storage, { asset, field: 'pressure' })).toEqual([]);
  });
});
