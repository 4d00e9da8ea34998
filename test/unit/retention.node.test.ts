// Retention on the server, on SQLite and PostgreSQL: a pass drops the raw chunks of channels past
// their retention (the channel's own, else its site's) while summaries stay; compacts each source's
// raw stream to the longest retention of its channels; ingestion then refuses event times before
// the horizon (a resend there can no longer be recognised), so the exactly-once effect holds; a
// rebuild after compaction never writes into dropped samples; a second pass finds nothing to do.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import type { Doc } from '../../src/storage/backend';
import { openStore } from '../../src/server/store/open-store';
import type { Store } from '../../src/server/store/store';
import { IngestService } from '../../src/server/ingest/ingest-service';
import { Sources } from '../../src/server/ingest/sources';
import { IngestLog } from '../../src/server/store/sql/ingest-log';
import { RetentionRunner } from '../../src/server/retention/retention-runner';
import { startPostgres, type Postgres } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';

const DAY = 86_400_000;
const STEP = 30_000;
const BATCH = 2000;
/** 40 days every 30 s: 115 200 events, one full chunk and a partial one per field. */
const EVENTS = (40 * DAY) / STEP;

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

describe.each([
  ['SQLite', () => ({ dataDir: makeTempDir('fieldline-retention-'), databaseUrl: undefined as string | undefined })],
  ['PostgreSQL', () => ({ dataDir: makeTempDir('fieldline-retention-'), databaseUrl: postgres.url as string | undefined })],
])('retention on %s', (_name, config) => {
  let store: Store;
  let dataDir: string;
  beforeAll(async () => {
    const chosen = config();
    dataDir = chosen.dataDir;
    store = await openStore(chosen);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('drops old raw chunks per channel and site, compacts the stream, and keeps exactly-once', async () => {
    const now = Date.now();
    const start = now - 40 * DAY;
    const timeAt = (index: number) => start + index * STEP;
    const put = async (id: string, doc: object) => {
      const [result] = await store.documents.bulkDocs([{ id, doc: doc as Doc }]);
      expect(result!.ok, JSON.stringify(result)).toBe(true);
    };
    await put('site/north', { type: 'site', title: 'North', retention_days: 10 });
    const source = await new Sources(store.driver).create({ tag: 'ret.turbine', site: 'site/north', fields: { vib: { retention_days: 30 } } });
    const service = new IngestService(store);
    // As a body of POST /api/ingest in JSON lines, which a rebuild decodes again.
    const raw = (batch: Array<{ time: number; record: object }>) => Buffer.from(batch.map(({ time, record }) => JSON.stringify({ time: new Date(time).toISOString(), ...record })).join('\n'));
    const events = (from: number, to: number) => Array.from({ length: to - from }, (_, offset) => ({ time: timeAt(from + offset), record: { temp: (from + offset) % 50, vib: Math.sin(from + offset) } }));
    for (let from = 0; from < EVENTS; from += BATCH) {
      const batch = events(from, Math.min(EVENTS, from + BATCH));
      expect(await service.ingest(source, `k${from}`, batch, raw(batch), 'jsonl')).toMatchObject({ status: 'stored', events: batch.length });
    }
    const temp = await ChannelArray.open(store.documents, `array/${source.id}/temp`);
    const before = await temp.summaries(0, temp.length, 20, { align: true });
    const log = store.ingestions;
    const recordsBefore = (await log.records(source.id)).length;
    // The channel document took the source's field retention.
    expect((await store.documents.get(`channel/${source.id}/vib`)).retention_days).toBe(30);

    const runner = new RetentionRunner(store, { now: () => now });
    const report = await runner.runOnce();
    // temp (the site's 10 days): chunk 0 ends about day 22.8, before day 30; vib (30 days): it ends after day 10.
    expect(report).toMatchObject({ arrays: 1, chunks: 1, rawBytes: CHUNK_SIZE * 12, sources: 1 });
    await temp.refresh();
    expect(temp.rawFrom).toBe(CHUNK_SIZE);
    const vib = await ChannelArray.open(store.documents, `array/${source.id}/vib`);
    expect(vib.rawFrom).toBe(0);
    expect(await temp.summaries(0, temp.length, 20, { align: true })).toEqual(before);
    await expect(temp.values(0, 10)).rejects.toMatchObject({ status: 410 });

    // The stream keeps the longest retention of the source's channels: vib's 30 days.
    const horizon = now - 30 * DAY;
    expect(await store.driver.transaction((query) => IngestLog.horizonOf(query, source.id))).toBe(horizon);
    const records = await log.records(source.id);
    expect(records.length).toBe(recordsBefore - report.batches);
    expect(report.batches).toBe(Math.floor((horizon - start) / STEP / BATCH));
    expect(records.every((record) => record.lastTime! >= horizon)).toBe(true);
    expect(await log.read(source.id, 0, records[0]!.streamOffset)).toHaveLength(0);
    expect((await log.read(source.id, records[0]!.streamOffset, records[0]!.streamOffset + records[0]!.streamLength)).toString().split('\n')).toHaveLength(BATCH);

    // A resend of a compacted batch: refused (400) where a client learns of it, skipped and counted by the forward protocol.
    const old = events(0, BATCH);
    await expect(service.ingest(source, 'k0', old, raw(old), 'jsonl')).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/retention/) });
    expect(await service.ingest(source, 'k0', old, raw(old), 'jsonl', { skipUnstorable: true })).toMatchObject({ status: 'stored', events: 0, outOfWindow: BATCH });
    // A resend of a kept one: a duplicate as ever. Nothing changed.
    const lastFrom = Math.floor((EVENTS - 1) / BATCH) * BATCH;
    const kept = events(lastFrom, EVENTS);
    expect(await service.ingest(source, `k${lastFrom}`, kept, raw(kept), 'jsonl')).toMatchObject({ status: 'duplicate' });
    await temp.refresh();
    await vib.refresh();
    expect([temp.length, vib.length]).toEqual([EVENTS, EVENTS]);

    // A late event at day 15 (after the stream's horizon, inside vib's raw samples, before temp's):
    // the rebuild merges it into vib and writes nothing into temp's dropped samples.
    const late = [{ time: timeAt(15 * 2880) + 1000, record: { temp: 999, vib: 999 } }];
    expect(await service.ingest(source, 'late', late, raw(late), 'jsonl')).toMatchObject({ status: 'stored', late: 1 });
    expect(await service.rebuild(source)).toMatchObject({ merged: 1 });
    await temp.refresh();
    await vib.refresh();
    expect(vib.length).toBe(EVENTS + 1);
    const at = await vib.indexOfTime(late[0]!.time);
    expect((await vib.values(at, at + 1))[0]).toBe(999);
    expect(temp.length).toBe(EVENTS);
    expect(temp.rawFrom).toBe(CHUNK_SIZE);
    expect([...(await temp.values(EVENTS - 3, EVENTS))]).toEqual([(EVENTS - 3) % 50, (EVENTS - 2) % 50, (EVENTS - 1) % 50]);

    // A new batch after the horizon is stored; a second pass finds nothing to drop.
    const fresh = [{ time: now - 1000, record: { temp: 1, vib: 2 } }];
    expect(await service.ingest(source, 'fresh', fresh, raw(fresh), 'jsonl')).toMatchObject({ status: 'stored', events: 1 });
    expect(await runner.runOnce()).toEqual({ arrays: 0, chunks: 0, rawBytes: 0, sources: 0, batches: 0, streamBytes: 0 });
  }, 120_000);
});
