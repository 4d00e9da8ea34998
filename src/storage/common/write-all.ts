/** Writes a list of writes: in one atomic `bulk` call where the storage offers it, else in order. */
import { bytesHash, docHash } from '../../core';
import { StorageError, type StorageErrorCode } from '../errors';
import type { BulkWrite, Storage } from '../storage';
import { checkExpectDigest, digestConflict } from './expect-digest';

/** The 409 of a put whose `expect` does not match what `storage` holds now (undefined: it matches). */
async function expectConflict(storage: Storage, id: string, expect: string | null): Promise<StorageError | undefined> {
  let stored: Record<string, unknown> | undefined;
  try {
    stored = await storage.get(id);
  } catch (error) {
    if (!(error instanceof StorageError && error.status === 404)) throw error;
  }
  if (expect === null) return stored === undefined ? undefined : new StorageError('conflict', `document ${JSON.stringify(id)} exists (expected none)`);
  if (stored === undefined) return new StorageError('conflict', `document ${JSON.stringify(id)} does not exist (expected one)`);
  return docHash(stored as never) === expect ? undefined : new StorageError('conflict', `document ${JSON.stringify(id)} has changed since (its hash differs from expect)`);
}

/** The StorageError code of a refused bulkDocs item. */
function codeOf(status: number): StorageErrorCode {
  const codes: Record<number, StorageErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 503: 'unavailable', 507: 'quota_exceeded' };
  return codes[status] ?? 'storage_failure';
}

/**
 * Writes `writes`, all of them or (on `bulk` storages) none. Puts with `expect` keep the call
 * conditional (409 `conflict` when what is stored differs): `bulk` checks them atomically; without
 * it every expectation is checked before the first write, and each such put — the commit point of
 * an array append — goes through `bulkDocs` with its `expect` where the storage has it, so it is
 * refused if another writer got in between. The writes before it are not covered by that: writers
 * of one storage without `bulk` must also take turns (ChannelArray does, per array).
 */
export async function writeAll(storage: Storage, writes: BulkWrite[]): Promise<void> {
  if (storage.bulk && storage.hasCapacity('bulk')) return storage.bulk(writes);
  const expected = new Set<string>();
  for (const write of writes) {
    if (write.expect === undefined || expected.has(write.id)) continue;
    expected.add(write.id);
    const conflict = await expectConflict(storage, write.id, write.expect);
    if (conflict) throw conflict;
  }
  const conditional = storage.bulkDocs !== undefined && storage.hasCapacity('bulk_docs');
  const checksWrites = storage.hasCapacity('attachment_expect');
  // An attachment's own condition, where the storage cannot check it with the write: checked
  // before any write (as the document's `expect` is), against what is stored before the call.
  const seen = new Set<string>();
  for (const write of writes) {
    if (write.type === 'put' || write.expect_digest === undefined || checksWrites) continue;
    const key = JSON.stringify([write.id, write.name]);
    if (seen.has(key)) continue;
    seen.add(key);
    const expected = checkExpectDigest(write.expect_digest);
    const infos = await storage.allAttachments(write.id, { digest: true }).catch((error: unknown) => {
      if (error instanceof StorageError && error.status === 404) return {} as Awaited<ReturnType<Storage['allAttachments']>>;
      throw error;
    });
    const info = Object.prototype.hasOwnProperty.call(infos, write.name) ? infos[write.name] : undefined;
    // A storage without the 'digest' capacity: hash the bytes here.
    const digest = info ? (info.digest ?? bytesHash(new Uint8Array(await storage.getAttachment(write.id, write.name, { format: 'array_buffer' })))) : null;
    const conflict = digestConflict(write.id, write.name, expected, digest);
    if (conflict) throw conflict;
  }
  // Attachment writes carry their conditions along where the storage checks them with the write.
  const condition = (write: Extract<BulkWrite, { type: 'putAttachment' | 'removeAttachment' }>) => {
    if (!checksWrites) return {};
    return { ...(write.expect === undefined ? {} : { expect: write.expect }), ...(write.expect_digest === undefined ? {} : { expect_digest: write.expect_digest }) };
  };
  for (const write of writes) {
    if (write.type === 'putAttachment') {
      await storage.putAttachment(write.id, write.name, write.data, write.contentType, condition(write));
    } else if (write.type === 'removeAttachment') {
      await storage.removeAttachment(write.id, write.name, condition(write)).catch((error: unknown) => {
        if (!(error instanceof StorageError && error.status === 404)) throw error;
      });
    } else if (write.expect !== undefined && expected.has(write.id) && conditional) {
      expected.delete(write.id);
      // Only a document's first put is conditional: `expect` names what was stored before the call.
      const [result] = await storage.bulkDocs!([{ id: write.id, doc: write.doc, expect: write.expect }]);
      if (result && !result.ok) throw new StorageError(codeOf(result.status), result.message);
    } else {
      await storage.put(write.id, write.doc);
    }
  }
}
