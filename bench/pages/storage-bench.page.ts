/**
 * Runs in Chromium: our storage next to hand-written `idb` code doing the same work, in the same
 * page and run. Each figure is the median of several runs after a warm-up run.
 */
import { openDB, deleteDB, type IDBPDatabase } from 'idb';
import { createStorage, databaseName, type Doc, type Storage } from '../../src/storage';
import { median, time } from './measure';

const MIB = 1024 * 1024;
let databaseCounter = 0;
const fresh = (prefix: string): string => `${prefix}-${++databaseCounter}`;



function makeDoc(index: number): Doc {
  return {
    title: `Channel ${index}`,
    type: index % 10 === 0 ? 'asset' : 'channel',
    site: `T${String(index % 50).padStart(2, '0')}`,
    power: (index * 37) % 2000,
    unit: index % 3 === 0 ? 'kW' : 'mm/s',
    tags: ['vibration', index % 2 === 0 ? 'even' : 'odd'],
  };
}

async function rawDatabase(name: string): Promise<IDBPDatabase> {
  return openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore('docs', { keyPath: 'id' });
      db.createObjectStore('pieces');
      db.createObjectStore('blobs');
    },
  });
}

async function closeOurs(storage: Storage): Promise<void> {
  await storage.destroy();
}

/** 10k documents, each put as its own write (the Storage API's unit of atomicity). */
async function put10k(): Promise<{ ours: number; raw: number; rawOneTransaction: number }> {
  const docs = Array.from({ length: 10_000 }, (_, index) => makeDoc(index));
  const ours: number[] = [];
  const raw: number[] = [];
  const rawOneTransaction: number[] = [];
  for (let run = 0; run < 4; run++) {
    const storage = createStorage({ type: 'indexeddb', database: fresh('put-ours') });
    await storage.put('warm', {});
    const oursMs = await time(() => Promise.all(docs.map((doc, index) => storage.put(`doc-${index}`, doc))));
    await closeOurs(storage);

    const name = fresh('put-raw');
    const db = await rawDatabase(name);
    const rawMs = await time(() => Promise.all(docs.map((doc, index) => db.put('docs', { id: `doc-${index}`, ...doc }))));
    await db.clear('docs');
    // The best hand-written bulk load: every document in one transaction.
    const rawOneMs = await time(async () => {
      const tx = db.transaction('docs', 'readwrite');
      await Promise.all(docs.map((doc, index) => tx.store.put({ id: `doc-${index}`, ...doc })));
      await tx.done;
    });
    db.close();
    await deleteDB(name);
    if (run > 0) {
      ours.push(oursMs);
      raw.push(rawMs);
      rawOneTransaction.push(rawOneMs);
    }
  }
  return { ours: median(ours), raw: median(raw), rawOneTransaction: median(rawOneTransaction) };
}

/** A query over 100k documents, without a secondary index (a full scan on both sides). */
async function query100k(): Promise<{ ours: number; raw: number; matches: number }> {
  const storage = createStorage({ type: 'indexeddb', database: fresh('query-ours') });
  const rawName = fresh('query-raw');
  const db = await rawDatabase(rawName);
  for (let start = 0; start < 100_000; start += 5_000) {
    const batch = Array.from({ length: 5_000 }, (_, offset) => start + offset);
    await Promise.all(batch.map((index) => storage.put(`doc-${index}`, makeDoc(index))));
    const tx = db.transaction('docs', 'readwrite');
    for (const index of batch) void tx.store.put({ id: `doc-${index}`, ...makeDoc(index) });
    await tx.done;
  }
  const ours: number[] = [];
  const raw: number[] = [];
  let matches = 0;
  for (let run = 0; run < 6; run++) {
    let oursCount = 0;
    const oursMs = await time(async () => {
      oursCount = (await storage.allDocs({ query: 'site:T07 AND power:>1000', include_docs: true })).rows.length;
    });
    let rawCount = 0;
    const rawMs = await time(async () => {
      const all = (await db.getAll('docs')) as Array<Doc & { id: string }>;
      rawCount = all.filter((doc) => doc.site === 'T07' && (doc.power as number) > 1000).map((doc) => ({ id: doc.id, value: {}, doc })).length;
    });
    if (oursCount !== rawCount) throw new Error(`query results differ: ${oursCount} vs ${rawCount}`);
    matches = oursCount;
    if (run > 0) {
      ours.push(oursMs);
      raw.push(rawMs);
    }
  }
  await closeOurs(storage);
  db.close();
  await deleteDB(rawName);
  return { ours: median(ours), raw: median(raw), matches };
}

/** Writing then reading back a 100 MB attachment. */
async function attach100mb(): Promise<{ ours: number; raw: number; rawBlob: number }> {
  const size = 100 * MIB;
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index += 4096) bytes[index] = index & 0xff;
  const blob = new Blob([bytes], { type: 'application/octet-stream' });
  const ours: number[] = [];
  const raw: number[] = [];
  const rawBlob: number[] = [];
  for (let run = 0; run < 4; run++) {
    const storage = createStorage({ type: 'indexeddb', database: fresh('attach-ours') });
    await storage.put('recording', {});
    const oursMs = await time(async () => {
      await storage.putAttachment('recording', 'samples.bin', blob);
      const back = await storage.getAttachment('recording', 'samples.bin', { format: 'array_buffer' });
      if (back.byteLength !== size) throw new Error('short read');
    });
    await closeOurs(storage);

    // The same work by hand: 1 MiB Blob pieces written in one transaction, read back and joined.
    const name = fresh('attach-raw');
    const db = await rawDatabase(name);
    const rawMs = await time(async () => {
      const pieces = Math.ceil(size / MIB);
      const tx = db.transaction('pieces', 'readwrite');
      await Promise.all(Array.from({ length: pieces }, (_, index) => tx.store.put(blob.slice(index * MIB, (index + 1) * MIB), ['recording', 'samples.bin', index])));
      await tx.done;
      const parts = (await db.getAll('pieces', IDBKeyRange.bound(['recording', 'samples.bin', 0], ['recording', 'samples.bin', pieces - 1]))) as Blob[];
      const back = await new Blob(parts).arrayBuffer();
      if (back.byteLength !== size) throw new Error('short read');
    });
    // What most code does: one Blob in one record (no range reads without loading it whole).
    const rawBlobMs = await time(async () => {
      await db.put('blobs', blob, 'samples.bin');
      const back = await ((await db.get('blobs', 'samples.bin')) as Blob).arrayBuffer();
      if (back.byteLength !== size) throw new Error('short read');
    });
    db.close();
    await deleteDB(name);
    if (run > 0) {
      ours.push(oursMs);
      raw.push(rawMs);
      rawBlob.push(rawBlobMs);
    }
  }
  return { ours: median(ours), raw: median(raw), rawBlob: median(rawBlob) };
}

const api = { put10k, query100k, attach100mb, databaseName };
Object.assign(window, { storageBench: api, benchReady: true });
export type StorageBenchApi = typeof api;
