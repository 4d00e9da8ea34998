/**
 * Behaviour particular to one storage type (crypt at rest, IndexedDB indexes and repair, the
 * registry), run in Node and in real Chromium like the conformance suite.
 */
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorage, databaseName, registerStorage, StorageError, CRYPT_PARAMS_ID, type Storage, type StorageDescription } from '../../src/storage';
import { fixtureDocs } from './storage-fixtures';
import { rejection, uniqueName } from './helpers';



/** All bytes IndexedDB holds for a database, as text (documents as JSON, pieces decoded as latin1). */
async function rawDump(database: string): Promise<string> {
  const db = await openDB(databaseName(database));
  try {
    const parts: string[] = [];
    for (const store of ['documents', 'attachments', 'meta'] as const) {
      parts.push(JSON.stringify(await db.getAll(store)), JSON.stringify(await db.getAllKeys(store)));
    }
    for (const piece of (await db.getAll('pieces')) as Array<Blob | ArrayBuffer>) {
      parts.push(new TextDecoder('latin1').decode(piece instanceof Blob ? await piece.arrayBuffer() : piece));
    }
    parts.push(JSON.stringify(await db.getAllKeys('pieces')));
    return parts.join('\n');
  } finally {
    db.close();
  }
}

async function pieceCount(database: string): Promise<number> {
  const db = await openDB(databaseName(database));
  try {
    return await db.count('pieces');
  } finally {
    db.close();
  }
}

