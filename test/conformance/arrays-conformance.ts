/**
 * Channel arrays over a storage description (memory and IndexedDB; Node and Chromium; the server's
 * SQLite and PostgreSQL): append and read across chunks, timing, summaries against brute force,
 * crash atomicity, truncation, bad input, several writers of one array.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ArrayError, CHUNK_SIZE, ChannelArray, SUMMARY_BASE, summarizeValues } from '../../src/arrays';
import { createStorage, type Storage, type StorageDescription } from '../../src/storage';
import { writeAll } from '../../src/storage/backend';

/** A deterministic signal with NaN gaps and a few infinities. */
export function signal(length: number, seed = 1): Float32Array {
  const values = new Float32Array(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const noise = state / 2_147_483_648 - 0.5;
    values[index] = Math.sin(index / 50) * 10 + noise;
    if (state % 997 === 0) values[index] = Number.NaN;
  }
  return values;
}

/** Counts calls reaching the wrapped storage, and can make `put` of the metadata fail (a crash). */
function instrumented(storage: Storage): Storage & { reads: number; failMetaPut: boolean } {
  const state = { reads: 0, failMetaPut: false };
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'reads' || property === 'failMetaPut') return state[property];
      const value = Reflect.get(target, property) as unknown;
      if (property === 'getAttachment') {
        return (...args: Parameters<Storage['getAttachment']>) => {
          if (String(args[1]).startsWith('values/')) state.reads++;
          return target.getAttachment(...args);
        };
      }
      if (property === 'put') {
        return (id: string, doc: Record<string, unknown>) => {
          if (state.failMetaPut && doc.kind === 'fl-channel-array') return Promise.reject(new Error('tab closed'));
          return target.put(id, doc as never);
        };
      }
      if (property === 'bulkDocs' && target.bulkDocs) {
        // Storages without `bulk` commit an append with a conditional bulkDocs of the metadata.
        return (writes: Array<{ doc?: Record<string, unknown> }>) => {
          if (state.failMetaPut && writes.some((write) => write.doc?.kind === 'fl-channel-array')) return Promise.reject(new Error('tab closed'));
          return target.bulkDocs!(writes as never);
        };
      }
      if (property === 'bulk' && target.bulk) {
        // An atomic bulk write that dies takes none of its writes with it.
        return (writes: Array<{ type: string; doc?: Record<string, unknown> }>) => {
          if (state.failMetaPut && writes.some((write) => write.type === 'put' && write.doc?.kind === 'fl-channel-array')) return Promise.reject(new Error('tab closed'));
          return target.bulk!(writes as never);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, property, value) {
      if (property === 'failMetaPut') state.failMetaPut = value as boolean;
      return true;
    },
  }) as Storage & { reads: number; failMetaPut: boolean };
}

