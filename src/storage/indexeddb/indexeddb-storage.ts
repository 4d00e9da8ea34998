/**
 * `indexeddb` storage: this module decides where browser data lives — one IndexedDB database per
 * `database` option (layout in schema.ts). Every write is one transaction, so a failed call leaves
 * nothing half-written, attachments of any size included (their pieces are Blob slices, so nothing
 * has to be read while the transaction is open). Nothing but IndexedDB requests is awaited inside a
 * transaction: anything else would let it auto-commit early.
 *
 * Concurrent `put`s issued before the database answers are written together in one transaction
 * (one commit instead of thousands); any other call closes the batch first, so every call still
 * takes effect in the order it was made. A batch that fails rejects every put in it, and none of
 * them is written.
 *
 * Attachment digests are computed when first asked for and kept in the attachment record; the
 * hashing runs between transactions (it is not IndexedDB), reading the pieces as Blobs.
 */
import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { StorageError, translateError } from '../errors';
import { applyAllDocsOptions, queryOf } from '../common/all-docs';
import { byteRange, readAs, toBlob } from '../common/attachment-data';
import { checkDoc, checkId } from '../common/validate';
import { checkDocWrites, decideDocWrites, withSeqs } from '../common/bulk-docs';
import { blobDigest } from '../common/digest';
import { checkExpectDigest, digestConflict } from '../common/expect-digest';
import { docHash } from '../../core';
import type {
  AllAttachmentsOptions,
  AllDocsOptions,
  AllDocsResult,
  AttachmentData,
  AttachmentInfo,
  AttachmentWriteOptions,
  Capacity,
  ChangesOptions,
  ChangesResult,
  Change,
  Doc,
  DocWrite,
  DocWriteResult,
  GetAttachmentOptions,
  Storage,
} from '../storage';
import { PIECE_SIZE, indexName, type AttachmentRecord, type DocumentRecord, type FieldlineDb, type PieceKey } from './schema';
import { planQuery } from './query-plan';

export interface IndexedDbOptions {
  database: string;
  /** Document keys to keep a secondary index on; queries on them read the index, not every document. */
  index?: string[];
}

type Db = IDBPDatabase<FieldlineDb>;
type Names = StoreNames<FieldlineDb>;
type Tx<S extends Names[], M extends IDBTransactionMode> = IDBPTransaction<FieldlineDb, S, M>;

const capacities = new Set<string>(['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk_docs', 'digest', 'attachment_expect']);
const indexKeyPattern = /^[A-Za-z_$][\w$]*$/;
/** Attachments hashed at once: WebCrypto works off the main thread, but each holds its bytes in memory. */
const HASHING_AT_ONCE = 8;

/** An attachment record, and the whole of its bytes when its digest is still to be computed. */
interface Listed {
  record: AttachmentRecord;
  unhashed?: Blob;
}

/** Attachment infos by name; digests only when asked for (`hash` ran on `listed` then). */
function infoMap(listed: readonly Listed[], digest: boolean | undefined): Record<string, AttachmentInfo> {
  const result: Record<string, AttachmentInfo> = {};
  for (const { record } of listed) {
    result[record.name] = { length: record.length, content_type: record.content_type };
    if (digest) result[record.name]!.digest = record.digest!;
  }
  return result;
}

function createStores(db: Db): void {
  const documents = db.createObjectStore('documents', { keyPath: 'id' });
  documents.createIndex('seq', 'seq', { unique: true });
  const attachments = db.createObjectStore('attachments', { keyPath: ['id', 'name'] });
  attachments.createIndex('id', 'id');
  db.createObjectStore('pieces');
  db.createObjectStore('meta');
}

/** The IndexedDB database name for a `database` option. */
export const databaseName = (database: string): string => `fieldline:${database}`;

export class IndexedDbStorage implements Storage {
  readonly #name: string;
  readonly #indexes: string[];
  #db: Promise<Db> | undefined;
  #closed = false;
  /** Puts waiting for their shared transaction (see the module comment). */
  #batch: { items: Array<{ id: string; doc: Doc }>; done: Promise<void> } | undefined;

