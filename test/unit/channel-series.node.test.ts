// What a chart loads for a time range (ChannelSeriesController over a real memory storage).
import { describe, expect, it } from 'vitest';
import type { ReactiveControllerHost } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { ChannelSeriesController } from '../../src/controllers/channel-series-controller';
import { createStorage } from '../../src/storage';

/** The two host calls a controller makes, without a DOM. */
function host(): ReactiveControllerHost {
  return {
    addController: () => undefined,
    removeController: () => undefined,
    requestUpdate: () => undefined,
    updateComplete: Promise.resolve(true),
  };
}

const T0 = Date.UTC(2026, 10, 1);

describe('ChannelSeriesController ranges', () => {
  it('the range end took one sample after `to` (indexOfTime(to)+1): a range holds only samples stamped from..to', async () => {
    const storage = createStorage({ type: 'memory' });
    const regular = await ChannelArray.create(storage, 'array/regular', { timing: 'regular' });
    await regular.append(Float32Array.from({ length: 100 }, (_, i) => i), { t0: T0, dt: 1000 });
    const explicit = await ChannelArray.create(storage, 'array/explicit', { timing: 'explicit' });
    await explicit.append(Float32Array.from({ length: 100 }, (_, i) => i), Float64Array.from({ length: 100 }, (_, i) => T0 + i * 1000));
    for (const id of ['array/regular', 'array/explicit']) {
      const series = new ChannelSeriesController(host());
      // 10 s to 20.5 s: samples 10..20 (11 of them); sample 21 (at 21 s) is after the range.
      await series.load(storage, id, 1000, T0 + 10_000, T0 + 20_500);
      expect(series.error).toBeUndefined();
      expect(series.series?.samples).toBe(11);
      expect(series.series?.y).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      expect(Math.max(...series.series!.x)).toBeLessThanOrEqual((T0 + 20_500) / 1000);
      // A range ending exactly on a sample includes it.
      await series.load(storage, id, 1000, T0 + 10_000, T0 + 20_000);
      expect(series.series?.samples).toBe(11);
    }
  });
});