export function arraysConformance(name: string, description: () => StorageDescription): void {
  describe(`channel arrays over ${name}`, () => {
    const opened: Storage[] = [];
    const open = (): Storage => {
      const storage = createStorage(description());
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.destroy().catch(() => undefined);
    });

    it('appends in pieces of any size and reads any range back, across chunk boundaries', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'vib-x', { timing: 'explicit', unit: 'mm/s' });
      const total = CHUNK_SIZE * 2 + 1234;
      const values = signal(total);
      const times = Float64Array.from({ length: total }, (_, index) => 1_700_000_000_000 + index * 2);
      for (const [from, to] of [[0, 10], [10, 70_000], [70_000, CHUNK_SIZE * 2], [CHUNK_SIZE * 2, total]] as Array<[number, number]>) {
        await array.append(values.slice(from, to), times.slice(from, to));
      }
      expect(array.length).toBe(total);
      for (const [from, to] of [[0, total], [CHUNK_SIZE - 3, CHUNK_SIZE + 3], [5, 5], [total - 1, total + 100]] as Array<[number, number]>) {
        const read = await array.read(from, to);
        const until = Math.min(to, total);
        expect(read.values).toEqual(values.slice(from, until));
        expect(read.times).toEqual(times.slice(from, until));
      }
      const reopened = await ChannelArray.open(storage, 'vib-x');
      expect(reopened.length).toBe(total);
      expect(reopened.meta.unit).toBe('mm/s');
    });

    it('chunks() walks a range chunk by chunk, in order, covering it exactly', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'a', { timing: 'regular' });
      const values = signal(CHUNK_SIZE * 3);
      await array.append(values, { t0: 0, dt: 1 });
      const seen: Array<[number, number]> = [];
      const collected = new Float32Array(CHUNK_SIZE * 2);
      for await (const chunk of array.chunks(100, CHUNK_SIZE * 2 + 100)) {
        seen.push([chunk.offset, chunk.values.length]);
        collected.set(chunk.values, chunk.offset - 100);
      }
      expect(seen).toEqual([[100, CHUNK_SIZE - 100], [CHUNK_SIZE, CHUNK_SIZE], [CHUNK_SIZE * 2, 100]]);
      expect(collected).toEqual(values.slice(100, CHUNK_SIZE * 2 + 100));
    });

    it('a read within one chunk reads only that chunk', async () => {
      const storage = instrumented(open());
      const array = await ChannelArray.create(storage, 'a', { timing: 'regular' });
      await array.append(signal(CHUNK_SIZE * 4), { t0: 0, dt: 1 });
      const before = storage.reads;
      await array.read(CHUNK_SIZE * 2 + 10, CHUNK_SIZE * 2 + 5000);
      expect(storage.reads - before).toBe(1);
    });

    it('regular timing keeps segments, with gaps, and finds times in O(log n)', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'temp', { timing: 'regular' });
      await array.append(new Float32Array([1, 2, 3]), { t0: 1000, dt: 10 });
      await array.append(new Float32Array([4, 5]), { t0: 1030, dt: 10 }); // continues
      await array.append(new Float32Array([6, 7]), { t0: 5000, dt: 100 }); // after an outage
      expect(array.meta.segments).toEqual([
        { start: 0, t0: 1000, dt: 10 },
        { start: 5, t0: 5000, dt: 100 },
      ]);
      expect([...(await array.read(0, 7)).times]).toEqual([1000, 1010, 1020, 1030, 1040, 5000, 5100]);
      const expectations: Array<[number, number]> = [[0, 0], [1000, 0], [1001, 1], [1040, 4], [1041, 5], [4999, 5], [5000, 5], [5050, 6], [5100, 6], [6000, 7]];
      for (const [time, index] of expectations) expect(await array.indexOfTime(time)).toBe(index);
    });

    it('explicit timing: indexOfTime agrees with a linear search, also with repeated times', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'ev', { timing: 'explicit' });
      const total = CHUNK_SIZE + 5000;
      const times = new Float64Array(total);
      let time = 1e12;
      for (let index = 0; index < total; index++) times[index] = time += index % 7 === 0 ? 0 : (index % 5) + 1;
      await array.append(signal(total), times);
      for (const probe of [0, times[0]!, times[0]! + 1, times[100]!, times[CHUNK_SIZE - 1]! + 0.5, times[CHUNK_SIZE]!, times[total - 1]!, times[total - 1]! + 1]) {
        const expected = times.findIndex((value) => value >= probe);
        expect(await array.indexOfTime(probe)).toBe(expected === -1 ? total : expected);
      }
    });

    it('summaries of any range and bucket count equal brute force over the raw samples', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'power', { timing: 'regular' });
      const total = 300_000;
      const values = signal(total, 7);
      values[123_456] = Infinity;
      await array.append(values.slice(0, 100_003), { t0: 0, dt: 1 });
      await array.append(values.slice(100_003), { t0: 100_003, dt: 1 });
      for (const [from, to, buckets] of [[0, total, 7], [12_345, 299_999, 640], [SUMMARY_BASE - 1, SUMMARY_BASE * 40 + 3, 3], [1000, 1010, 4], [0, total, 1]] as Array<[number, number, number]>) {
        const summaries = await array.summaries(from, to, buckets);
        expect(summaries).toHaveLength(buckets);
        summaries.forEach((summary, bucket) => {
          const a = from + Math.floor(((to - from) * bucket) / buckets);
          const b = from + Math.floor(((to - from) * (bucket + 1)) / buckets);
          const expected = summarizeValues(values, a, b);
          expect([summary.min, summary.max, summary.count, summary.first, summary.last]).toEqual([expected.min, expected.max, expected.count, expected.first, expected.last]);
          if (Number.isFinite(expected.sum)) expect(Math.abs(summary.sum - expected.sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected.sum)) * expected.count);
          else expect(summary.sum).toBe(expected.sum);
        });
      }
    });

    it('aligned summaries put bucket edges on block boundaries and still summarize each bucket exactly', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'vib', { timing: 'regular' });
      const values = signal(400_000, 11);
      await array.append(values, { t0: 0, dt: 1 });
      for (const [from, to, buckets] of [[123, 399_001, 97], [0, 400_000, 1000], [5000, 60_000, 7]] as Array<[number, number, number]>) {
        const edges = array.bucketEdges(from, to, buckets, { align: true });
        expect(edges[0]).toBe(from);
        expect(edges.at(-1)).toBe(to);
        const width = (to - from) / buckets;
        edges.slice(1, -1).forEach((edge, index) => {
          // Buckets narrower than four blocks are cut exactly (they are summarized from raw samples).
          if (width >= 4 * SUMMARY_BASE) expect(edge % SUMMARY_BASE).toBe(0);
          expect(Math.abs(edge - (from + ((to - from) * (index + 1)) / buckets))).toBeLessThanOrEqual(width / 4 + 1);
        });
        const summaries = await array.summaries(from, to, buckets, { align: true });
        summaries.forEach((summary, bucket) => {
          const expected = summarizeValues(values, edges[bucket]!, edges[bucket + 1]!);
          expect([summary.min, summary.max, summary.count, summary.first, summary.last]).toEqual([expected.min, expected.max, expected.count, expected.first, expected.last]);
        });
      }
    });

    it('a crash before the commit leaves the array at its old length, and the next append is right', async () => {
      const storage = instrumented(open());
      const array = await ChannelArray.create(storage, 'a', { timing: 'regular' });
      const values = signal(CHUNK_SIZE + 500);
      await array.append(values.slice(0, 1000), { t0: 0, dt: 1 });
      storage.failMetaPut = true;
      await expect(array.append(values.slice(1000, CHUNK_SIZE + 200), { t0: 1000, dt: 1 })).rejects.toThrow('tab closed');
      storage.failMetaPut = false;
      const reopened = await ChannelArray.open(storage, 'a');
      expect(reopened.length).toBe(1000);
      expect((await reopened.read(0, 5000)).values).toEqual(values.slice(0, 1000));
      expect((await reopened.summaries(0, 1000, 1))[0]!.count).toBe(summarizeValues(values, 0, 1000).count);
      await reopened.append(values.slice(1000), { t0: 1000, dt: 1 });
      expect((await reopened.read(0, CHUNK_SIZE + 500)).values).toEqual(values);
      const [summary] = await reopened.summaries(0, CHUNK_SIZE + 500, 1);
      expect(summary!.count).toBe(summarizeValues(values).count);
    });

    it('truncate shortens; appending afterwards gives consistent data and summaries', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'a', { timing: 'explicit' });
      const values = signal(CHUNK_SIZE * 2);
      const times = Float64Array.from({ length: values.length }, (_, index) => index * 10);
      await array.append(values, times);
      await array.truncate(70_000);
      expect(array.length).toBe(70_000);
      await expect(array.append(new Float32Array([1]), new Float64Array([5]))).rejects.toThrow(/never decrease/);
      const more = signal(5000, 3);
      await array.append(more, Float64Array.from({ length: 5000 }, (_, index) => 700_000 + index));
      const expected = new Float32Array(75_000);
      expected.set(values.slice(0, 70_000));
      expected.set(more, 70_000);
      expect((await array.read(0, 80_000)).values).toEqual(expected);
      const [summary] = await array.summaries(0, 75_000, 1);
      const reference = summarizeValues(expected);
      expect([summary!.count, summary!.min, summary!.max]).toEqual([reference.count, reference.min, reference.max]);
    });

    it('a rewrite replaces the samples from an index on, with late samples merged in; summaries and a reopened array agree', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'merge', { timing: 'explicit' });
      // Every other time is missing at first; the missing ones arrive late and are merged from 100 000 on.
      const all = signal(CHUNK_SIZE * 3, 5);
      const allTimes = Float64Array.from({ length: all.length }, (_, index) => index * 10);
      const evenValues = all.filter((_, index) => index % 2 === 0);
      const evenTimes = allTimes.filter((_, index) => index % 2 === 0);
      await array.append(evenValues, evenTimes);
      await array.summaries(0, array.length, 10); // fills the summary cache the rewrite must not trust
      const from = await array.indexOfTime(1_000_000);
      expect(from).toBe(50_000);
      const { writes, commit } = await array.prepareRewrite(from, all.slice(100_000), allTimes.slice(100_000));
      expect(array.length).toBe(evenValues.length); // nothing changes until the writes are done
      await writeAll(storage, writes);
      commit();
      const expected = Float32Array.from([...evenValues.slice(0, 50_000), ...all.slice(100_000)]);
      const expectedTimes = Float64Array.from([...evenTimes.slice(0, 50_000), ...allTimes.slice(100_000)]);
      for (const reader of [array, await ChannelArray.open(storage, 'merge')]) {
        expect(reader.length).toBe(expected.length);
        const read = await reader.read(0, reader.length);
        expect(read.values).toEqual(expected);
        expect(read.times).toEqual(expectedTimes);
        const summaries = await reader.summaries(0, reader.length, 7);
        const edges = reader.bucketEdges(0, reader.length, 7);
        summaries.forEach((summary, bucket) => {
          const reference = summarizeValues(expected, edges[bucket]!, edges[bucket + 1]!);
          expect([summary.count, summary.min, summary.max]).toEqual([reference.count, reference.min, reference.max]);
        });
      }
      await expect(array.prepareRewrite(array.length + 1, new Float32Array(0), new Float64Array(0))).rejects.toThrow(/index must be/);
      await expect(array.prepareRewrite(10, new Float32Array([1]), new Float64Array([0]))).rejects.toThrow(/never decrease/);
    });

    it('refuses bad input with 400 and changes nothing', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'a', { timing: 'explicit' });
      await array.append(new Float32Array([1, 2]), new Float64Array([10, 20]));
      const cases: Array<() => Promise<unknown>> = [
        () => array.append(new Float32Array([3]), new Float64Array([15])),
        () => array.append(new Float32Array([3, 4]), new Float64Array([30])),
        () => array.append(new Float32Array([3]), new Float64Array([Number.NaN])),
        () => array.append([3] as unknown as Float32Array, new Float64Array([30])),
        () => array.append(new Float32Array([3]), { t0: 30, dt: 1 }),
        () => array.read(5, 2),
        () => array.read(-1, 2),
        () => array.summaries(0, 2, 0),
        () => array.truncate(-3),
      ];
      for (const attempt of cases) {
        const error = await attempt().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(ArrayError);
        expect((error as ArrayError).status).toBe(400);
      }
      expect(array.length).toBe(2);
      const regular = await ChannelArray.create(storage, 'r', { timing: 'regular' });
      await expect(regular.append(new Float32Array([1]), { t0: 0, dt: 0 })).rejects.toThrow(/dt > 0/);
      await expect(ChannelArray.create(storage, 'a', { timing: 'explicit' })).rejects.toThrow(/already exists/);
      await expect(ChannelArray.open(storage, 'nope')).rejects.toThrow(/no array/);
    });

    it('metadata costs well under 0.1 % of the data', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'a', { timing: 'explicit' });
      const total = CHUNK_SIZE * 8;
      await array.append(signal(total), Float64Array.from({ length: total }, (_, index) => index));
      expect(await array.overheadRatio()).toBeLessThan(0.001);
    });

    it('two writers of one array lose nothing: an append prepared from metadata another writer moved on is made again on top', async () => {
      const storage = open();
      const first = await ChannelArray.create(storage, 'shared', { timing: 'explicit' });
      const second = await ChannelArray.open(storage, 'shared');
      const values = signal(CHUNK_SIZE + 3000);
      const times = Float64Array.from({ length: values.length }, (_, index) => index);
      await first.append(values.slice(0, 1000), times.slice(0, 1000));
      // `second` still has the metadata of the empty array: its append must land after the first's.
      await second.append(values.slice(1000, CHUNK_SIZE + 100), times.slice(1000, CHUNK_SIZE + 100));
      expect(second.length).toBe(CHUNK_SIZE + 100);
      await first.append(values.slice(CHUNK_SIZE + 100), times.slice(CHUNK_SIZE + 100));
      const reopened = await ChannelArray.open(storage, 'shared');
      expect(reopened.length).toBe(values.length);
      const read = await reopened.read(0, values.length);
      expect(read.values).toEqual(values);
      expect(read.times).toEqual(times);
      const [summary] = await reopened.summaries(0, values.length, 1);
      const reference = summarizeValues(values);
      expect([summary!.count, summary!.min, summary!.max]).toEqual([reference.count, reference.min, reference.max]);
      // Times that the other writer's append went past are refused, not written back in time.
      const stale = await ChannelArray.open(storage, 'shared');
      await first.append(new Float32Array([1]), new Float64Array([values.length + 10]));
      await expect(stale.append(new Float32Array([2]), new Float64Array([values.length + 5]))).rejects.toThrow(/never decrease/);
      expect((await ChannelArray.open(storage, 'shared')).length).toBe(values.length + 1);
    });

    it('concurrent appends from several instances all land, each once, across chunk boundaries', async () => {
      const storage = open();
      await ChannelArray.create(storage, 'busy', { timing: 'explicit' });
      const writers = await Promise.all([0, 1, 2].map(() => ChannelArray.open(storage, 'busy')));
      const piece = 30_000; // ~2 appends per chunk: every append reads and rewrites a shared last chunk
      // Equal times: any order of the appends is in time order, so each one must succeed.
      await Promise.all(
        writers.flatMap((writer, w) =>
          Array.from({ length: 3 }, (_, k) => writer.append(new Float32Array(piece).fill(w * 10 + k), new Float64Array(piece).fill(5))),
        ),
      );
      const reopened = await ChannelArray.open(storage, 'busy');
      expect(reopened.length).toBe(9 * piece);
      const { values } = await reopened.read(0, reopened.length);
      const counts = new Map<number, number>();
      for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
      expect([...counts].sort((a, b) => a[0] - b[0])).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22].map((value) => [value, piece]));
      // Each append is one contiguous run: nothing was interleaved or overwritten.
      let runs = 1;
      for (let index = 1; index < values.length; index++) if (values[index] !== values[index - 1]) runs++;
      expect(runs).toBe(9);
      const [summary] = await reopened.summaries(0, reopened.length, 1);
      expect(summary!.count).toBe(9 * piece);
    });

    it('of two writers creating one array at once, one gets the conflict', async () => {
      const storage = open();
      const outcomes = await Promise.allSettled([ChannelArray.create(storage, 'new', { timing: 'regular' }), ChannelArray.create(storage, 'new', { timing: 'regular' })]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ArrayError);
      expect((refused.reason as ArrayError).status).toBe(409);
    });

    it('truncate after another writer appended shortens the array as it is now', async () => {
      const storage = open();
      const first = await ChannelArray.create(storage, 'cut', { timing: 'regular' });
      const second = await ChannelArray.open(storage, 'cut');
      await first.append(signal(CHUNK_SIZE * 2), { t0: 0, dt: 1 });
      await second.truncate(CHUNK_SIZE + 10);
      expect(second.length).toBe(CHUNK_SIZE + 10);
      const reopened = await ChannelArray.open(storage, 'cut');
      expect(reopened.length).toBe(CHUNK_SIZE + 10);
      expect((await reopened.read(0, CHUNK_SIZE * 2)).values).toEqual(signal(CHUNK_SIZE * 2).slice(0, CHUNK_SIZE + 10));
      await expect(first.append(new Float32Array([1]), { t0: CHUNK_SIZE * 3, dt: 1 })).resolves.toBeUndefined();
      expect((await ChannelArray.open(storage, 'cut')).length).toBe(CHUNK_SIZE + 11);
    });

    it('delete removes the array', async () => {
      const storage = open();
      const array = await ChannelArray.create(storage, 'a', { timing: 'regular' });
      await array.append(signal(10), { t0: 0, dt: 1 });
      await array.delete();
      await expect(ChannelArray.open(storage, 'a')).rejects.toThrow(/no array/);
    });
  });
}
