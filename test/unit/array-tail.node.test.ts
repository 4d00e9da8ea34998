// The tail an array instance keeps of its partly filled last chunk, so that the next append need
// not read it back: what is stored must be what a single append would store, also across chunk
// boundaries, when another writer appended meanwhile, and when the tails' budget evicts it. And
// the packed event times of ingestion (migration 23) recognise resent events, also those recorded
// one row per event before it.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { createStorage, type Storage } from '../../src/storage';
import { SqliteStore } from '../../src/server';
import { IngestService } from '../../src/server/ingest/ingest-service';
import { Sources } from '../../src/server/ingest/sources';
import { makeTempDir } from '../support/temp-dir';

const dir = makeTempDir('fieldline-array-tail-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Values and times of sample i (distinct, so a stale tail would show). */
const valueAt = (index: number) => Math.fround(Math.sin(index) * 100 + index / 7);
const timeAt = (index: number) => 1_700_000_000_000 + index * 250;

async function appendRange(array: ChannelArray, from: number, to: number): Promise<void> {
  await array.append(
    Float32Array.from({ length: to - from }, (_, offset) => valueAt(from + offset)),
    Float64Array.from({ length: to - from }, (_, offset) => timeAt(from + offset)),
  );
}

/** Everything stored, read by a fresh instance (no tail), with summaries of 7 buckets. */
async function stored(storage: Storage, id: string) {
  const fresh = await ChannelArray.open(storage, id);
  const { values, times } = await fresh.read(0, fresh.length);
  return { length: fresh.length, values: [...values], times: [...times], summaries: await fresh.summaries(0, fresh.length, 7) };
}

describe('an array instance’s tail', () => {
  it('stores what one append of everything stores, appended 1 000 samples at a time across chunks', async () => {
    const storage = createStorage({ type: 'memory' });
    const total = CHUNK_SIZE * 2 + 3_500;
    const reference = await ChannelArray.create(storage, 'whole', { timing: 'explicit' });
    await appendRange(reference, 0, total);
    const array = await ChannelArray.create(storage, 'steps', { timing: 'explicit' });
    for (let from = 0; from < total; from += 1000) await appendRange(array, from, Math.min(total, from + 1000));
    // The instance reads its own tail back right too.
    expect([...(await array.values(CHUNK_SIZE * 2, CHUNK_SIZE * 2 + 10))]).toEqual(Array.from({ length: 10 }, (_, index) => valueAt(CHUNK_SIZE * 2 + index)));
    expect(await stored(storage, 'steps')).toEqual(await stored(storage, 'whole'));
  });

  it('is not used once another writer appended: the stale instance’s append goes on top of the other’s', async () => {
    const storage = createStorage({ type: 'memory' });
    const first = await ChannelArray.create(storage, 'a', { timing: 'explicit' });
    await appendRange(first, 0, 1500);
    const second = await ChannelArray.open(storage, 'a');
    await appendRange(second, 1500, 2600);
    // Its tail (samples 0..1499) is stale: the conditional write fails, it prepares again on top.
    await appendRange(first, 2600, 3000);
    const result = await stored(storage, 'a');
    expect(result.length).toBe(3000);
    expect(result.values).toEqual(Array.from({ length: 3000 }, (_, index) => valueAt(index)));
    expect(result.times).toEqual(Array.from({ length: 3000 }, (_, index) => timeAt(index)));
  });

  it('is evicted beyond its budget without changing what is stored', async () => {
    const storage = createStorage({ type: 'memory' });
    // 120 arrays whose tails (≈ 0.75 MiB each) cannot all stay within 64 MiB.
    const arrays = await Promise.all(Array.from({ length: 120 }, (_, index) => ChannelArray.create(storage, `e${index}`, { timing: 'explicit' })));
    for (const array of arrays) await appendRange(array, 0, CHUNK_SIZE - 10);
    for (const array of arrays) await appendRange(array, CHUNK_SIZE - 10, CHUNK_SIZE + 5);
    for (const index of [0, 60, 119]) {
      const result = await stored(storage, `e${index}`);
      expect(result.values).toEqual(Array.from({ length: CHUNK_SIZE + 5 }, (_, sample) => valueAt(sample)));
      expect(result.times).toEqual(Array.from({ length: CHUNK_SIZE + 5 }, (_, sample) => timeAt(sample)));
    }
  }, 60_000);
});

describe('appending to the last chunk in the SQL store', () => {
  it('rewrites only the chunk’s last pieces, and what is stored is every sample', async () => {
    const store = await SqliteStore.open(`${dir}/pieces`);
    try {
      let pieceBytes = 0;
      const driver = store.documents.driver;
      const transaction = driver.transaction.bind(driver);
      (driver as { transaction: typeof driver.transaction }).transaction = (work) =>
        transaction((query) =>
          work((sql, params) => {
            if (sql.startsWith('INSERT INTO attachment_pieces')) for (const param of params ?? []) if (param instanceof Uint8Array) pieceBytes += param.byteLength;
            return query(sql, params);
          }),
        );
      const array = await ChannelArray.create(store.documents, 'array/pieces', { timing: 'explicit' });
      const appends = 60;
      for (let index = 0; index < appends; index++) await appendRange(array, index * 1000, (index + 1) * 1000);
      // Rewriting each chunk whole would write Σ 12 kB·(k+1) ≈ 22 MB of values and times; the last
      // pieces (32 KiB) of each, plus the summaries, stay far below.
      expect(pieceBytes).toBeLessThan(8_000_000);
      const result = await stored(store.documents, 'array/pieces');
      expect(result.values).toEqual(Array.from({ length: appends * 1000 }, (_, index) => valueAt(index)));
      expect(result.times).toEqual(Array.from({ length: appends * 1000 }, (_, index) => timeAt(index)));
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('packed event times', () => {
  it('recognise resent events, in packed rows and in rows of source_events from before', async () => {
    const store = await SqliteStore.open(dir);
    try {
      const sources = new Sources(store.driver);
      const source = await sources.create({ tag: 'tail.resend' });
      const service = new IngestService(store);
      const batch = (from: number, to: number) => Array.from({ length: to - from }, (_, offset) => ({ time: timeAt(from + offset), record: { temp: valueAt(from + offset) } }));
      expect(await service.ingest(source, 'k1', batch(0, 100), Buffer.from('one'))).toMatchObject({ status: 'stored', events: 100 });
      // A row per event, as source_events held them before migration 23.
      await store.driver.transaction((query) => query('INSERT INTO source_events (source, time) VALUES (?, ?), (?, ?)', [source.id, timeAt(150), source.id, timeAt(151)]));
      // 50..99 resent inside a new batch, 150 and 151 known from the old table, 100..149 new.
      const second = await service.ingest(source, 'k2', batch(50, 152), Buffer.from('two'));
      expect(second).toMatchObject({ status: 'stored', events: 50, resent: 52 });
      const array = await ChannelArray.open(store.documents, `array/${source.id}/temp`);
      expect(array.length).toBe(150);
      expect([...(await array.times(0, 150))]).toEqual(Array.from({ length: 150 }, (_, index) => timeAt(index)));
    } finally {
      await store.close();
    }
  });
});
