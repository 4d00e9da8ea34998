// Channel arrays: reading values without times (what summaries over raw samples need) and with
// several chunks in flight, on a real memory storage whose attachment reads are counted.
import { describe, expect, it } from 'vitest';
import { ChannelArray, CHUNK_SIZE, summarizeValues } from '../../src/arrays';
import { createStorage, type Storage } from '../../src/storage';

/** A memory storage whose getAttachment calls are recorded (names, and how many ran at once at most). */
function countingStorage(): { storage: Storage; names: string[]; maxInFlight: () => number } {
  const inner = createStorage({ type: 'memory' });
  const names: string[] = [];
  let inFlight = 0;
  let most = 0;
  const storage = new Proxy(inner, {
    get(target, property) {
      if (property === 'getAttachment') {
        return async (...args: Parameters<Storage['getAttachment']>) => {
          names.push(args[1]);
          inFlight++;
          most = Math.max(most, inFlight);
          try {
            return await target.getAttachment(...args);
          } finally {
            inFlight--;
          }
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { storage, names, maxInFlight: () => most };
}

/** The bytes of a typed array (toEqual over 200 000 floats takes vitest half a minute). */
const bytes = (array: Float32Array): Buffer => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

function signal(length: number): Float32Array {
  return Float32Array.from({ length }, (_, index) => (index % 997 === 0 ? Number.NaN : Math.sin(index / 91) * 20 + (index % 7)));
}

describe('reading values without times', () => {
  it('summaries over raw samples read no times of an explicit-timing array', async () => {
    const { storage, names } = countingStorage();
    const array = await ChannelArray.create(storage, 'a', { timing: 'explicit' });
    const length = 2 * CHUNK_SIZE + 500;
    const values = signal(length);
    await array.append(values, Float64Array.from({ length }, (_, index) => 5000 + index * 2));
    names.length = 0;
    // 100 buckets of ~1 300 samples: narrower than 4 level-0 blocks, so the raw path.
    const summaries = await array.summaries(0, length, 100);
    expect(names.some((name) => name.startsWith('values/'))).toBe(true);
    expect(names.filter((name) => name.startsWith('times/'))).toEqual([]);
    const edges = array.bucketEdges(0, length, 100);
    summaries.forEach((summary, bucket) => {
      const expected = summarizeValues(values, edges[bucket], edges[bucket + 1]);
      expect(summary.count).toBe(expected.count);
      expect(summary.min).toBe(expected.min);
      expect(summary.max).toBe(expected.max);
      expect(summary.first).toBe(expected.first);
      expect(summary.last).toBe(expected.last);
    });
  });

  it('values() of a range over many chunks reads them several at a time and equals read()', async () => {
    const { storage, maxInFlight } = countingStorage();
    const array = await ChannelArray.create(storage, 'b', { timing: 'regular' });
    const length = 3 * CHUNK_SIZE + 77;
    const values = signal(length);
    await array.append(values, { t0: 0, dt: 1 });
    const got = await array.values(123, length - 45);
    expect(maxInFlight()).toBeGreaterThan(1);
    expect(bytes(got).equals(bytes(values.subarray(123, length - 45)))).toBe(true);
    expect(bytes((await array.read(123, length - 45)).values).equals(bytes(got))).toBe(true);
    expect((await array.values(length, length)).length).toBe(0);
  });
});
