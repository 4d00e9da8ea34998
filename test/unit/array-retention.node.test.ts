// Retention on channel arrays: dropping the raw samples of old chunks keeps every summary level, so
// old zooms still draw (the same figures as before wherever a bucket is made of whole level-0
// blocks), times stay exact (regular) or within their block (explicit), raw reads there are a
// clear 410, and appends go on. On the memory storage and on SQLite (one transaction per drop).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrayError, ChannelArray, CHUNK_SIZE, SUMMARY_BASE } from '../../src/arrays';
import { createStorage, type Storage } from '../../src/storage';
import { SqliteStore } from '../../src/server';
import { loadSeries } from '../../src/controllers/explorer/series-loader';
import { makeTempDir } from '../support/temp-dir';

const dir = makeTempDir('fieldline-array-retention-');
const stores: SqliteStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const LENGTH = CHUNK_SIZE * 4 + 12_345;
const valueAt = (index: number) => Math.fround(Math.sin(index / 50) * 100 + (index % 97));
/** Explicit times with an irregular step (so interpolation is not trivially exact). */
const explicitTimeAt = (index: number) => T0 + index * 1000 + (index % 3) * 100;

async function filled(storage: Storage, id: string, timing: 'explicit' | 'regular'): Promise<ChannelArray> {
  const array = await ChannelArray.create(storage, id, { timing });
  const values = Float32Array.from({ length: LENGTH }, (_, index) => valueAt(index));
  await array.append(values, timing === 'regular' ? { t0: T0, dt: 1000 } : Float64Array.from({ length: LENGTH }, (_, index) => explicitTimeAt(index)));
  return array;
}

const backends: Array<[string, () => Promise<Storage>]> = [
  ['memory', async () => createStorage({ type: 'memory' })],
  [
    'sqlite',
    async () => {
      const store = await SqliteStore.open(`${dir}/${stores.length}`);
      stores.push(store);
      return store.documents;
    },
  ],
];

