// A chart's live tail (ChannelSeriesController.follow over a real memory storage): a view that
// shows the end of the data extends to the array's new end when a `samples` event says it grew,
// reading only the new samples while every sample is drawn; a view of the past stays as it is.
import { describe, expect, it } from 'vitest';
import type { ReactiveControllerHost } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { ChannelSeriesController } from '../../src/controllers/channel-series-controller';
import { createStorage, type GetAttachmentOptions, type Storage } from '../../src/storage';
import { PassThroughStorage } from '../../src/storage/common/pass-through';

const T0 = Date.UTC(2026, 10, 1);

/** The host calls a controller makes, without a DOM; counts update requests. */
function host(): ReactiveControllerHost & { updates: number } {
  const counted = {
    updates: 0,
    addController: () => undefined,
    removeController: () => undefined,
    requestUpdate: () => {
      counted.updates++;
    },
    updateComplete: Promise.resolve(true),
  };
  return counted;
}

/** Counts the attachment bytes read (what a chart costs the storage). */
class CountingStorage extends PassThroughStorage {
  bytes = 0;
  // Typed as the base types it (the Storage method is overloaded by format).
  override async getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    const data = (await super.getAttachment(id, name, options)) as unknown;
    this.bytes += data instanceof Blob ? data.size : typeof data === 'string' ? data.length : ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? data.byteLength : 0;
    return data as never;
  }
}

async function arrayOf(storage: Storage, length: number): Promise<ChannelArray> {
  const array = await ChannelArray.create(storage, 'array/live', { timing: 'explicit' });
  await array.append(Float32Array.from({ length }, (_, i) => i), Float64Array.from({ length }, (_, i) => T0 + i * 1000));
  return array;
}

async function grow(array: ChannelArray, count: number): Promise<number> {
  const start = array.length;
  await array.append(Float32Array.from({ length: count }, (_, i) => 1000 + start + i), Float64Array.from({ length: count }, (_, i) => T0 + (start + i) * 1000));
  return array.length;
}

describe('ChannelSeriesController.follow (live tail)', () => {
  it('extends a view of the whole array with the new samples, without loading the drawn ones again', async () => {
    const storage = new CountingStorage(createStorage({ type: 'memory' }));
    const array = await arrayOf(storage, 100);
    const chart = host();
    const series = new ChannelSeriesController(chart);
    await series.load(storage, 'array/live', 1000);
    const before = series.series!;
    expect(before.samples).toBe(100);
    const length = await grow(array, 5);
    storage.bytes = 0;
    const updates = chart.updates;
    await series.follow({ array: 'array/live', length });
    const after = series.series!;
    expect(after.follows).toBe(true);
    expect(after.samples).toBe(105);
    expect(after.source).toBe('raw');
    expect(after.y.slice(0, 100)).toEqual(before.y);
    expect(after.y.slice(100)).toEqual([1100, 1101, 1102, 1103, 1104]);
    expect(after.x.at(-1)).toBe((T0 + 104_000) / 1000);
    expect(chart.updates).toBe(updates + 1);
    // The new samples' values (float32) and times (float64) only, not the 100 drawn ones again —
    // and the last drawn sample's time, which tells a tail rewritten meanwhile.
    expect(storage.bytes).toBe(5 * 4 + 5 * 8 + 8);
  });

  it('a tail rewritten with a sample merged in before the end (a manual reading applied in time order) is drawn again, not glued on', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await arrayOf(storage, 10);
    const series = new ChannelSeriesController(host());
    await series.load(storage, 'array/live', 1000);
    // A reading taken at 4.5 s arrives after the samples to 9 s: the tail from 5 s is rewritten.
    await array.truncate(5);
    await array.append(Float32Array.from([45, 5, 6, 7, 8, 9, 10]), Float64Array.from([4.5, 5, 6, 7, 8, 9, 10], (s) => T0 + s * 1000));
    await series.follow({ array: 'array/live', length: array.length });
    expect(series.series!.y).toEqual([0, 1, 2, 3, 4, 45, 5, 6, 7, 8, 9, 10]);
    expect(series.series!.x).toEqual([0, 1, 2, 3, 4, 4.5, 5, 6, 7, 8, 9, 10].map((s) => (T0 + s * 1000) / 1000));
  });

  it('a view zoomed into the past stays as it is; an event of another array or not past the end changes nothing', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await arrayOf(storage, 100);
    const series = new ChannelSeriesController(host());
    await series.load(storage, 'array/live', 1000, T0 + 10_000, T0 + 20_000);
    const past = series.series;
    const length = await grow(array, 5);
    await series.follow({ array: 'array/live', length });
    expect(series.series).toBe(past);
    await series.load(storage, 'array/live', 1000);
    const whole = series.series;
    await series.follow({ array: 'array/other', length: 1000 });
    await series.follow({ array: 'array/live', length: 105 });
    expect(series.series).toBe(whole);
  });

  it('a view zoomed to a range that reaches the last sample follows, from its start', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await arrayOf(storage, 100);
    const series = new ChannelSeriesController(host());
    await series.load(storage, 'array/live', 1000, T0 + 90_000, T0 + 99_000);
    expect(series.series!.samples).toBe(10);
    await series.follow({ array: 'array/live', length: await grow(array, 3) });
    expect(series.series!.samples).toBe(13);
    expect(series.series!.range).toEqual([90, 103]);
    // And goes on following.
    await series.follow({ array: 'array/live', length: await grow(array, 2) });
    expect(series.series!.range).toEqual([90, 105]);
  });

  it('a view drawn as M4 columns from the summaries is rebuilt to the new end', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await arrayOf(storage, 5000);
    const series = new ChannelSeriesController(host());
    await series.load(storage, 'array/live', 200);
    expect(series.series!.source).toBe('summary');
    const length = await grow(array, 500);
    await series.follow({ array: 'array/live', length });
    expect(series.series!.source).toBe('summary');
    expect(series.series!.samples).toBe(5500);
    expect(series.series!.follows).toBe(true);
    expect(Math.max(...series.series!.y.filter((value): value is number => value !== null))).toBe(1000 + 5499);
  });

  it('a zoom started while an extension reads wins over it', async () => {
    const storage = createStorage({ type: 'memory' });
    const array = await arrayOf(storage, 100);
    const series = new ChannelSeriesController(host());
    await series.load(storage, 'array/live', 1000);
    const length = await grow(array, 5);
    const following = series.follow({ array: 'array/live', length });
    const zoom = series.load(storage, 'array/live', 1000, T0, T0 + 9_000);
    await Promise.all([following, zoom]);
    expect(series.series!.samples).toBe(10);
    expect(series.series!.follows).toBeUndefined();
  });
});
