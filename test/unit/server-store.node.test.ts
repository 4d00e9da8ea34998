// The storage conformance suite against the server's SQL backends — SQLite and a throwaway
// PostgreSQL cluster — the same suite the browser storages pass.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, registerStorage, type Storage, type StorageDescription } from '../../src/storage';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
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
  }, ['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk']);
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