describe.each(backends)('retention of an array’s raw samples (%s)', (_name, open) => {
  describe.each(['explicit', 'regular'] as const)('%s timing', (timing) => {
    const timeAt = (index: number) => (timing === 'regular' ? T0 + index * 1000 : explicitTimeAt(index));

    it('drops whole old chunks, keeps summaries exact over whole blocks, and refuses raw reads there with 410', async () => {
      const storage = await open();
      const array = await filled(storage, `array/a-${timing}`, timing);
      const reference = await filled(storage, `array/ref-${timing}`, timing);
      // A time inside chunk 2: chunks 0 and 1 end before it, chunk 2 does not.
      const report = await array.dropRawBefore(timeAt(2 * CHUNK_SIZE + 10));
      expect(report).toEqual({ chunks: 2, samples: 2 * CHUNK_SIZE, bytes: 2 * CHUNK_SIZE * (timing === 'explicit' ? 12 : 4) });
      expect(array.rawFrom).toBe(2 * CHUNK_SIZE);
      const names = Object.keys(await storage.allAttachments(array.id));
      expect(names).not.toContain('values/0');
      expect(names).not.toContain('values/1');
      expect(names).toContain('values/2');
      expect(names.includes('block_times/1')).toBe(timing === 'explicit');
      expect(names.some((name) => name.startsWith('times/0'))).toBe(false);

      // A fresh instance reads the same state from storage.
      const reopened = await ChannelArray.open(storage, array.id);
      expect(reopened.rawFrom).toBe(2 * CHUNK_SIZE);
      await expect(reopened.values(100, 200)).rejects.toMatchObject({ name: 'ArrayError', code: 'gone', status: 410 });
      await expect(reopened.read(0, 10)).rejects.toBeInstanceOf(ArrayError);
      expect([...(await reopened.values(2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 50))]).toEqual([...(await reference.values(2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 50))]);

      // Buckets of whole level-0 blocks (aligned edges): the same figures as before the drop.
      expect(await reopened.summaries(0, LENGTH, 64, { align: true })).toEqual(await reference.summaries(0, LENGTH, 64, { align: true }));
      const edges = [0, 5 * SUMMARY_BASE, 40 * SUMMARY_BASE, 2 * CHUNK_SIZE + 7, LENGTH];
      const between = await reopened.summariesBetween(edges);
      const expected = await reference.summariesBetween(edges);
      expect(between.slice(0, 2)).toEqual(expected.slice(0, 2));
      expect(between[3]).toEqual(expected[3]);

      // A narrow range inside the dropped part stands for its whole level-0 block.
      const [narrow] = await reopened.summaries(SUMMARY_BASE * 10 + 3, SUMMARY_BASE * 10 + 20, 1);
      const [block] = await reference.summaries(SUMMARY_BASE * 10, SUMMARY_BASE * 11, 1);
      expect(narrow).toEqual(block);
    });

    it('keeps times exact at block ends and within their block, so time lookups land in the right block', async () => {
      const storage = await open();
      const array = await filled(storage, `array/t-${timing}`, timing);
      await array.dropRawBefore(timeAt(CHUNK_SIZE * 2 + 5));
      const reopened = await ChannelArray.open(storage, array.id);
      expect(reopened.rawFrom).toBe(CHUNK_SIZE * 2);
      const times = await reopened.times(0, CHUNK_SIZE * 2);
      for (let index = 1; index < times.length; index++) expect(times[index]!).toBeGreaterThanOrEqual(times[index - 1]!);
      for (const index of [0, SUMMARY_BASE - 1, SUMMARY_BASE * 7, CHUNK_SIZE + SUMMARY_BASE * 3 - 1]) expect(times[index]).toBe(timeAt(index));
      for (const index of [5, 1000, CHUNK_SIZE + 4321]) {
        const blockStart = Math.floor(index / SUMMARY_BASE) * SUMMARY_BASE;
        expect(times[index]!).toBeGreaterThanOrEqual(timeAt(blockStart));
        expect(times[index]!).toBeLessThanOrEqual(timeAt(blockStart + SUMMARY_BASE - 1));
        const found = await reopened.indexOfTime(timeAt(index));
        expect(Math.floor(found / SUMMARY_BASE)).toBe(Math.floor(index / SUMMARY_BASE));
      }
      // Kept samples: exact as ever.
      expect(await reopened.indexOfTime(timeAt(CHUNK_SIZE * 2 + 77))).toBe(CHUNK_SIZE * 2 + 77);
    });

    it('draws old zooms from the summaries, and goes on taking appends', async () => {
      const storage = await open();
      const array = await filled(storage, `array/z-${timing}`, timing);
      await array.dropRawBefore(timeAt(LENGTH));
      // The last chunk stays whatever the time: appends extend it.
      expect(array.rawFrom).toBe(CHUNK_SIZE * 4);
      // Zoomed in on 600 dropped samples over 300 columns: the raw path would take it; summaries draw it.
      const series = await loadSeries(storage, array.id, timeAt(1000), timeAt(1600), 300);
      expect(series.source).not.toBe('raw');
      const drawn = series.y.filter((value): value is number => value !== null);
      expect(drawn.length).toBeGreaterThan(0);
      const old = await ChannelArray.open(storage, `array/z-${timing}`);
      expect(old.length).toBe(LENGTH);
      for (const value of drawn) {
        expect(value).toBeGreaterThanOrEqual(-100);
        expect(value).toBeLessThanOrEqual(200);
      }
      const more = Float32Array.from({ length: CHUNK_SIZE }, (_, offset) => valueAt(LENGTH + offset));
      await array.append(more, timing === 'regular' ? { t0: timeAt(LENGTH), dt: 1000 } : Float64Array.from({ length: CHUNK_SIZE }, (_, offset) => explicitTimeAt(LENGTH + offset)));
      const reopened = await ChannelArray.open(storage, array.id);
      expect(reopened.length).toBe(LENGTH + CHUNK_SIZE);
      expect([...(await reopened.values(LENGTH - 5, LENGTH + 5))]).toEqual(Array.from({ length: 10 }, (_, offset) => valueAt(LENGTH - 5 + offset)));
      // A second drop to the same time finds nothing more to drop.
      expect((await reopened.dropRawBefore(timeAt(LENGTH))).chunks).toBe(0);
    });

    it('refuses to cut or rewrite below the dropped part, and drops after another writer’s append', async () => {
      const storage = await open();
      const array = await filled(storage, `array/w-${timing}`, timing);
      const other = await ChannelArray.open(storage, array.id);
      await other.append(Float32Array.of(1, 2), timing === 'regular' ? { t0: timeAt(LENGTH), dt: 1000 } : Float64Array.of(explicitTimeAt(LENGTH), explicitTimeAt(LENGTH + 1)));
      // `array` is stale (it did not see the append): the drop is prepared again from fresh metadata.
      expect((await array.dropRawBefore(timeAt(CHUNK_SIZE + 1))).chunks).toBe(1);
      expect(array.length).toBe(LENGTH + 2);
      await expect(array.truncate(10)).rejects.toMatchObject({ code: 'gone' });
      await expect(array.prepareRewrite(CHUNK_SIZE - 1, Float32Array.of(1), timing === 'regular' ? { t0: timeAt(LENGTH + 5), dt: 1000 } : Float64Array.of(timeAt(LENGTH + 5)))).rejects.toMatchObject({ code: 'gone' });
      await array.truncate(CHUNK_SIZE + 5);
      expect(array.length).toBe(CHUNK_SIZE + 5);
    });
  });
});
