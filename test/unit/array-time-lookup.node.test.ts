// Time → sample number lookups of channel arrays (the ends of a ?from=&to= range): a binary search
// that reads at most one chunk, however many samples share a time (the server used to step one
// sample, one storage read, at a time past the samples stamped `to`: 34 s for 300,000 of them).
import { describe, expect, it, vi } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { createStorage } from '../../src/storage';

/** First index whose time is ≥ time (strict: > time), by looking at every sample. */
function bruteForce(times: ArrayLike<number>, time: number, strict: boolean): number {
  for (let index = 0; index < times.length; index++) if (strict ? times[index]! > time : times[index]! >= time) return index;
  return times.length;
}

/** An array on memory storage whose attachment reads are counted. */
async function countedArray(timing: 'explicit' | 'regular') {
  const storage = createStorage({ type: 'memory' });
  const array = await ChannelArray.create(storage, 'a', { timing });
  const reads = vi.spyOn(storage, 'getAttachment');
  return { array, reads };
}

describe('time lookups', () => {
  it('finds both ends of 300,000 samples stamped with one millisecond in one chunk read each', async () => {
    const { array, reads } = await countedArray('explicit');
    const time = 1_700_000_000_000;
    const count = 300_000;
    await array.append(new Float32Array(count).fill(1), new Float64Array(count).fill(time));
    for (const [lookup, expected] of [
      [() => array.indexOfTime(time), 0],
      [() => array.indexAfterTime(time), count],
      [() => array.indexAfterTime(time - 1), 0],
      [() => array.indexOfTime(time + 1), count],
      [() => array.indexAfterTime(time + 1), count],
    ] as const) {
      reads.mockClear();
      expect(await lookup()).toBe(expected);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(1);
    }
  });

  it('agrees with a brute-force search where runs of equal times cross chunk boundaries (explicit timing)', async () => {
    const { array, reads } = await countedArray('explicit');
    const count = 3 * CHUNK_SIZE + 100;
    // Runs of one time: short ones, one ending exactly at a chunk boundary, one spanning two
    // boundaries, one starting at a boundary; gaps of 2 ms between runs leave times with no sample.
    const runEnds = [10, 500, CHUNK_SIZE, CHUNK_SIZE + 1, CHUNK_SIZE + 40, 3 * CHUNK_SIZE - 7, 3 * CHUNK_SIZE + 60, count];
    const times = new Float64Array(count);
    let run = 0;
    for (let index = 0; index < count; index++) {
      while (index >= runEnds[run]!) run++;
      times[index] = 1000 + 2 * run;
    }
    // Written in several appends, so chunks fill across appends too.
    for (const [from, to] of [[0, 7], [7, CHUNK_SIZE + 3], [CHUNK_SIZE + 3, count]] as const) {
      await array.append(new Float32Array(to - from), times.slice(from, to));
    }
    const probes = [];
    for (let time = 996; time <= 1000 + 2 * runEnds.length + 2; time += 0.5) probes.push(time);
    for (const time of probes) {
      reads.mockClear();
      expect(await array.indexOfTime(time), `first ≥ ${time}`).toBe(bruteForce(times, time, false));
      expect(await array.indexAfterTime(time), `first > ${time}`).toBe(bruteForce(times, time, true));
      expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    }
  });

  it('agrees with a brute-force search over the times a reader sees (regular timing, several segments)', async () => {
    const { array, reads } = await countedArray('regular');
    // dt = 0.1 ms: sample times are rounded sums, where a quotient alone would be off by one.
    await array.append(new Float32Array(1000), { t0: 1000, dt: 0.1 });
    await array.append(new Float32Array(500), { t0: 2000, dt: 3 });
    await array.append(new Float32Array(700), { t0: 4000.3, dt: 0.7 });
    const times = await array.times(0, array.length);
    reads.mockClear();
    const probes = [900, 999.95, 3500, 1e15, -1e15];
    for (const time of times) probes.push(time, time - 1e-9, time + 1e-9);
    for (const time of probes) {
      expect(await array.indexOfTime(time), `first ≥ ${time}`).toBe(bruteForce(times, time, false));
      expect(await array.indexAfterTime(time), `first > ${time}`).toBe(bruteForce(times, time, true));
    }
    // Regular timing needs no reads at all.
    expect(reads).not.toHaveBeenCalled();
  });

  it('answers on an empty array', async () => {
    const { array } = await countedArray('explicit');
    expect(await array.indexAfterTime(5)).toBe(0);
    expect(await array.indexOfTime(5)).toBe(0);
  });
});
