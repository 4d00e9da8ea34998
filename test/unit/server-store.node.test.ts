// The storage conformance suite against the server's SQL backends — SQLite and a throwaway
// PostgreSQL cluster — the same suite the browser storages pass.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, registerStorage, type Storage, type StorageDescription } from '../../src/storage';
import { PostgresStore, SqlStorage, SqliteStore, type Store } from '../../src/server';
import { ChannelArray } from '../../src/arrays';
import { storageConformance } from '../conformance/storage-conformance';
import { arraysConformance } from '../conformance/arrays-conformance';
import { uniqueName } from '../conformance/helpers';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';
import { deferredStorage } from '../support/deferred-storage';

/** The store's documents, opened on first use; closing or destroying closes the store. */
function storeBacked(open: () => Promise<Store>): Storage {
  return deferredStorage(async () => {
    const store = await open();
    return {
      storage: store.documents,
      close: async () => {
        await store.documents.close();
        await store.close();
      },
      destroy: async () => {
        await store.documents.destroy();
        await store.close();
      },
    };
  }, ['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk', 'bulk_docs', 'digest', 'attachment_expect']);
}

const tempRoot = makeTempDir('fieldline-store-');
let postgres: Postgres;

registerStorage('server-sqlite', (description) => storeBacked(() => SqliteStore.open(String(description.dir))));
registerStorage('server-postgres', (description) => storeBacked(() => PostgresStore.open(postgres.url, { schema: String(description.schema), max: 2 })));

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);