export function storageSpecifics(): void {
  const opened: Storage[] = [];
  const open = (description: StorageDescription): Storage => {
    const storage = createStorage(description);
    opened.push(storage);
    return storage;
  };
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.destroy().catch(() => undefined);
  });

  describe('crypt storage', () => {
    const crypt = (database: string, passphrase = 'tablet passphrase'): StorageDescription => ({
      type: 'crypt',
      passphrase,
      iterations: 1000,
      sub_storage: { type: 'indexeddb', database },
    });

    it('leaves no id, value, attachment name, content or type readable at rest', async () => {
      const database = uniqueName('at-rest');
      const storage = open(crypt(database));
      await storage.put('inspection-T07-gearbox', { note: 'Oil leak near the main bearing', reading: 4242.125 });
      await storage.putAttachment('inspection-T07-gearbox', 'leak-photo.jpg', 'JFIF secret picture bytes', 'image/x-secret-type');
      await storage.close();
      const raw = await rawDump(database);
      for (const secret of ['inspection', 'T07', 'gearbox', 'Oil leak', 'bearing', '4242', 'leak-photo', 'JFIF', 'secret picture', 'x-secret-type']) {
        expect(raw).not.toContain(secret);
      }
      const again = open(crypt(database));
      expect(await again.get('inspection-T07-gearbox')).toEqual({ note: 'Oil leak near the main bearing', reading: 4242.125 });
      expect(await again.allAttachments('inspection-T07-gearbox')).toEqual({ 'leak-photo.jpg': { length: 25, content_type: 'image/x-secret-type' } });
    });

    it('a wrong passphrase is refused clearly, not read as garbage', async () => {
      const database = uniqueName('wrong');
      const storage = open(crypt(database));
      await storage.put('a', { v: 1 });
      await storage.close();
      const intruder = open(crypt(database, 'guess'));
      const error = await rejection(intruder.get('a'));
      expect(error.code).toBe('wrong_passphrase');
      expect(error.status).toBe(403);
    });

    it('a tampered document or attachment fails to decrypt instead of returning forged data', async () => {
      const database = uniqueName('tamper');
      const storage = open(crypt(database));
      await storage.put('a', { amount: 1 });
      await storage.put('b', { amount: 2 });
      const plain = open({ type: 'indexeddb', database });
      const rows = (await plain.allDocs({ include_docs: true })).rows.filter((row) => row.id !== CRYPT_PARAMS_ID);
      // Copy one encrypted body over the other: each is bound to its id, so it does not open there.
      await plain.put(rows[0]!.id, rows[1]!.doc!);
      const results = await Promise.allSettled([storage.get('a'), storage.get('b')]);
      const failed = results.filter((result) => result.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(((failed[0] as PromiseRejectedResult).reason as StorageError).code).toBe('storage_failure');
      const intact = results.find((result) => result.status === 'fulfilled') as PromiseFulfilledResult<Record<string, number>>;
      expect([1, 2]).toContain(intact.value.amount);
    });

    it('queries work through a query storage on top', async () => {
      const storage = open({ type: 'query', sub_storage: crypt(uniqueName('crypt-query')) });
      for (const [id, doc] of Object.entries(fixtureDocs)) await storage.put(id, doc);
      const rows = (await storage.allDocs({ query: 'type:asset AND site:T07', sort_on: [['power', 'ascending']] })).rows;
      expect(rows.map((row) => row.id)).toEqual(['pump-1', 'fan-1']);
    });

    it('refuses a description without a passphrase', () => {
      expect(() => createStorage({ type: 'crypt', sub_storage: { type: 'memory' } })).toThrow(/passphrase/);
    });
  });

  describe('indexeddb storage', () => {
    it('adds a secondary index to an existing database without losing data', async () => {
      const database = uniqueName('upgrade');
      const first = open({ type: 'indexeddb', database, index: ['type'] });
      for (const [id, doc] of Object.entries(fixtureDocs)) await first.put(id, doc);
      await first.close();
      const second = open({ type: 'indexeddb', database, index: ['type', 'site'] });
      expect((await second.allDocs({ query: 'site:T08 AND type:asset' })).rows.map((row) => row.id)).toEqual(['pump-2']);
      expect((await second.allDocs()).rows).toHaveLength(Object.keys(fixtureDocs).length);
    });

    it('a query on an indexed key reads the index instead of every document', async () => {
      const storage = open({ type: 'indexeddb', database: uniqueName('planner'), index: ['type', 'power'] });
      for (const [id, doc] of Object.entries(fixtureDocs)) await storage.put(id, doc);
      const realStoreGetAll = IDBObjectStore.prototype.getAll;
      const realIndexGetAll = IDBIndex.prototype.getAll;
      const reads = { scans: 0, indexReads: 0 };
      IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['getAll']>) {
        if (this.name === 'documents') reads.scans++;
        return realStoreGetAll.apply(this, args);
      };
      IDBIndex.prototype.getAll = function (this: IDBIndex, ...args: Parameters<IDBIndex['getAll']>) {
        if (this.name.startsWith('by:')) reads.indexReads++;
        return realIndexGetAll.apply(this, args);
      };
      try {
        expect((await storage.allDocs({ query: 'type:asset AND title:%1' })).rows.map((row) => row.id).sort()).toEqual(['pump-1']);
        expect(reads).toEqual({ scans: 0, indexReads: 1 });
        expect((await storage.allDocs({ query: 'power:>100' })).rows.map((row) => row.id).sort()).toEqual(['fan-1', 'pump-1']);
        expect(reads.scans).toBe(0);
        await storage.allDocs({ query: 'title:%pump%' });
        expect(reads.scans).toBe(1);
      } finally {
        IDBObjectStore.prototype.getAll = realStoreGetAll;
        IDBIndex.prototype.getAll = realIndexGetAll;
      }
    });

    it('an attachment write that fails half-way leaves no pieces behind', async () => {
      const database = uniqueName('half');
      const storage = open({ type: 'indexeddb', database });
      // 20 MiB is twenty pieces; the transaction finds the document missing and writes none of them.
      const error = await rejection(storage.putAttachment('ghost', 'big.bin', new Blob([new Uint8Array(20 * 1024 * 1024)])));
      expect(error.status).toBe(404);
      expect(await pieceCount(database)).toBe(0);
    });

    it('repair removes the pieces of an interrupted attachment write, and only those', async () => {
      const database = uniqueName('repair');
      const storage = open({ type: 'indexeddb', database });
      await storage.put('a', {});
      await storage.putAttachment('a', 'kept', 'still here');
      const db = await openDB(databaseName(database));
      // What a tab closed mid-write leaves: pieces of a version no attachment record points to.
      await db.put('pieces', new ArrayBuffer(10), ['a', 'lost', 'interrupted-version', 0]);
      await db.put('pieces', new ArrayBuffer(10), ['a', 'lost', 'interrupted-version', 1]);
      db.close();
      expect(await storage.repair()).toEqual({ fixed: 2 });
      expect(await storage.repair()).toEqual({ fixed: 0 });
      expect(await storage.getAttachment('a', 'kept', { format: 'text' })).toBe('still here');
    });

    it('running out of space is a 507 with a clear message and the cause, and leaves nothing written', async () => {
      // Fault injection: IndexedDB refuses the tenth piece, after nine were accepted, as a full disk
      // would (neither Chromium's DevTools quota override nor fake-indexeddb reaches an
      // off-the-record test profile).
      const database = uniqueName('quota');
      const storage = open({ type: 'indexeddb', database });
      await storage.put('inspection', { note: 'before' });
      const realPut = IDBObjectStore.prototype.put;
      let pieces = 0;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (this.name === 'pieces' && ++pieces === 10) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return realPut.apply(this, args);
      };
      let error: StorageError;
      try {
        error = await rejection(storage.putAttachment('inspection', 'video.bin', new Blob([new Uint8Array(12 * 1024 * 1024).fill(7)])));
      } finally {
        IDBObjectStore.prototype.put = realPut;
      }
      expect(error.status).toBe(507);
      expect(error.code).toBe('quota_exceeded');
      expect(error.message).toMatch(/out of storage space.*Nothing was written/);
      expect((error.cause as Error).name).toBe('QuotaExceededError');
      expect(await storage.allAttachments('inspection')).toEqual({});
      expect(await storage.get('inspection')).toEqual({ note: 'before' });
      expect(await pieceCount(database)).toBe(0);
    });

    it('refuses bad descriptions', () => {
      expect(() => createStorage({ type: 'indexeddb' })).toThrow(/database/);
      expect(() => createStorage({ type: 'indexeddb', database: 'x', index: ['a.b'] })).toThrow(/index/);
    });
  });

  describe('registry', () => {
    it('names the known types when a type is unknown', () => {
      expect(() => createStorage({ type: 'floppy' })).toThrow(/unknown storage type "floppy" \(known: memory, indexeddb, query, uuid, crypt/);
      expect(() => createStorage({ type: 'query' })).toThrow(/sub_storage/);
      expect(() => createStorage(null as unknown as StorageDescription)).toThrow(StorageError);
    });

    it('registerStorage adds a type that composes with the others', async () => {
      registerStorage('counting', (description, create) => {
        const sub = create(description.sub_storage!);
        let puts = 0;
        return new Proxy(sub, {
          get(target, property) {
            if (property === 'put') {
              return (id: string, doc: Record<string, never>) => {
                puts++;
                return target.put(id, { ...doc, puts });
              };
            }
            const value = Reflect.get(target, property) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        });
      });
      const storage = open({ type: 'query', sub_storage: { type: 'counting', sub_storage: { type: 'memory' } } });
      await storage.put('a', {});
      await storage.put('b', {});
      expect(await storage.get('b')).toEqual({ puts: 2 });
    });
  });
}
