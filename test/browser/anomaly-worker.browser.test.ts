// The anomaly detector in the worker pool, in real Chromium: the same scores bit for bit as the
// in-thread kernel (which the server's runner calls) on the same data, in one batch and across
// batches whose state crossed the worker boundary; and the device's runner scoring a local channel
// (real IndexedDB) incrementally into its derived array, after a crash between append and progress too.
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { LocalAnomalyRunner, WorkerPoolEngine, inThreadAnomalyScorer } from '../../src/compute';
import { anomalyArrayId, initAnomaly, scoreAnomaly, type AnomalyState } from '../../src/core';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

const workers = new WorkerPoolEngine(2);
afterAll(() => workers.dispose());

/** A daily cycle, noise, a level shift and spikes at one sample a minute (deterministic). */
function signal(count: number): { times: Float64Array; values: Float32Array } {
  let state = 11;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const times = new Float64Array(count);
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    times[index] = 1_760_000_000_000 + index * 60_000;
    values[index] = 20 + 8 * Math.sin((2 * Math.PI * index) / 1440) + (index > count / 2 ? 12 : 0) + (index % 1999 === 1500 ? 30 : 0) + (random() - 0.5);
  }
  return { times, values };
}

/** Scores in batches of `size` through `score`, the state handed from batch to batch. */
async function inBatches(score: (state: AnomalyState, times: Float64Array, values: Float32Array) => Promise<{ state: AnomalyState; scores: Float32Array }>, input: { times: Float64Array; values: Float32Array }, size: number): Promise<Float32Array> {
  const scores = new Float32Array(input.values.length);
  let state = initAnomaly();
  for (let from = 0; from < input.values.length; from += size) {
    const result = await score(state, input.times.subarray(from, from + size), input.values.subarray(from, from + size));
    scores.set(result.scores, from);
    state = result.state;
  }
  return scores;
}

describe('anomaly detector in the worker pool', () => {
  it('gives the in-thread kernel\'s scores bit for bit, in one batch and in batches', async () => {
    const input = signal(20_000);
    const reference = scoreAnomaly(initAnomaly(), input.times, input.values);
    // Some scores must be above 0, or the comparison would prove little.
    expect(reference.scores.some((score) => score > 0.5)).toBe(true);
    const whole = await workers.scoreAnomaly(initAnomaly(), input.times, input.values);
    expect(new Uint8Array(whole.scores.buffer)).toEqual(new Uint8Array(reference.scores.buffer));
    expect(whole.state).toEqual(reference.state);
    const batched = await inBatches((state, times, values) => workers.scoreAnomaly(state, times, values), input, 3001);
    expect(new Uint8Array(batched.buffer)).toEqual(new Uint8Array(reference.scores.buffer));
    // The caller's arrays are left as they were (the worker got copies).
    expect(input.values.length).toBe(20_000);
    expect(input.times[19_999]).toBe(1_760_000_000_000 + 19_999 * 60_000);
  });
});

describe('the device anomaly runner', () => {
  const CHANNEL = 'channel/source/inv1/ac_power';
  const INPUT = 'array/source/inv1/ac_power';

  async function localChannel(storage: Storage): Promise<ChannelArray> {
    await storage.put(CHANNEL, { type: 'channel', site: 'site/sun', asset: 'asset/sun/inv1', source: 'source/inv1', array: INPUT, field: 'ac_power', title: 'AC power', unit: 'kW', anomaly: true });
    return ChannelArray.create(storage, INPUT, { timing: 'explicit', site: 'site/sun' });
  }

  it('scores a local channel incrementally in the worker into exactly the one-pass scores', async () => {
    const storage = createStorage({ type: 'indexeddb', database: uniqueName('anomaly-local') });
    const device = createStorage({ type: 'indexeddb', database: uniqueName('anomaly-device') });
    const input = signal(7000);
    const array = await localChannel(storage);
    const runner = new LocalAnomalyRunner({ storage, state: device, channel: CHANNEL, scorer: workers, batchSamples: 2048 });
    const cuts = [0, 1, 2500, 2501, 7000];
    for (let part = 0; part + 1 < cuts.length; part++) {
      await array.append(input.values.slice(cuts[part], cuts[part + 1]), input.times.slice(cuts[part], cuts[part + 1]));
      expect(await runner.run()).toEqual({ scored: cuts[part + 1]! - cuts[part]!, position: cuts[part + 1] });
    }
    expect(await runner.run()).toEqual({ scored: 0, position: 7000 });
    const output = await ChannelArray.open(storage, anomalyArrayId(INPUT));
    const derived = await output.read(0, output.length);
    expect(derived.values).toEqual(scoreAnomaly(initAnomaly(), input.times, input.values).scores);
    expect(derived.times).toEqual(input.times);
    expect(output.meta.producer).toBe('anomaly');
    expect(await storage.get(`${CHANNEL}/anomaly`)).toMatchObject({ type: 'channel', site: 'site/sun', array: anomalyArrayId(INPUT), field: 'ac_power/anomaly', title: 'AC power — anomaly score', derived: { kind: 'anomaly', from: CHANNEL } });
    // Progress is the device's own: not in the storage that syncs.
    expect((await storage.allDocs()).rows.map((row) => row.id).filter((id) => id.startsWith('anomaly_run/'))).toEqual([]);
    expect(await device.get(`anomaly_run/${CHANNEL}/anomaly`)).toMatchObject({ kind: 'fl-anomaly-run', position: 7000 });
  });

  it('scores again what a run appended but never recorded (it died in between)', async () => {
    const storage = createStorage({ type: 'indexeddb', database: uniqueName('anomaly-crash') });
    const device = createStorage({ type: 'indexeddb', database: uniqueName('anomaly-crash-device') });
    const input = signal(3000);
    const array = await localChannel(storage);
    await array.append(input.values.slice(0, 1000), input.times.slice(0, 1000));
    const runner = new LocalAnomalyRunner({ storage, state: device, channel: CHANNEL, scorer: inThreadAnomalyScorer });
    await runner.run();
    // A run that appended its scores and died before writing its progress.
    await array.append(input.values.slice(1000, 3000), input.times.slice(1000, 3000));
    const output = await ChannelArray.open(storage, anomalyArrayId(INPUT));
    await output.append(new Float32Array(500).fill(0.25), input.times.slice(1000, 1500));
    expect(await runner.run()).toEqual({ scored: 2000, position: 3000 });
    await output.refresh();
    expect((await output.read(0, output.length)).values).toEqual(scoreAnomaly(initAnomaly(), input.times, input.values).scores);
  });
});