  constructor(options: IndexedDbOptions) {
    if (typeof options.database !== 'string' || options.database === '') {
      throw new StorageError('bad_request', 'an indexeddb storage needs a "database" name');
    }
    const indexes = options.index ?? [];
    if (!Array.isArray(indexes) || !indexes.every((key) => typeof key === 'string' && indexKeyPattern.test(key))) {
      throw new StorageError('bad_request', 'index must be a list of plain document keys (letters, digits, _ and $)');
    }
    this.#name = databaseName(options.database);
    this.#indexes = [...new Set(indexes)];
  }

  /** Opens the database, creating stores and adding/dropping secondary indexes as described. */
  async #connect(): Promise<Db> {
    const watch = (db: Db): Db => {
      // Another tab wants to upgrade or delete: let it, and reopen lazily on our next call.
      db.addEventListener('versionchange', () => {
        db.close();
        this.#db = undefined;
      });
      return db;
    };
    let db = await openDB<FieldlineDb>(this.#name, undefined, {
      upgrade: (database, oldVersion) => {
        if (oldVersion === 0) createStores(database);
      },
    });
    const existing = [...db.transaction('documents').store.indexNames].filter((name) => name.startsWith('by:'));
    const wanted = this.#indexes.map(indexName);
    if (existing.length === wanted.length && wanted.every((name) => existing.includes(name))) return watch(db);
    const version = db.version + 1;
    db.close();
    db = await openDB<FieldlineDb>(this.#name, version, {
      upgrade: (database, oldVersion, _newVersion, transaction) => {
        if (oldVersion === 0) createStores(database);
        const store = transaction.objectStore('documents');
        for (const name of [...store.indexNames]) if (name.startsWith('by:') && !wanted.includes(name)) store.deleteIndex(name);
        for (const key of this.#indexes) {
          if (!store.indexNames.contains(indexName(key))) store.createIndex(indexName(key), `doc.${key}`, { multiEntry: true });
        }
      },
    });
    return watch(db);
  }

  async #database(): Promise<Db> {
    if (this.#closed) throw new StorageError('closed', 'this storage was closed');
    this.#db ??= this.#connect().catch((error: unknown) => {
      this.#db = undefined;
      throw translateError(error, `opening ${this.#name}`);
    });
    return this.#db;
  }

  /** Runs `work` in one transaction and resolves once it has committed. */
  async #transact<S extends Names[], M extends IDBTransactionMode, T>(
    stores: S,
    mode: M,
    doing: string,
    work: (tx: Tx<S, M>) => Promise<T>,
  ): Promise<T> {
    // Called in program order: later puts must not join a batch that this call follows.
    this.#batch = undefined;
    const db = await this.#database();
    let tx: Tx<S, M> | undefined;
    try {
      tx = db.transaction(stores, mode);
      const result = await work(tx);
      await tx.done;
      return result;
    } catch (error) {
      try {
        tx?.abort();
      } catch {
        // already finished or aborted
      }
      // A failed commit (quota) rejects tx.done with the real cause; prefer it over AbortError.
      const cause = tx ? await tx.done.then(() => error, (failure: unknown) => (isAbort(failure) ? error : failure)) : error;
      throw translateError(cause, doing);
    }
  }

  static async #nextSeq(tx: Tx<Names[], 'readwrite'>): Promise<number> {
    const meta = tx.objectStore('meta');
    const seq = ((await meta.get('seq')) ?? 0) + 1;
    await meta.put(seq, 'seq');
    return seq;
  }

  static async #liveRecord(tx: Tx<Names[], IDBTransactionMode>, id: string): Promise<DocumentRecord & { doc: Doc }> {
    const record = await tx.objectStore('documents').get(id);
    if (!record?.doc) throw new StorageError('not_found', `no document ${JSON.stringify(id)}`);
    return record as DocumentRecord & { doc: Doc };
  }

  async get(id: string): Promise<Doc> {
    checkId(id);
    return this.#transact(['documents'], 'readonly', `reading ${id}`, async (tx) => (await IndexedDbStorage.#liveRecord(tx, id)).doc);
  }

  async put(id: string, doc: Doc): Promise<string> {
    checkId(id);
    const copy = checkDoc(doc);
    let batch = this.#batch;
    if (!batch) {
      const items: Array<{ id: string; doc: Doc }> = [];
      const done = this.#transact(['documents', 'meta'], 'readwrite', 'writing documents', async (tx) => {
        // From here on the batch is fixed: later puts start the next one.
        if (this.#batch?.items === items) this.#batch = undefined;
        let seq = (await tx.objectStore('meta').get('seq')) ?? 0;
        const documents = tx.objectStore('documents');
        await requestAll(items, (item) => documents.put({ id: item.id, seq: ++seq, doc: item.doc }));
        await tx.objectStore('meta').put(seq, 'seq');
      });
      // #transact closed any earlier batch synchronously; this one collects puts until it starts.
      batch = this.#batch = { items, done };
    }
    batch.items.push({ id, doc: copy });
    await batch.done;
    return id;
  }

  async post(doc: Doc): Promise<string> {
    return this.put(crypto.randomUUID(), doc);
  }

  async remove(id: string): Promise<string> {
    checkId(id);
    return this.#transact(['documents', 'attachments', 'pieces', 'meta'], 'readwrite', `removing ${id}`, async (tx) => {
      await IndexedDbStorage.#liveRecord(tx, id);
      const seq = await IndexedDbStorage.#nextSeq(tx);
      await tx.objectStore('documents').put({ id, seq, deleted: true });
      const attachments = await tx.objectStore('attachments').index('id').getAll(id);
      for (const attachment of attachments) {
        await tx.objectStore('attachments').delete([id, attachment.name]);
        await tx.objectStore('pieces').delete(IDBKeyRange.bound([id, attachment.name], [id, attachment.name, []]));
      }
      return id;
    });
  }

  async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    const query = queryOf(options);
    const plan = planQuery(query, this.#indexes, options.key_schema);
    const records = await this.#transact(['documents'], 'readonly', 'listing documents', async (tx) => {
      if (!plan) return tx.objectStore('documents').getAll();
      const index = tx.objectStore('documents').index(indexName(plan.key));
      const found = new Map<string, DocumentRecord>();
      for (const range of plan.ranges) for (const record of await index.getAll(range)) found.set(record.id, record);
      return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
    const entries: Array<{ id: string; doc: Doc }> = [];
    for (const record of records) if (record.doc) entries.push({ id: record.id, doc: record.doc });
    return applyAllDocsOptions(entries, options);
  }

  /**
   * The digest attachment `name` of `id` has now (null: none) with the version it was computed
   * for, hashed (and kept) before the write's transaction: hashing is not IndexedDB.
   */
  async #digestBefore(id: string, name: string): Promise<{ version: string; digest: string } | null> {
    const listed = await this.#transact(['documents', 'attachments', 'pieces'], 'readonly', `checking attachment ${name} of ${id}`, async (tx) => {
      await IndexedDbStorage.#liveRecord(tx, id);
      const record = await tx.objectStore('attachments').get([id, name]);
      return IndexedDbStorage.#listed(tx, record ? [record] : [], true);
    });
    await this.#hash(listed);
    const record = listed[0]?.record;
    return record ? { version: record.version, digest: record.digest! } : null;
  }

  /**
   * The write's conditions, inside its transaction: the document's hash (`expect`) and the
   * attachment's digest (`expect_digest`, as `before` saw it: a version rewritten since is a 409).
   */
  static #checkConditions(id: string, name: string, doc: Doc, previous: AttachmentRecord | undefined, options: AttachmentWriteOptions, expected: string | null | undefined, before: { version: string; digest: string } | null): void {
    if (options.expect !== undefined && docHash(doc) !== options.expect) throw new StorageError('conflict', `document ${JSON.stringify(id)} has changed since (its hash differs from expect)`);
    if (expected === undefined) return;
    const digest = previous === undefined ? null : (previous.digest ?? (before && before.version === previous.version ? before.digest : undefined));
    if (digest === undefined) throw new StorageError('conflict', `attachment ${JSON.stringify(name)} of ${JSON.stringify(id)} was rewritten while this write checked it; try again`);
    const conflict = digestConflict(id, name, expected, digest);
    if (conflict) throw conflict;
  }

  async putAttachment(id: string, name: string, data: AttachmentData, contentType?: string, options: AttachmentWriteOptions = {}): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    if (options.expect !== undefined && typeof options.expect !== 'string') throw new StorageError('bad_request', "an attachment write's expect must be a document hash");
    const expected = checkExpectDigest(options.expect_digest);
    const before = expected === undefined ? null : await this.#digestBefore(id, name);
    const blob = toBlob(data, contentType);
    const version = crypto.randomUUID();
    // Slicing a Blob reads nothing, so every piece can go into the one transaction.
    const pieces = Array.from({ length: Math.max(1, Math.ceil(blob.size / PIECE_SIZE)) }, (_, index) => blob.slice(index * PIECE_SIZE, (index + 1) * PIECE_SIZE));
    await this.#transact(['documents', 'attachments', 'pieces', 'meta'], 'readwrite', `storing attachment ${name} of ${id}`, async (tx) => {
      const record = await IndexedDbStorage.#liveRecord(tx, id);
      const store = tx.objectStore('pieces');
      const previous = await tx.objectStore('attachments').get([id, name]);
      IndexedDbStorage.#checkConditions(id, name, record.doc, previous, options, expected, before);
      if (previous) await store.delete(IDBKeyRange.bound([id, name, previous.version], [id, name, previous.version, Infinity]));
      await requestAll(pieces, (piece, index) => store.put(piece, [id, name, version, index]));
      await tx.objectStore('attachments').put({ id, name, version, length: blob.size, content_type: blob.type, piece_size: PIECE_SIZE });
      record.seq = await IndexedDbStorage.#nextSeq(tx);
      await tx.objectStore('documents').put(record);
    });
  }

  async getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    checkId(id);
    checkId(name, 'attachment name');
    const blob = await this.#transact(['documents', 'attachments', 'pieces'], 'readonly', `reading attachment ${name} of ${id}`, async (tx) => {
      await IndexedDbStorage.#liveRecord(tx, id);
      const record = await tx.objectStore('attachments').get([id, name]);
      if (!record) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
      const [start, end] = byteRange(options, record.length);
      if (end <= start) return new Blob([], { type: record.content_type });
      const first = Math.floor(start / record.piece_size);
      const last = Math.floor((end - 1) / record.piece_size);
      // Only the pieces the range covers; they are Blob references, read later by readAs.
      const pieces = await tx.objectStore('pieces').getAll(IDBKeyRange.bound([id, name, record.version, first], [id, name, record.version, last]));
      if (pieces.length !== last - first + 1) throw new StorageError('storage_failure', `attachment ${name} of ${id} is missing pieces; run repair()`);
      const whole = new Blob(pieces, { type: record.content_type });
      const offset = first * record.piece_size;
      return whole.slice(start - offset, end - offset, record.content_type);
    });
    return (await readAs(blob, options?.format)) as never;
  }

  async removeAttachment(id: string, name: string, options: AttachmentWriteOptions = {}): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    if (options.expect !== undefined && typeof options.expect !== 'string') throw new StorageError('bad_request', "an attachment write's expect must be a document hash");
    const expected = checkExpectDigest(options.expect_digest);
    const before = expected === undefined ? null : await this.#digestBefore(id, name);
    await this.#transact(['documents', 'attachments', 'pieces', 'meta'], 'readwrite', `removing attachment ${name} of ${id}`, async (tx) => {
      const record = await IndexedDbStorage.#liveRecord(tx, id);
      const attachment = await tx.objectStore('attachments').get([id, name]);
      IndexedDbStorage.#checkConditions(id, name, record.doc, attachment, options, expected, before);
      if (!attachment) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
      await tx.objectStore('attachments').delete([id, name]);
      await tx.objectStore('pieces').delete(IDBKeyRange.bound([id, name, attachment.version], [id, name, attachment.version, Infinity]));
      record.seq = await IndexedDbStorage.#nextSeq(tx);
      await tx.objectStore('documents').put(record);
    });
  }

  async allAttachments(id: string, options: AllAttachmentsOptions = {}): Promise<Record<string, AttachmentInfo>> {
    checkId(id);
    const listed = await this.#transact(['documents', 'attachments', 'pieces'], 'readonly', `listing attachments of ${id}`, async (tx) => {
      await IndexedDbStorage.#liveRecord(tx, id);
      return IndexedDbStorage.#listed(tx, await tx.objectStore('attachments').index('id').getAll(id), options.digest);
    });
    if (options.digest) await this.#hash(listed);
    return infoMap(listed, options.digest);
  }

  /** Records, each with its whole bytes (Blob references, nothing read yet) if its digest is wanted and missing. */
  static async #listed(tx: Tx<Names[], IDBTransactionMode>, records: AttachmentRecord[], digest: boolean | undefined): Promise<Listed[]> {
    if (!digest) return records.map((record) => ({ record }));
    return Promise.all(
      records.map(async (record): Promise<Listed> => {
        if (record.digest) return { record };
        const range = IDBKeyRange.bound([record.id, record.name, record.version, 0], [record.id, record.name, record.version, Infinity]);
        const pieces = await tx.objectStore('pieces').getAll(range);
        if (pieces.length !== Math.max(1, Math.ceil(record.length / record.piece_size))) {
          throw new StorageError('storage_failure', `attachment ${record.name} of ${record.id} is missing pieces; run repair()`);
        }
        return { record, unhashed: new Blob(pieces) };
      }),
    );
  }

  /**
   * Computes the missing digests of `listed` (after its transaction: hashing is not IndexedDB),
   * then keeps them in their records unless the attachment was rewritten since (a new version).
   */
  async #hash(listed: readonly Listed[]): Promise<void> {
    const unhashed = listed.filter((item): item is Required<Listed> => item.unhashed !== undefined);
    if (unhashed.length === 0) return;
    for (let from = 0; from < unhashed.length; from += HASHING_AT_ONCE) {
      await Promise.all(unhashed.slice(from, from + HASHING_AT_ONCE).map(async (item) => (item.record.digest = await blobDigest(item.unhashed))));
    }
    const computed = unhashed.map((item) => item.record);
    await this.#transact(['attachments'], 'readwrite', 'keeping attachment digests', async (tx) => {
      const store = tx.objectStore('attachments');
      const stored = await requestAll(computed, (record) => store.get([record.id, record.name]));
      const same = computed.filter((record, index) => stored[index]?.version === record.version);
      await requestAll(same, (record) => store.put(record));
    }).catch(() => undefined); // only a cache: the next request computes it again
  }

  /**
   * Puts and deletes in one transaction, `expect` checks included: every document is read first
   * (all requests at once), the outcome is decided in memory, then written.
   */
  async bulkDocs(writes: DocWrite[]): Promise<DocWriteResult[]> {
    const checked = checkDocWrites(writes);
    if (checked.writes.length === 0) return checked.results as DocWriteResult[];
    const seqs = new Map<string, number>();
    await this.#transact(['documents', 'attachments', 'pieces', 'meta'], 'readwrite', 'writing documents', async (tx) => {
      const documents = tx.objectStore('documents');
      const ids = [...new Set(checked.writes.map((write) => write.id))];
      const records = await requestAll(ids, (id) => documents.get(id));
      const outcome = decideDocWrites(checked, new Map(ids.map((id, index) => [id, records[index]?.doc])));
      if (outcome.size === 0) return;
      let seq = (await tx.objectStore('meta').get('seq')) ?? 0;
      const requests: Array<Promise<unknown>> = [];
      const issue = (request: Promise<unknown>): void => {
        request.catch(() => undefined); // if a later one throws, only that failure surfaces
        requests.push(request);
      };
      for (const [id, { doc, cleared }] of outcome) {
        if (cleared) {
          // Every attachment and piece of the document: keys [id, …] sort between [id] and [id, []].
          const all = IDBKeyRange.bound([id], [id, []]);
          issue(tx.objectStore('attachments').delete(all));
          issue(tx.objectStore('pieces').delete(all));
        }
        issue(documents.put(doc ? { id, seq: ++seq, doc } : { id, seq: ++seq, deleted: true }));
        seqs.set(id, seq);
      }
      issue(tx.objectStore('meta').put(seq, 'seq'));
      await Promise.all(requests);
    });
    return withSeqs(checked, seqs);
  }

  hasCapacity(name: Capacity | string): boolean {
    return capacities.has(name);
  }

  async changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    const since = options.since ?? 0;
    const limit = options.limit;
    if (!Number.isInteger(since) || since < 0) throw new StorageError('bad_request', 'since must be a non-negative integer');
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new StorageError('bad_request', 'limit must be a positive integer');
    let pending: number | undefined;
    const found = await this.#transact(['documents', 'attachments', 'pieces'], 'readonly', 'reading changes', async (tx) => {
      const bySeq = tx.objectStore('documents').index('seq');
      const records = await bySeq.getAll(IDBKeyRange.lowerBound(since, true), limit);
      if (options.count_pending) pending = records.length === 0 ? 0 : await bySeq.count(IDBKeyRange.lowerBound(records.at(-1)!.seq, true));
      if (!options.include_docs) return records.map((record) => ({ record, listed: [] as Listed[] }));
      const byId = tx.objectStore('attachments').index('id');
      return Promise.all(records.map(async (record) => ({ record, listed: record.doc ? await IndexedDbStorage.#listed(tx, await byId.getAll(record.id), true) : [] })));
    });
    if (options.include_docs) await this.#hash(found.flatMap((item) => item.listed));
    const results = found.map(({ record, listed }): Change => {
      if (!record.doc) return { id: record.id, seq: record.seq, deleted: true };
      return options.include_docs ? { id: record.id, seq: record.seq, doc: record.doc, attachments: infoMap(listed, true) } : { id: record.id, seq: record.seq };
    });
    return { results, last_seq: results.at(-1)?.seq ?? since, ...(pending === undefined ? {} : { pending }) };
  }

  async repair(): Promise<{ fixed: number }> {
    return this.#transact(['attachments', 'pieces'], 'readwrite', 'repairing', async (tx) => {
      const attachments = tx.objectStore('attachments');
      const pieces = tx.objectStore('pieces');
      let fixed = 0;
      // Attachments whose pieces are gone (a browser that lost Blob files): drop them rather than
      // fail every read.
      const live = new Set<string>();
      for (const record of await attachments.getAll()) {
        const expected = Math.max(1, Math.ceil(record.length / record.piece_size));
        const found = await pieces.count(IDBKeyRange.bound([record.id, record.name, record.version], [record.id, record.name, record.version, Infinity]));
        if (found === expected) {
          live.add(JSON.stringify([record.id, record.name, record.version]));
        } else {
          await attachments.delete([record.id, record.name]);
          fixed++;
        }
      }
      // Pieces no attachment points to.
      let cursor = await pieces.openKeyCursor();
      while (cursor) {
        const [id, name, version] = cursor.key as PieceKey;
        if (!live.has(JSON.stringify([id, name, version]))) {
          await pieces.delete(cursor.key);
          fixed++;
        }
        cursor = await cursor.continue();
      }
      return { fixed };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const db = this.#db;
    this.#db = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }

  async destroy(): Promise<void> {
    await this.close();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(this.#name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(translateError(request.error, `deleting ${this.#name}`));
    });
  }
}

/**
 * Issues one IndexedDB request per item and awaits them all. When issuing one throws (the
 * transaction then aborts), the requests already issued reject too; they are handled here so that
 * only the first failure surfaces.
 */
function requestAll<I, T>(items: readonly I[], issue: (item: I, index: number) => Promise<T>): Promise<T[]> {
  const requests: Array<Promise<T>> = [];
  try {
    items.forEach((item, index) => {
      const request = issue(item, index);
      request.catch(() => undefined);
      requests.push(request);
    });
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.all(requests);
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError';
}
