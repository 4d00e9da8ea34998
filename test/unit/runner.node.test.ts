// The incremental transformation runner: only new data per run, progress, and crash-resume without
// loss or double counting.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { TransformationRunner, defineTransformation, type Progress } from '../../src/compute';
import { createStorage, type Storage } from '../../src/storage';
import { runKernel, escalatedMax, sum } from '../../src/core';
import { signal } from '../conformance/arrays-conformance';
import { rejection, uniqueName } from '../conformance/helpers';

const opened: Storage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.destroy().catch(() => undefined);
});

function open(): Storage {
  const storage = createStorage({ type: 'indexeddb', database: uniqueName('runner') });
  opened.push(storage);
  return storage;
}

/** Makes the Nth write of the transformation document fail, as a tab closed at that moment would. */
function crashOnCheckpoint(storage: Storage, id: string, nth: number): Storage {
  let writes = 0;
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'put') {
        return (docId: string, doc: Record<string, never>) => {
          if (docId === id && ++writes === nth) return Promise.reject(new Error('tab closed'));
          return target.put(docId, doc);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('transformation runner', () => {
  it('processes only what was appended since the last run', async () => {
    const storage = open();
    const array = await ChannelArray.create(storage, 'power', { timing: 'regular' });
    const values = signal(3_000_000, 5);
    await array.append(values.slice(0, 1_200_000), { t0: 0, dt: 1 });
    await defineTransformation(storage, 'power-sum', { inputs: ['power'], kernel: 'sum' });
    const runner = new TransformationRunner(storage, 'power-sum');
    const progress: Progress[] = [];
    runner.addEventListener('progress', (event) => progress.push((event as CustomEvent<Progress>).detail));
    await runner.run();
    expect(progress.at(-1)).toEqual({ done: 1_200_000, total: 1_200_000 });
    expect(progress.length).toBeGreaterThan(2);

    await array.append(values.slice(1_200_000), { t0: 1_200_000, dt: 1 });
    progress.length = 0;
    const doc = await runner.run();
    expect(progress.at(-1)).toEqual({ done: 1_800_000, total: 1_800_000 });
    expect(doc.positions.power).toBe(3_000_000);
    const expected = runKernel(sum, {}, [{ values, offset: 0 }])!;
    expect(Math.abs((doc.results.power as number) - expected)).toBeLessThan(1e-6 * Math.abs(expected));
    // Nothing new: nothing done.
    progress.length = 0;
    await runner.run();
    expect(progress).toEqual([{ done: 0, total: 0 }]);
  });

  it('a crash between output and checkpoint neither loses nor doubles anything', async () => {
    const storage = open();
    const array = await ChannelArray.create(storage, 'vib', { timing: 'regular' });
    const values = signal(2_500_000, 9);
    await array.append(values, { t0: 1000, dt: 0.5 });
    await defineTransformation(storage, 'vib-escalated', { inputs: ['vib'], kernel: 'escalated_max', params: { block: 65_536 }, output: 'vib-escalated-out' });
    // The second checkpoint fails after its output blocks were appended.
    const crashing = new TransformationRunner(crashOnCheckpoint(storage, 'vib-escalated', 2), 'vib-escalated');
    await expect(crashing.run()).rejects.toThrow('tab closed');
    const doc = await new TransformationRunner(storage, 'vib-escalated').run();
    const output = await ChannelArray.open(storage, 'vib-escalated-out');
    const expected = runKernel(escalatedMax, { block: 65_536 }, [{ values, offset: 0 }]).slice(0, Math.floor(values.length / 65_536));
    expect(doc.output_length).toBe(expected.length);
    expect(output.length).toBe(expected.length);
    expect([...(await output.read(0, output.length)).values]).toEqual(expected.map((value) => Math.fround(value ?? Number.NaN)));
    // Each output value carries the time of its block's first sample.
    expect([...(await output.read(1, 2)).times]).toEqual([1000 + 65_536 * 0.5]);
  });

  it('refuses unknown kernels, bad parameters and outputs where they make no sense', async () => {
    const storage = open();
    await expect(defineTransformation(storage, 't', { inputs: ['a'], kernel: 'nope' as never })).rejects.toThrow(/unknown kernel/);
    await expect(defineTransformation(storage, 't', { inputs: ['a'], kernel: 'histogram', params: { min: 1, max: 0 } })).rejects.toThrow(/greater than min/);
    await expect(defineTransformation(storage, 't', { inputs: ['a'], kernel: 'max', output: 'o' })).rejects.toThrow(/only block kernels/);
    await expect(defineTransformation(storage, 't', { inputs: [], kernel: 'max' })).rejects.toThrow(/inputs/);
    await expect(defineTransformation(storage, 't', { inputs: ['a'], kernel: 'block_max' })).rejects.toThrow(/needs an output/);
    await expect(defineTransformation(storage, 't', { inputs: ['a'], kernel: 'block_max', params: { block: 256 }, output: 'a' })).rejects.toThrow(/neither the transformation itself nor one of its inputs/);
  });

  it('writes only an output array it created: an existing channel or document as output is refused, when defining and when running', async () => {
    const storage = open();
    const vib = await ChannelArray.create(storage, 'vib', { timing: 'regular' });
    await vib.append(signal(1024, 3), { t0: 0, dt: 1 });
    const channel = await ChannelArray.create(storage, 'channel', { timing: 'regular' });
    await channel.append(signal(500, 4), { t0: 0, dt: 1 });
    const block = { inputs: ['vib'], kernel: 'block_max' as const, params: { block: 256 } };
    // An existing channel, or any other document, as the output: 409, and the channel keeps its data.
    expect((await rejection(defineTransformation(storage, 'wipe', { ...block, output: 'channel' }))).status).toBe(409);
    await storage.put('note', { type: 'work_order' });
    expect((await rejection(defineTransformation(storage, 'wipe', { ...block, output: 'note' }))).status).toBe(409);
    // Nor does a definition replace a document that is not a transformation.
    expect((await rejection(defineTransformation(storage, 'note', { inputs: ['vib'], kernel: 'sum' }))).status).toBe(409);
    expect(await storage.get('note')).toEqual({ type: 'work_order' });
    expect((await ChannelArray.open(storage, 'channel')).length).toBe(500);
    // Its own output: created by its first run, marked with its producer, and it may redefine over it.
    await defineTransformation(storage, 'max', { ...block, output: 'max-out' });
    await new TransformationRunner(storage, 'max').run();
    expect((await ChannelArray.open(storage, 'max-out')).meta).toMatchObject({ producer: 'max', length: 4 });
    await defineTransformation(storage, 'max', { ...block, output: 'max-out' });
    expect((await new TransformationRunner(storage, 'max').run()).output_length).toBe(4);
    expect((await rejection(defineTransformation(storage, 'other', { ...block, output: 'max-out' }))).status).toBe(409);
    // An array made under the output id after the definition: the run refuses to touch it.
    await defineTransformation(storage, 'late', { ...block, output: 'late-out' });
    const late = await ChannelArray.create(storage, 'late-out', { timing: 'regular' });
    await late.append(signal(10, 5), { t0: 0, dt: 1 });
    expect((await rejection(new TransformationRunner(storage, 'late').run())).status).toBe(409);
    expect((await ChannelArray.open(storage, 'late-out')).length).toBe(10);
  });

  it('goes on with an output it wrote before outputs were marked with their producer (an upgrade)', async () => {
    const storage = open();
    const vib = await ChannelArray.create(storage, 'vib', { timing: 'regular' });
    await vib.append(signal(1024, 3), { t0: 0, dt: 1 });
    await defineTransformation(storage, 'max', { inputs: ['vib'], kernel: 'block_max', params: { block: 256 }, output: 'max-out' });
    await new TransformationRunner(storage, 'max').run();
    // As an older version left it: the same output array, without the producer mark.
    const unmarked = await storage.get('max-out');
    delete unmarked.producer;
    await storage.put('max-out', unmarked);
    await vib.append(signal(512, 4), { t0: 1024, dt: 1 });
    expect((await new TransformationRunner(storage, 'max').run()).output_length).toBe(6);
  });
});