afterAll(() => {
  postgres?.stop();
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

const sqlite = (): StorageDescription => ({ type: 'server-sqlite', dir: path.join(tempRoot, uniqueName('db')) });
const postgresSchema = (): StorageDescription => ({ type: 'server-postgres', schema: uniqueName('s').replace(/[^a-z0-9]/g, '_') });

describe('server SQLite backend', () => {
  storageConformance({ name: 'server sqlite', persistent: true, description: sqlite });
  arraysConformance('server sqlite', sqlite);
});

describe('server PostgreSQL backend', () => {
  storageConformance({ name: 'server postgres', persistent: true, description: postgresSchema });
  arraysConformance('server postgres', postgresSchema);
});

describe('bulk writes on the SQL backends', () => {
  for (const [name, description] of [['sqlite', sqlite], ['postgres', postgresSchema]] as const) {
    it(`${name}: all writes take effect together, or none when one fails`, async () => {
      const storage = createStorage(description());
      try {
        expect(storage.hasCapacity('bulk')).toBe(true);
        await storage.bulk!([
          { type: 'put', id: 'a', doc: { v: 1 } },
          { type: 'putAttachment', id: 'a', name: 'x', data: 'first' },
          { type: 'put', id: 'b', doc: { v: 2 } },
        ]);
        expect(await storage.get('b')).toEqual({ v: 2 });
        expect(await storage.getAttachment('a', 'x', { format: 'text' })).toBe('first');
        const before = await storage.changes();
        await expect(
          storage.bulk!([
            { type: 'put', id: 'a', doc: { v: 'changed' } },
            { type: 'putAttachment', id: 'a', name: 'x', data: 'second' },
            { type: 'putAttachment', id: 'ghost', name: 'x', data: 'nowhere' },
          ]),
        ).rejects.toThrow(/no document/);
        expect(await storage.get('a')).toEqual({ v: 1 });
        expect(await storage.getAttachment('a', 'x', { format: 'text' })).toBe('first');
        expect((await storage.changes()).last_seq).toBe(before.last_seq);
      } finally {
        await storage.destroy();
      }
    });
  }
});

describe('attachment pieces on the SQL backends', () => {
  for (const [name, open] of [
    ['sqlite', () => SqliteStore.open(path.join(tempRoot, uniqueName('pieces')))],
    ['postgres', () => PostgresStore.open(postgres.url, { schema: uniqueName('p').replace(/[^a-z0-9]/g, '_'), max: 2 })],
  ] as const) {
    it(`${name}: a shorter rewrite leaves no stale piece; the last write of a name in one bulk wins`, async () => {
      const store = await open();
      try {
        const storage = store.documents;
        await storage.put('doc', { type: 'blob' });
        const big = new Uint8Array(3 * 1024 * 1024 + 5).map((_, index) => index % 251);
        await storage.putAttachment('doc', 'data', big);
        const pieces = async (): Promise<number> => Number((await store.driver.transaction((query) => query("SELECT COUNT(*) AS count FROM attachment_pieces WHERE doc_id = 'doc' AND name = 'data'")))[0]!.count);
        expect(await pieces()).toBe(4);
        await storage.bulk!([
          { type: 'putAttachment', id: 'doc', name: 'data', data: big.subarray(0, 2 * 1024 * 1024) },
          { type: 'putAttachment', id: 'doc', name: 'data', data: 'short' },
        ]);
        expect(await pieces()).toBe(1);
        expect(await storage.getAttachment('doc', 'data', { format: 'text' })).toBe('short');
        expect(await storage.allAttachments('doc')).toEqual({ data: { length: 5, content_type: 'text/plain;charset=utf-8' } });
        await storage.putAttachment('doc', 'data', big);
        expect(new Uint8Array(await storage.getAttachment('doc', 'data', { format: 'array_buffer', start: 3 * 1024 * 1024 - 2 }))).toEqual(big.subarray(3 * 1024 * 1024 - 2));
      } finally {
        await store.close();
      }
    });
  }
});

describe('raw data streams and ingestion records', () => {
  const backends: Array<[string, () => Promise<Store>]> = [
    ['sqlite', () => SqliteStore.open(path.join(tempRoot, uniqueName('ingest')))],
    ['postgres', () => PostgresStore.open(postgres.url, { schema: uniqueName('i').replace(/[^a-z0-9]/g, '_'), max: 2 })],
  ];
  for (const [name, open] of backends) {
    it(`${name}: a batch is stored once; a resent key changes nothing; a failed effect leaves nothing`, async () => {
      const store = await open();
      try {
        const log = store.ingestions;
        const first = Buffer.from('[1700000000,{"temp":21.5}]');
        const second = Buffer.from('[1700000001,{"temp":21.7}]');
        const stored = await log.accept({ source: 'turbine-7', key: 'chunk-a', count: 1, firstTime: 1700000000, lastTime: 1700000000 }, first);
        expect(stored.status).toBe('stored');
        expect(stored.record.streamOffset).toBe(0);
        const again = await log.accept({ source: 'turbine-7', key: 'chunk-a', count: 1, firstTime: 1700000000, lastTime: 1700000000 }, second);
        expect(again.status).toBe('duplicate');
        expect(again.record.checksum).toBe(stored.record.checksum);
        await expect(
          log.accept({ source: 'turbine-7', key: 'chunk-b', count: 1, firstTime: 1, lastTime: 1 }, second, async () => {
            throw new Error('array append failed');
          }),
        ).rejects.toThrow('array append failed');
        expect(await log.records('turbine-7')).toHaveLength(1);
        const later = await log.accept({ source: 'turbine-7', key: 'chunk-b', count: 1, firstTime: 1700000001, lastTime: 1700000001 }, second);
        expect(later.record.streamOffset).toBe(first.length);
        expect((await log.read('turbine-7')).toString()).toBe(`${first}${second}`);
        expect((await log.read('turbine-7', 5, first.length + 5)).toString()).toBe(`${first.subarray(5)}${second.subarray(0, 5)}`);
        expect((await log.read('other')).length).toBe(0);
      } finally {
        await store.close();
      }
    });
  }
});

describe('an accepted batch and its samples in one transaction', () => {
  it('stores raw batch and array samples together, once; a failure stores neither', async () => {
    const store = await SqliteStore.open(path.join(tempRoot, uniqueName('exactly-once')));
    try {
      const array = await ChannelArray.create(store.documents, 'array/T07/temp', { timing: 'regular', site: 'site/T07' });
      const ingest = async (key: string, values: number[], t0: number, fail = false) => {
        // A resent batch is answered from its record before any work is prepared.
        if (await store.ingestions.find('turbine-7', key)) return 'duplicate';
        const prepared = await array.prepareAppend(Float32Array.from(values), { t0, dt: 1000 });
        const writes = await SqlStorage.prepareWrites(prepared.writes);
        const outcome = await store.ingestions.accept({ source: 'turbine-7', key, count: values.length, firstTime: t0, lastTime: t0 + 1000 * (values.length - 1) }, Buffer.from(JSON.stringify(values)), async (query) => {
          await SqlStorage.applyWrites(query, writes);
          if (fail) throw new Error('disk full');
        });
        if (outcome.status === 'stored') prepared.commit();
        return outcome.status;
      };
      expect(await ingest('chunk-1', [20, 21, 22], 0)).toBe('stored');
      expect(await ingest('chunk-1', [20, 21, 22], 0)).toBe('duplicate');
      await expect(ingest('chunk-2', [23, 24], 3000, true)).rejects.toThrow('disk full');
      const reopened = await ChannelArray.open(store.documents, 'array/T07/temp');
      expect(reopened.length).toBe(3);
      expect((await store.ingestions.records('turbine-7')).map((record) => record.key)).toEqual(['chunk-1']);
      expect(await ingest('chunk-2', [23, 24], 3000)).toBe('stored');
      expect([...(await (await ChannelArray.open(store.documents, 'array/T07/temp')).read(0, 10)).values]).toEqual([20, 21, 22, 23, 24]);
      expect(JSON.parse(`[${(await store.ingestions.read('turbine-7')).toString().replace('][', '],[')}]`)).toEqual([[20, 21, 22], [23, 24]]);
    } finally {
      await store.close();
    }
  });
});
