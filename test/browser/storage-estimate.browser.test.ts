// Storage estimate and persistence in real Chromium: the numbers a technician sees grow as
// IndexedDB fills up.
import { afterEach, describe, expect, it } from 'vitest';
import { formatBytes, requestPersistence, storageEstimate } from '../../src/controllers';

const database = 'fieldline-estimate-test';
const MB = 1_000_000;

/** Random bytes, so no compression in the browser's storage can make them smaller. */
function randomBytes(length: number): ArrayBuffer {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  return bytes.buffer;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function writeToIndexedDb(pieces: ArrayBuffer[]): Promise<void> {
  const open = indexedDB.open(database, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('pieces');
  const db = await request(open);
  const transaction = db.transaction('pieces', 'readwrite');
  pieces.forEach((piece, index) => transaction.objectStore('pieces').put(piece, index));
  await new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
  db.close();
}

afterEach(async () => {
  await request(indexedDB.deleteDatabase(database));
});

describe('storageEstimate', () => {
  it('reports usage and quota as numbers, and usage grows after writing 5 MB to IndexedDB', async () => {
    const before = await storageEstimate();
    expect(before).not.toBeNull();
    expect(before!.usage).toBeGreaterThanOrEqual(0);
    expect(before!.quota).toBeGreaterThan(before!.usage);
    expect(typeof before!.persisted).toBe('boolean');

    await writeToIndexedDb(Array.from({ length: 5 }, () => randomBytes(MB)));
    const after = await storageEstimate();
    // Some slack: Chromium counts the database files, not the bytes handed to put().
    expect(after!.usage - before!.usage).toBeGreaterThan(4 * MB);
    expect(after!.quota).toBeGreaterThan(after!.usage);
  });

  it('requestPersistence answers a boolean and agrees with the estimate', async () => {
    const persisted = await requestPersistence();
    expect(typeof persisted).toBe('boolean');
    expect((await storageEstimate())!.persisted).toBe(persisted);
  });
});

describe('formatBytes', () => {
  it('writes bytes in decimal units, one decimal below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(12_345_678)).toBe('12 MB');
    expect(formatBytes(999_950)).toBe('1.0 MB');
    expect(formatBytes(5 * 1e9)).toBe('5.0 GB');
    expect(formatBytes(Number.NaN)).toBe('–');
  });
});
