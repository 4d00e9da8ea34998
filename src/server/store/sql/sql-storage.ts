/**
 * The Storage contract (the browser library's) on SQLite or PostgreSQL: the server keeps
 * documents, attachments and, through ChannelArray, channel arrays in the same format as the
 * browser. Every call is one transaction. allDocs runs its query, sort and limit in SQL
 * (sql-all-docs.ts), with the shared query language's results. Attachment digests are
 * computed when first asked for and kept in `attachments.digest` until the attachment changes.
 */
import { createHash } from 'node:crypto';
import {
  StorageError,
  byteRange,
  checkDoc,
  checkDocWrites,
  checkExpectDigest,
  digestConflict,
  checkId,
  decideDocWrites,
  failedWrite,
  idProblem,
  expectFailure,
  readAs,
  toBlob,
  type AllAttachmentsOptions,
  type AllDocsOptions,
  type AllDocsResult,
  type AttachmentData,
  type AttachmentInfo,
  type AttachmentWriteOptions,
  type BulkWrite,
  type Capacity,
  type Change,
  type ChangesOptions,
  type ChangesResult,
  type CheckedDocWrite,
  type CheckedDocWrites,
  type Doc,
  type DocWrite,
  type DocWriteResult,
  type GetAttachmentOptions,
  type Storage,
} from '../../../storage/backend';
import type { Query, Row, SqlDriver } from './driver';
import { sqlAllDocs } from './sql-all-docs';

const PIECE_SIZE = 1024 * 1024;
/**
 * Attachments up to 1 MiB (an array's chunks: 256 or 512 KiB) are kept in 32 KiB pieces, so an
 * append to the last chunk (`unchanged_prefix`) rewrites only its last pieces, not the whole chunk.
 */
const SMALL_ATTACHMENT_BYTES = 1024 * 1024;
const SMALL_ATTACHMENT_PIECE = 32 * 1024;
const pieceSizeFor = (length: number): number => (length <= SMALL_ATTACHMENT_BYTES ? SMALL_ATTACHMENT_PIECE : PIECE_SIZE);
/** Pieces up to this size are written several to a statement, up to SMALL_PIECES_BYTES together. */
const SMALL_PIECE_BYTES = 64 * 1024;
const SMALL_PIECES_BYTES = 1024 * 1024;
/** Pieces read per statement while hashing: a 1 GB attachment is hashed 16 MiB at a time. */
const DIGEST_PIECES = 16;
/** Ids per `IN (…)` list, rows per multi-row statement: well under both databases' parameter limits. */
const IDS_PER_STATEMENT = 500;

/**
 * The site a document belongs to, kept in its own indexed column (also for tombstones) so access
 * rules and a technician's changes feed never need to load documents: `doc.site`, or the id of a
 * site document itself.
 */
export function siteOfDoc(id: string, doc: Doc): string | null {
  if (typeof doc.site === 'string') return doc.site;
  return doc.type === 'site' ? id : null;
}

/**
 * A document's site goes into an indexed text column like its id, so it follows the id rules
 * (no NUL, valid Unicode, at most MAX_ID_BYTES): PostgreSQL would refuse it otherwise (a 500,
 * while SQLite took it). Bad input → StorageError 400.
 */
function checkSiteOf(id: string, doc: Doc): void {
  const site = siteOfDoc(id, doc);
  const problem = site === null || site === id ? undefined : idProblem(site);
  if (problem !== undefined) throw new StorageError('bad_request', `the document's site ${problem}`);
}

/** checkDocWrites, and the site rule per write: a write with a bad site fails alone, with its 400. */
function checkDocWritesAndSites(writes: DocWrite[]): CheckedDocWrites {
  const checked = checkDocWrites(writes);
  checked.writes = checked.writes.filter((write) => {
    try {
      if (write.doc) checkSiteOf(write.id, write.doc);
      return true;
    } catch (error) {
      checked.results[write.index] = failedWrite(write.id, error as StorageError);
      return false;
    }
  });
  return checked;
}
const capacities = new Set<string>(['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk', 'bulk_docs', 'digest', 'attachment_expect']);

/** What an id holds when bulkDocs asks who may write it; deleted documents keep their site. */
export interface StoredDoc {
  doc: Doc | undefined;
  site: string | null;
}

/**
 * What a write check may read besides the written id: the document at `id` as this batch sees it
 * at this write (stored, with the batch's earlier writes applied; an id only later writes of the
 * batch create reads as their last version). Only ids named by `BulkDocsOptions.references` (and
 * the written ids) are loaded; any other reads as undefined.
 */
export type WriteLookup = (id: string) => Doc | undefined;

/** Decides whether a write is allowed; throws a refusal (status + code, e.g. an HttpError 403) if not. */
export type WriteCheck = (write: CheckedDocWrite, stored: StoredDoc | undefined, lookup: WriteLookup) => void;

/** What bulkDocs loads for its check, besides the written documents. */
export interface BulkDocsOptions {
  /**
   * The ids a document points at that the check reads (an asset's parent). They are loaded in the
   * writing transaction, and what they point at in turn, `depth` levels deep at most.
   */
  references?: (doc: Doc) => readonly string[];
  /** How many levels of references are followed (default 32). */
  depth?: number;
}

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');
const isDeleted = (row: Row): boolean => row.deleted === true || Number(row.deleted) === 1;

/** A write checked and converted to bytes, ready to run inside a transaction. */
export type PreparedWrite =
  | { type: 'put'; id: string; doc: Doc; expect?: string | null }
  | { type: 'putAttachment'; id: string; name: string; bytes: Buffer; contentType: string; expect?: string; expect_digest?: string | null; unchangedPrefix?: number }
  | { type: 'removeAttachment'; id: string; name: string; expect?: string; expect_digest?: string | null };

/** An attachment write's conditions as a prepared write carries them (checked, absent ones left out). */
function conditionsOf(options: { expect?: unknown; expect_digest?: unknown }): { expect?: string; expect_digest?: string | null } {
  if (options.expect !== undefined && typeof options.expect !== 'string') throw new StorageError('bad_request', "an attachment write's expect must be a document hash");
  const digest = checkExpectDigest(options.expect_digest);
  return { ...(options.expect === undefined ? {} : { expect: options.expect }), ...(digest === undefined ? {} : { expect_digest: digest }) };
}

/** Attachment data as bytes, without copying what already is bytes. */
async function bytesOf(data: AttachmentData, contentType: string | undefined): Promise<{ bytes: Buffer; type: string }> {
  if (ArrayBuffer.isView(data)) return { bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength), type: contentType ?? 'application/octet-stream' };
  if (data instanceof ArrayBuffer) return { bytes: Buffer.from(data), type: contentType ?? 'application/octet-stream' };
  const blob = toBlob(data, contentType);
  return { bytes: Buffer.from(await blob.arrayBuffer()), type: blob.type };
}

export class SqlStorage implements Storage {
  readonly driver: SqlDriver;
  #closed = false;

  constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  async #transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StorageError('closed', 'this storage was closed');
    return this.driver.transaction(work);
  }

  static async #nextSeq(query: Query): Promise<number> {
    const [row] = await query("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value");
    return Number(row!.value);
  }

  /**
   * Holds every other writer of documents off until this transaction ends: each of them takes the
   * `seq` counter's row (a document write needs a sequence number), so taking it first makes what
   * this transaction reads next stay true until it commits. On PostgreSQL another server process
   * then waits here for a writer that got in first, and the reads after see what it committed;
   * on SQLite BEGIN IMMEDIATE already lets one writer in at a time (other connections included).
   * Ingestion takes it first too, so its raw stream and records are appended in turn as well.
   */
  static async holdWriters(query: Query): Promise<void> {
    await query("UPDATE counters SET value = value WHERE name = 'seq'");
  }

  /**
   * Checks the `expect` of prepared writes (each document's first) and the `expect_digest` of
   * attachment writes (each attachment's first) against what is stored, before anything is
   * written, with other writers held off; throws a 409 conflict when one differs.
   */
  static async #checkExpected(query: Query, writes: readonly PreparedWrite[]): Promise<void> {
    const expected = new Map<string, string | null>();
    for (const write of writes) if (write.expect !== undefined && !expected.has(write.id)) expected.set(write.id, write.expect);
    const digests = new Map<string, { id: string; name: string; digest: string | null }>();
    for (const write of writes) {
      if (write.type === 'put' || write.expect_digest === undefined) continue;
      const key = JSON.stringify([write.id, write.name]);
      if (!digests.has(key)) digests.set(key, { id: write.id, name: write.name, digest: write.expect_digest });
    }
    if (expected.size === 0 && digests.size === 0) return;
    await SqlStorage.holdWriters(query);
    for (const { id, name, digest } of digests.values()) {
      const conflict = digestConflict(id, name, digest, await SqlStorage.#digestIn(query, id, name));
      if (conflict) throw conflict;
    }
    if (expected.size === 0) return;
    const ids = [...expected.keys()];
    const current = new Map<string, Doc>();
    for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
      const some = ids.slice(from, from + IDS_PER_STATEMENT);
      for (const row of await query(`SELECT id, doc FROM documents WHERE id IN (${placeholders(some.length)}) AND deleted = ?`, [...some, false])) current.set(String(row.id), JSON.parse(String(row.doc)) as Doc);
    }
    for (const [id, expect] of expected) {
      const failure = expectFailure({ index: 0, id, doc: undefined, expect }, current.get(id));
      if (failure && !failure.ok) throw new StorageError('conflict', failure.message);
    }
  }

  /**
   * The digest attachment `name` of `id` has now (null: none), inside the caller's transaction
   * with writers held off: the one kept in its row, else hashed from its pieces and kept.
   */
  static async #digestIn(query: Query, id: string, name: string): Promise<string | null> {
    const [row] = await query('SELECT a.length, a.piece_size, a.digest FROM attachments a JOIN documents d ON d.id = a.doc_id WHERE a.doc_id = ? AND a.name = ? AND d.deleted = ?', [id, name, false]);
    if (!row) return null;
    if (typeof row.digest === 'string') return row.digest;
    const count = Math.max(1, Math.ceil(Number(row.length) / Number(row.piece_size)));
    const hash = createHash('sha256');
    let hashed = 0;
    for (let first = 0; first < count; first += DIGEST_PIECES) {
      const pieces = await query('SELECT data FROM attachment_pieces WHERE doc_id = ? AND name = ? AND n BETWEEN ? AND ? ORDER BY n', [id, name, first, Math.min(count, first + DIGEST_PIECES) - 1]);
      for (const piece of pieces) {
        hash.update(piece.data as Buffer);
        hashed += (piece.data as Buffer).length;
      }
    }
    if (hashed !== Number(row.length)) throw new StorageError('storage_failure', `attachment ${name} of ${id} is missing pieces; run repair()`);
    const digest = hash.digest('hex');
    await query('UPDATE attachments SET digest = ? WHERE doc_id = ? AND name = ?', [digest, id, name]);
    return digest;
  }

  static async #live(query: Query, id: string): Promise<{ rev: number }> {
    const [row] = await query('SELECT rev FROM documents WHERE id = ? AND deleted = ?', [id, false]);
    if (!row) throw new StorageError('not_found', `no document ${JSON.stringify(id)}`);
    return { rev: Number(row.rev) };
  }

  static async #touch(query: Query, id: string): Promise<void> {
    const seq = await SqlStorage.#nextSeq(query);
    await query('UPDATE documents SET seq = ?, rev = rev + 1 WHERE id = ?', [seq, id]);
  }

  async get(id: string): Promise<Doc> {
    checkId(id);
    return this.#transaction(async (query) => {
      const [row] = await query('SELECT doc FROM documents WHERE id = ? AND deleted = ?', [id, false]);
      if (!row) throw new StorageError('not_found', `no document ${JSON.stringify(id)}`);
      return JSON.parse(String(row.doc)) as Doc;
    });
  }

  static async #putIn(query: Query, id: string, doc: Doc): Promise<void> {
    const seq = await SqlStorage.#nextSeq(query);
    const site = siteOfDoc(id, doc);
    // The site it leaves, if it leaves one (read by the same statement, before the write).
    await query(
      'INSERT INTO document_departures (site, doc_id, seq) SELECT site, id, ? FROM documents WHERE id = ? AND deleted = ? AND site IS NOT NULL AND site IS DISTINCT FROM ? ON CONFLICT (site, doc_id) DO UPDATE SET seq = excluded.seq',
      [seq, id, false, site],
    );
    await query(
      'INSERT INTO documents (id, seq, rev, deleted, doc, site) VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, rev = documents.rev + 1, deleted = excluded.deleted, doc = excluded.doc, site = excluded.site',
      [id, seq, false, JSON.stringify(doc), site],
    );
  }

  /** Several puts (the last of an id wins), as #putIn does each: one sequence number each, departures, one upsert. */
  static async #putsIn(query: Query, run: ReadonlyArray<{ id: string; doc: Doc }>): Promise<void> {
    const last = new Map<string, Doc>();
    for (const { id, doc } of run) {
      last.delete(id);
      last.set(id, doc);
    }
    const ids = [...last.keys()];
    const before = new Map<string, string | null>();
    for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
      const some = ids.slice(from, from + IDS_PER_STATEMENT);
      for (const row of await query(`SELECT id, site FROM documents WHERE id IN (${placeholders(some.length)}) AND deleted = ?`, [...some, false])) before.set(String(row.id), (row.site as string | null) ?? null);
    }
    const [counter] = await query("UPDATE counters SET value = value + ? WHERE name = 'seq' RETURNING value", [ids.length]);
    let seq = Number(counter!.value) - ids.length;
    const departures: Array<[string, string, number]> = [];
    const rows = ids.map((id) => {
      const doc = last.get(id)!;
      const site = siteOfDoc(id, doc);
      const left = before.get(id);
      seq++;
      if (left !== undefined && left !== null && left !== site) departures.push([left, id, seq]);
      return [id, seq, false, JSON.stringify(doc), site];
    });
    await SqlStorage.#departuresIn(query, departures);
    await SqlStorage.#upsertRows(query, rows);
  }

  /** Writes document rows [id, seq, deleted, doc JSON, site], several hundred a statement. */
  static async #upsertRows(query: Query, rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    for (let from = 0; from < rows.length; from += IDS_PER_STATEMENT) {
      const some = rows.slice(from, from + IDS_PER_STATEMENT);
      await query(
        `INSERT INTO documents (id, seq, rev, deleted, doc, site) VALUES ${some.map(() => '(?, ?, 1, ?, ?, ?)').join(', ')} ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, rev = documents.rev + 1, deleted = excluded.deleted, doc = excluded.doc, site = excluded.site`,
        some.flat(),
      );
    }
  }

  /** Records, for documents whose site changes, the site they leave (see migration 14). */
  static async #departuresIn(query: Query, departures: Array<[site: string, id: string, seq: number]>): Promise<void> {
    for (let from = 0; from < departures.length; from += IDS_PER_STATEMENT) {
      const some = departures.slice(from, from + IDS_PER_STATEMENT);
      await query(`INSERT INTO document_departures (site, doc_id, seq) VALUES ${some.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT (site, doc_id) DO UPDATE SET seq = excluded.seq`, some.flat());
    }
  }

  async put(id: string, doc: Doc): Promise<string> {
    checkId(id);
    const copy = checkDoc(doc);
    checkSiteOf(id, copy);
    await this.#transaction((query) => SqlStorage.#putIn(query, id, copy));
    return id;
  }

  async post(doc: Doc): Promise<string> {
    return this.put(crypto.randomUUID(), doc);
  }

  async remove(id: string): Promise<string> {
    checkId(id);
    return this.#transaction(async (query) => {
      await SqlStorage.#live(query, id);
      const seq = await SqlStorage.#nextSeq(query);
      await query('UPDATE documents SET seq = ?, rev = rev + 1, deleted = ?, doc = NULL WHERE id = ?', [seq, true, id]);
      await query('DELETE FROM attachment_pieces WHERE doc_id = ?', [id]);
      await query('DELETE FROM attachments WHERE doc_id = ?', [id]);
      return id;
    });
  }

  /** allDocs in SQL (sql-all-docs.ts): the same rows as the matcher over every document, in id order. */
  async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    return this.#allDocs(options, undefined);
  }

  /** allDocs restricted to documents of the given sites (a technician's), in the same statement. */
  async allDocsWithin(sites: readonly string[], options: AllDocsOptions = {}): Promise<AllDocsResult> {
    return this.#allDocs(options, sites);
  }

  #allDocs(options: AllDocsOptions, sites: readonly string[] | undefined): Promise<AllDocsResult> {
    return this.#transaction(async (query) => {
      // One snapshot for every statement (the value types, then the pages).
      if (this.driver.dialect === 'postgres') await query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      return sqlAllDocs(query, this.driver.dialect, options, sites);
    });
  }

  async putAttachment(id: string, name: string, data: AttachmentData, contentType?: string, options: AttachmentWriteOptions = {}): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    const { bytes, type } = await bytesOf(data, contentType);
    const write: PreparedWrite = { type: 'putAttachment', id, name, bytes, contentType: type, ...conditionsOf(options) };
    await this.#transaction(async (query) => {
      await SqlStorage.#checkExpected(query, [write]);
      await SqlStorage.#putAttachmentsIn(query, [write]);
      await SqlStorage.#touch(query, id);
    });
  }

  /** Several puts and attachment writes in one transaction: all or nothing. */
  async bulk(writes: BulkWrite[]): Promise<void> {
    const prepared = await SqlStorage.prepareWrites(writes);
    await this.#transaction((query) => SqlStorage.applyWrites(query, prepared));
  }

  /** Checks and converts writes before a transaction opens (nothing is awaited inside one). */
  static async prepareWrites(writes: BulkWrite[]): Promise<PreparedWrite[]> {
    return Promise.all(
      writes.map(async (write): Promise<PreparedWrite> => {
        checkId(write.id);
        if (write.type === 'put') {
          if (write.expect !== undefined && write.expect !== null && typeof write.expect !== 'string') throw new StorageError('bad_request', 'expect must be a document hash or null');
          const doc = checkDoc(write.doc);
          checkSiteOf(write.id, doc);
          return { type: 'put', id: write.id, doc, ...(write.expect === undefined ? {} : { expect: write.expect }) };
        }
        checkId(write.name, 'attachment name');
        const expect = conditionsOf(write);
        if (write.type === 'removeAttachment') return { type: 'removeAttachment', id: write.id, name: write.name, ...expect };
        const { bytes, type } = await bytesOf(write.data, write.contentType);
        const prefix = write.unchanged_prefix;
        const unchanged = Number.isSafeInteger(prefix) && prefix! > 0 ? { unchangedPrefix: Math.min(prefix!, bytes.length) } : {};
        return { type: 'putAttachment', id: write.id, name: write.name, bytes, contentType: type, ...expect, ...unchanged };
      }),
    );
  }

  /**
   * Applies prepared writes inside the caller's transaction (e.g. together with an ingestion
   * record). Puts with `expect` are checked first, before anything is written (a 409 conflict
   * when one differs: the caller's transaction then rolls back). Runs of consecutive attachment
   * writes check their document and look up what exists once, then upsert each piece: one round
   * trip per statement matters on PostgreSQL.
   */
  static async applyWrites(query: Query, writes: PreparedWrite[]): Promise<void> {
    await SqlStorage.#checkExpected(query, writes);
    const touched = new Set<string>();
    for (let index = 0; index < writes.length; ) {
      const write = writes[index]!;
      if (write.type === 'put') {
        // A run of puts in a few statements (an ingestion commit puts every array's metadata).
        let end = index;
        while (end < writes.length && writes[end]!.type === 'put') end++;
        const run = writes.slice(index, end) as Array<Extract<PreparedWrite, { type: 'put' }>>;
        if (run.length === 1) await SqlStorage.#putIn(query, write.id, write.doc);
        else await SqlStorage.#putsIn(query, run);
        for (const { id } of run) touched.delete(id); // the put gave it a new sequence number already
        index = end;
        continue;
      }
      if (write.type === 'removeAttachment') {
        await SqlStorage.#live(query, write.id);
        await query('DELETE FROM attachment_pieces WHERE doc_id = ? AND name = ?', [write.id, write.name]);
        await query('DELETE FROM attachments WHERE doc_id = ? AND name = ?', [write.id, write.name]);
        touched.add(write.id);
        index++;
        continue;
      }
      let end = index;
      while (end < writes.length && writes[end]!.type === 'putAttachment') end++;
      const run = writes.slice(index, end) as Array<Extract<PreparedWrite, { type: 'putAttachment' }>>;
      await SqlStorage.#putAttachmentsIn(query, run);
      for (const { id } of run) touched.add(id);
      index = end;
    }
    for (const id of touched) await SqlStorage.#touch(query, id);
  }

  /** Attachment writes (the last write of a name wins): piece upserts, one multi-row attachments upsert. */
  static async #putAttachmentsIn(query: Query, run: Array<Extract<PreparedWrite, { type: 'putAttachment' }>>): Promise<void> {
    const last = new Map<string, Extract<PreparedWrite, { type: 'putAttachment' }>>();
    for (const write of run) last.set(JSON.stringify([write.id, write.name]), write);
    const writes = [...last.values()];
    const byDoc = new Map<string, string[]>();
    for (const { id, name } of writes) byDoc.set(id, [...(byDoc.get(id) ?? []), name]);
    // What each attachment is now: pieces an earlier, longer version left beyond the new end are
    // removed, and pieces wholly inside an unchanged prefix of the same piece size are kept.
    const before = new Map<string, { length: number; pieceSize: number }>();
    if (byDoc.size === 1) {
      const [id, names] = [...byDoc][0]!;
      await SqlStorage.#live(query, id);
      for (let from = 0; from < names.length; from += 500) {
        const some = names.slice(from, from + 500);
        const rows = await query(`SELECT name, length, piece_size FROM attachments WHERE doc_id = ? AND name IN (${some.map(() => '?').join(', ')})`, [id, ...some]);
        for (const row of rows) before.set(JSON.stringify([id, String(row.name)]), { length: Number(row.length), pieceSize: Number(row.piece_size) });
      }
    } else {
      // Several documents (an ingestion commit's arrays): each must exist, and what each has, in two statements.
      const ids = [...byDoc.keys()];
      const live = new Set<string>();
      for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
        const some = ids.slice(from, from + IDS_PER_STATEMENT);
        for (const row of await query(`SELECT id FROM documents WHERE id IN (${placeholders(some.length)}) AND deleted = ?`, [...some, false])) live.add(String(row.id));
      }
      const pairs = writes.map(({ id, name }) => [id, name]);
      for (let from = 0; from < pairs.length; from += IDS_PER_STATEMENT / 2) {
        const some = pairs.slice(from, from + IDS_PER_STATEMENT / 2);
        const rows = await query(`SELECT doc_id, name, length, piece_size FROM attachments WHERE (doc_id, name) IN (${some.map(() => '(?, ?)').join(', ')})`, some.flat());
        for (const row of rows) before.set(JSON.stringify([String(row.doc_id), String(row.name)]), { length: Number(row.length), pieceSize: Number(row.piece_size) });
      }
      const missing = ids.find((id) => !live.has(id));
      if (missing !== undefined) throw new StorageError('not_found', `no document ${JSON.stringify(missing)}`);
    }
    const pieces: unknown[][] = [];
    for (const write of writes) {
      const pieceSize = pieceSizeFor(write.bytes.length);
      const count = Math.max(1, Math.ceil(write.bytes.length / pieceSize));
      const old = before.get(JSON.stringify([write.id, write.name]));
      // Whole pieces inside the unchanged prefix, when the stored attachment has the same pieces.
      const kept = old && old.pieceSize === pieceSize && write.unchangedPrefix ? Math.floor(Math.min(write.unchangedPrefix, old.length) / pieceSize) : 0;
      for (let n = kept; n < count; n++) pieces.push([write.id, write.name, n, write.bytes.subarray(n * pieceSize, (n + 1) * pieceSize)]);
      const oldCount = old ? Math.max(1, Math.ceil(old.length / old.pieceSize)) : 0;
      if (oldCount > count) await query('DELETE FROM attachment_pieces WHERE doc_id = ? AND name = ? AND n >= ?', [write.id, write.name, count]);
    }
    // One statement per large piece (multi-row statements of large blobs measured slower on
    // PostgreSQL); small ones (summary blocks, short chunks) together, up to SMALL_PIECES_BYTES a statement.
    const upsert = 'INSERT INTO attachment_pieces (doc_id, name, n, data) VALUES';
    const onConflict = 'ON CONFLICT (doc_id, name, n) DO UPDATE SET data = excluded.data';
    let small: unknown[][] = [];
    let smallBytes = 0;
    const flush = async () => {
      if (small.length > 0) await query(`${upsert} ${small.map(() => '(?, ?, ?, ?)').join(', ')} ${onConflict}`, small.flat());
      small = [];
      smallBytes = 0;
    };
    for (const row of pieces) {
      const size = (row[3] as Uint8Array).byteLength;
      if (size > SMALL_PIECE_BYTES) {
        await query(`${upsert} (?, ?, ?, ?) ${onConflict}`, row);
        continue;
      }
      if (small.length >= 100 || smallBytes + size > SMALL_PIECES_BYTES) await flush();
      small.push(row);
      smallBytes += size;
    }
    await flush();
    for (let from = 0; from < writes.length; from += 200) {
      const rows = writes.slice(from, from + 200);
      await query(
        `INSERT INTO attachments (doc_id, name, length, content_type, piece_size) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (doc_id, name) DO UPDATE SET length = excluded.length, content_type = excluded.content_type, piece_size = excluded.piece_size, digest = NULL`,
        rows.flatMap((write) => [write.id, write.name, write.bytes.length, write.contentType, pieceSizeFor(write.bytes.length)]),
      );
    }
  }

  async getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    checkId(id);
    checkId(name, 'attachment name');
    const blob = await this.#transaction(async (query) => {
      await SqlStorage.#live(query, id);
      const [record] = await query('SELECT length, content_type, piece_size FROM attachments WHERE doc_id = ? AND name = ?', [id, name]);
      if (!record) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
      const pieceSize = Number(record.piece_size);
      const [start, end] = byteRange(options, Number(record.length));
      const type = String(record.content_type);
      if (end <= start) return new Blob([], { type });
      const first = Math.floor(start / pieceSize);
      const last = Math.floor((end - 1) / pieceSize);
      // An index range scan over (doc_id, name, n): only the pieces the range covers.
      const pieces = await query('SELECT data FROM attachment_pieces WHERE doc_id = ? AND name = ? AND n BETWEEN ? AND ? ORDER BY n', [id, name, first, last]);
      const whole = Buffer.concat(pieces.map((row) => row.data as Buffer));
      const offset = first * pieceSize;
      return new Blob([whole.subarray(start - offset, end - offset)], { type });
    });
    return (await readAs(blob, options?.format)) as never;
  }

  /**
   * Bytes [start, end) of an attachment, piece by piece (at most PIECE_SIZE each), every piece read
   * in a transaction of its own: a large download holds neither the whole attachment in memory nor
   * the database while the client reads. All pieces come from one version of the document: when it
   * changes between two of them (its rev moves: a rewrite, an append), the iteration fails with a
   * 409 instead of mixing versions. Rejects with 404 for a missing document or attachment.
   */
  async *attachmentPieces(id: string, name: string, start: number, end: number): AsyncGenerator<Buffer> {
    checkId(id);
    checkId(name, 'attachment name');
    let rev: number | undefined;
    for (let at = start; at < end; ) {
      const from = at;
      const slice = await this.#transaction(async (query) => {
        const live = await SqlStorage.#live(query, id);
        if (rev !== undefined && live.rev !== rev) throw new StorageError('conflict', `document ${JSON.stringify(id)} changed while its attachment ${JSON.stringify(name)} was being read; read it again`);
        rev = live.rev;
        const [record] = await query('SELECT length, piece_size FROM attachments WHERE doc_id = ? AND name = ?', [id, name]);
        if (!record) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
        if (end > Number(record.length)) throw new StorageError('conflict', `attachment ${JSON.stringify(name)} of ${JSON.stringify(id)} is shorter than the range asked for`);
        const pieceSize = Number(record.piece_size);
        const n = Math.floor(from / pieceSize);
        const [piece] = await query('SELECT data FROM attachment_pieces WHERE doc_id = ? AND name = ? AND n = ?', [id, name, n]);
        const data = (piece?.data as Buffer | undefined) ?? Buffer.alloc(0);
        const offset = n * pieceSize;
        return data.subarray(from - offset, Math.min(end, offset + pieceSize) - offset);
      });
      if (slice.length === 0) throw new StorageError('storage_failure', `attachment ${JSON.stringify(name)} of ${JSON.stringify(id)} lacks the piece at byte ${from}: run repair`);
      at += slice.length;
      yield slice;
    }
  }

  async removeAttachment(id: string, name: string, options: AttachmentWriteOptions = {}): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    const conditions = conditionsOf(options);
    await this.#transaction(async (query) => {
      if (conditions.expect !== undefined || conditions.expect_digest !== undefined) await SqlStorage.#checkExpected(query, [{ type: 'removeAttachment', id, name, ...conditions }]);
      await SqlStorage.#live(query, id);
      const [record] = await query('SELECT length FROM attachments WHERE doc_id = ? AND name = ?', [id, name]);
      if (!record) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
      await query('DELETE FROM attachment_pieces WHERE doc_id = ? AND name = ?', [id, name]);
      await query('DELETE FROM attachments WHERE doc_id = ? AND name = ?', [id, name]);
      await SqlStorage.#touch(query, id);
    });
  }

  async allAttachments(id: string, options: AllAttachmentsOptions = {}): Promise<Record<string, AttachmentInfo>> {
    checkId(id);
    return this.#transaction(async (query) => {
      await SqlStorage.#live(query, id);
      const rows = await query('SELECT name, length, content_type, piece_size, digest FROM attachments WHERE doc_id = ? ORDER BY name', [id]);
      const result: Record<string, AttachmentInfo> = {};
      for (const row of rows) result[String(row.name)] = await this.#info(query, id, row, options.digest);
      return result;
    });
  }

  /** An attachments row as info; with `digest`, a missing one is computed and kept. */
  async #info(query: Query, id: string, row: Row, digest: boolean | undefined): Promise<AttachmentInfo> {
    const info: AttachmentInfo = { length: Number(row.length), content_type: String(row.content_type) };
    if (!digest) return info;
    if (typeof row.digest === 'string') return { ...info, digest: row.digest };
    return this.#computeDigest(query, id, String(row.name));
  }

  /**
   * Hashes an attachment's pieces and keeps the digest in its row (inside the caller's
   * transaction). On PostgreSQL the row is locked first and read again: another server process
   * rewriting the attachment meanwhile must not be left with the old bytes' digest.
   */
  async #computeDigest(query: Query, id: string, name: string): Promise<AttachmentInfo> {
    const lock = this.driver.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await query(`SELECT length, content_type, piece_size FROM attachments WHERE doc_id = ? AND name = ?${lock}`, [id, name]);
    if (!row) throw new StorageError('conflict', `attachment ${name} of ${id} was removed while being listed; try again`);
    const length = Number(row.length);
    const count = Math.max(1, Math.ceil(length / Number(row.piece_size)));
    const hash = createHash('sha256');
    let hashed = 0;
    for (let first = 0; first < count; first += DIGEST_PIECES) {
      const pieces = await query('SELECT data FROM attachment_pieces WHERE doc_id = ? AND name = ? AND n BETWEEN ? AND ? ORDER BY n', [id, name, first, Math.min(count, first + DIGEST_PIECES) - 1]);
      for (const piece of pieces) {
        hash.update(piece.data as Buffer);
        hashed += (piece.data as Buffer).length;
      }
    }
    if (hashed !== length) throw new StorageError('storage_failure', `attachment ${name} of ${id} is missing pieces; run repair()`);
    const digest = hash.digest('hex');
    await query('UPDATE attachments SET digest = ? WHERE doc_id = ? AND name = ?', [digest, id, name]);
    return { length, content_type: String(row.content_type), digest };
  }

  /**
   * Puts and deletes in one transaction: the stored documents are read in a few `IN` lists, each
   * write is decided in memory (`check`, then `expect`), and what changed is written with
   * multi-row statements. `check` is the server's access rule, applied to what is stored inside
   * this same transaction.
   */
  async bulkDocs(writes: DocWrite[], check?: WriteCheck, options: BulkDocsOptions = {}): Promise<DocWriteResult[]> {
    const checked = checkDocWritesAndSites(writes);
    if (checked.writes.length === 0) return checked.results as DocWriteResult[];
    await this.#transaction(async (query) => {
      // Expectations and the access check must still hold at the commit: another server process
      // may write these documents meanwhile (a document moved to another site after the check).
      if (check || checked.writes.some((write) => write.expect !== undefined)) await SqlStorage.holdWriters(query);
      const ids = [...new Set(checked.writes.map((write) => write.id))];
      const current = new Map<string, Doc | undefined>();
      const sites = new Map<string, string | null>();
      for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
        const some = ids.slice(from, from + IDS_PER_STATEMENT);
        for (const row of await query(`SELECT id, deleted, doc, site FROM documents WHERE id IN (${placeholders(some.length)})`, some)) {
          sites.set(String(row.id), (row.site as string | null) ?? null);
          if (!isDeleted(row)) current.set(String(row.id), JSON.parse(String(row.doc)) as Doc);
        }
      }
      // Where each live document is before this batch: a document whose site changes leaves it.
      const liveSites = new Map([...current.keys()].map((id) => [id, sites.get(id) ?? null]));
      const lookup = check ? await SqlStorage.#lookupFor(query, checked, current, options) : undefined;
      const outcome = decideDocWrites(checked, current, {
        ...(check ? { refuse: (write: CheckedDocWrite, doc: Doc | undefined) => check(write, sites.has(write.id) ? { doc, site: sites.get(write.id) ?? null } : undefined, lookup!) } : {}),
        applied: (write) => {
          if (write.doc) sites.set(write.id, siteOfDoc(write.id, write.doc));
        },
      });
      if (outcome.size === 0) return;
      const [counter] = await query("UPDATE counters SET value = value + ? WHERE name = 'seq' RETURNING value", [outcome.size]);
      let seq = Number(counter!.value) - outcome.size;
      const departures: Array<[string, string, number]> = [];
      const rows = [...outcome].map(([id, { doc }]) => {
        const site = sites.get(id) ?? null;
        const left = liveSites.get(id);
        if (left !== undefined && left !== null && left !== site) departures.push([left, id, seq + 1]);
        return [id, ++seq, doc === undefined, doc === undefined ? null : JSON.stringify(doc), site];
      });
      await SqlStorage.#departuresIn(query, departures);
      await SqlStorage.#upsertRows(query, rows);
      const cleared = [...outcome].filter(([, { cleared }]) => cleared).map(([id]) => id);
      for (let from = 0; from < cleared.length; from += IDS_PER_STATEMENT) {
        const some = cleared.slice(from, from + IDS_PER_STATEMENT);
        await query(`DELETE FROM attachment_pieces WHERE doc_id IN (${placeholders(some.length)})`, some);
        await query(`DELETE FROM attachments WHERE doc_id IN (${placeholders(some.length)})`, some);
      }
    });
    return checked.results as DocWriteResult[];
  }

  /**
   * The lookup of a batch's check: `current` (the written ids, kept up to date by decideDocWrites),
   * then the documents the batch references (loaded here, level by level, live ones only), then
   * the last version a later write of the batch gives an id (a tablet may push a child before the
   * parent it created).
   */
  static async #lookupFor(query: Query, checked: CheckedDocWrites, current: Map<string, Doc | undefined>, options: BulkDocsOptions): Promise<WriteLookup> {
    const pending = new Map<string, Doc | undefined>();
    for (const write of checked.writes) pending.set(write.id, write.doc);
    const related = new Map<string, Doc>();
    const { references } = options;
    if (references) {
      const known = (id: string) => current.has(id) || related.has(id) || pending.has(id);
      let frontier = new Set<string>();
      const follow = (doc: Doc | undefined) => {
        if (doc) for (const id of references(doc)) if (typeof id === 'string' && !known(id) && idProblem(id) === undefined) frontier.add(id);
      };
      for (const write of checked.writes) follow(write.doc);
      for (const doc of current.values()) follow(doc);
      for (let level = 0; level < (options.depth ?? 32) && frontier.size > 0; level++) {
        const ids = [...frontier];
        frontier = new Set();
        const loaded: Doc[] = [];
        for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
          const some = ids.slice(from, from + IDS_PER_STATEMENT);
          for (const row of await query(`SELECT id, doc FROM documents WHERE id IN (${placeholders(some.length)}) AND deleted = ?`, [...some, false])) {
            const doc = JSON.parse(String(row.doc)) as Doc;
            related.set(String(row.id), doc);
            loaded.push(doc);
          }
        }
        for (const doc of loaded) follow(doc);
      }
    }
    return (id) => (current.has(id) ? current.get(id) : related.has(id) ? related.get(id) : pending.get(id));
  }

  hasCapacity(name: Capacity | string): boolean {
    return capacities.has(name);
  }

  /** The site of a document, deleted ones included (undefined: no such document ever). */
  async siteOf(id: string): Promise<string | null | undefined> {
    checkId(id);
    const [row] = await this.#transaction((query) => query('SELECT site FROM documents WHERE id = ?', [id]));
    return row ? ((row.site as string | null) ?? null) : undefined;
  }

  /** What `id` holds now, in one statement (undefined: no such document ever; deleted: no `doc`). */
  async stored(id: string): Promise<StoredDoc | undefined> {
    checkId(id);
    const [row] = await this.#transaction((query) => query('SELECT deleted, doc, site FROM documents WHERE id = ?', [id]));
    if (!row) return undefined;
    return { doc: isDeleted(row) ? undefined : (JSON.parse(String(row.doc)) as Doc), site: (row.site as string | null) ?? null };
  }

  /** The changes feed restricted to documents of the given sites (a technician's view). */
  async changesWithin(sites: readonly string[], options: ChangesOptions = {}): Promise<ChangesResult> {
    return this.changes(options, sites);
  }

  async changes(options: ChangesOptions = {}, sites?: readonly string[]): Promise<ChangesResult> {
    // With documents, the feed is written as text (what the HTTP route sends) and read back here.
    if (options.include_docs) return JSON.parse(await this.changesJson(options, sites)) as ChangesResult;
    const feed = this.#feed(options, sites);
    if (!feed) return { results: [], last_seq: options.since ?? 0, ...(options.count_pending ? { pending: 0 } : {}) };
    return this.#transaction(async (query) => {
      const rows = await query(feed.page, feed.params);
      const results = rows.map((row): Change => (isDeleted(row) ? { id: String(row.id), seq: Number(row.seq), deleted: true } : { id: String(row.id), seq: Number(row.seq) }));
      const lastSeq = results.at(-1)?.seq ?? feed.since;
      return { results, last_seq: lastSeq, ...(await feed.pendingAfter(query, lastSeq)) };
    });
  }

  /**
   * The changes feed as JSON text, for the HTTP route: with include_docs, the stored documents'
   * JSON goes out as it is stored, never parsed and serialised again (that was most of the
   * server's time in a first sync). One statement per page: the page's documents joined with
   * their attachments (one row each).
   */
  async changesJson(options: ChangesOptions = {}, sites?: readonly string[]): Promise<string> {
    if (!options.include_docs) return JSON.stringify(await this.changes(options, sites));
    const feed = this.#feed(options, sites);
    if (!feed) return JSON.stringify({ results: [], last_seq: options.since ?? 0, ...(options.count_pending ? { pending: 0 } : {}) });
    return this.#transaction(async (query) => {
      const rows = await query(
        `SELECT d.id, d.seq, d.deleted, d.doc, a.name, a.length, a.content_type, a.piece_size, a.digest FROM (${feed.page}) d LEFT JOIN attachments a ON a.doc_id = d.id AND d.doc IS NOT NULL ORDER BY d.seq, a.name`,
        feed.params,
      );
      // {"results":[{"id","seq","doc":<stored text>,"attachments":{…}} or {"id","seq","deleted":true}…],"last_seq":…}
      const parts: string[] = [];
      let open = false;
      let lastSeq = feed.since;
      let attachmentCount = 0;
      for (const row of rows) {
        const id = String(row.id);
        const seq = Number(row.seq);
        if (seq !== lastSeq || !open) {
          if (open) parts.push(attachmentCount >= 0 ? '}},' : '},');
          lastSeq = seq;
          open = true;
          if (isDeleted(row)) {
            parts.push(`{"id":${JSON.stringify(id)},"seq":${seq},"deleted":true`);
            attachmentCount = -1;
          } else {
            parts.push(`{"id":${JSON.stringify(id)},"seq":${seq},"doc":${String(row.doc)},"attachments":{`);
            attachmentCount = 0;
          }
        }
        if (attachmentCount >= 0 && row.name !== null && row.name !== undefined) {
          parts.push(`${attachmentCount > 0 ? ',' : ''}${JSON.stringify(String(row.name))}:${JSON.stringify(await this.#info(query, id, row, true))}`);
          attachmentCount++;
        }
      }
      if (open) parts.push(attachmentCount >= 0 ? '}}' : '}');
      const { pending } = await feed.pendingAfter(query, lastSeq);
      return `{"results":[${parts.join('')}],"last_seq":${lastSeq}${pending === undefined ? '' : `,"pending":${pending}`}}`;
    });
  }

  /** The page query of a changes feed (undefined: no site to read), and its pending count. */
  #feed(options: ChangesOptions, sites: readonly string[] | undefined) {
    const since = options.since ?? 0;
    const limit = options.limit;
    if (!Number.isInteger(since) || since < 0) throw new StorageError('bad_request', 'since must be a non-negative integer');
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new StorageError('bad_request', 'limit must be a positive integer');
    if (sites && sites.length === 0) return undefined;
    const columns = `id, seq, deleted${options.include_docs ? ', doc' : ''}`;
    // A site-restricted feed (a technician's) holds the documents now in those sites, and, as
    // deletions, the documents that left one of them since and are in none of them now (their
    // devices must drop them). Each document once: its latest departure.
    const changesAfter = sites
      ? `SELECT ${columns} FROM documents WHERE seq > ? AND site IN (${placeholders(sites.length)}) UNION ALL ` +
        `SELECT p.doc_id AS id, MAX(p.seq) AS seq, TRUE AS deleted${options.include_docs ? ', NULL AS doc' : ''} FROM document_departures p WHERE p.seq > ? AND p.site IN (${placeholders(sites.length)}) ` +
        `AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = p.doc_id AND d.site IN (${placeholders(sites.length)})) GROUP BY p.doc_id`
      : `SELECT ${columns} FROM documents WHERE seq > ?`;
    const paramsAfter = (after: number): unknown[] => (sites ? [after, ...sites, after, ...sites, ...sites] : [after]);
    const params = paramsAfter(since);
    if (limit !== undefined) params.push(limit);
    const page = `${changesAfter} ORDER BY seq${limit === undefined ? '' : ' LIMIT ?'}`;
    // With count_pending: how many changes come after this page (indexed counts).
    const pendingAfter = async (query: Query, lastSeq: number): Promise<{ pending?: number }> => {
      if (!options.count_pending) return {};
      const rows = await query(`SELECT COUNT(*) AS count FROM (${changesAfter}) f`, paramsAfter(lastSeq));
      return { pending: Number(rows[0]?.count ?? 0) };
    };
    return { since, page, params, pendingAfter };
  }

  async repair(): Promise<{ fixed: number }> {
    return this.#transaction(async (query) => {
      const orphans = await query('SELECT COUNT(*) AS count FROM attachment_pieces p WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.doc_id = p.doc_id AND a.name = p.name)');
      await query('DELETE FROM attachment_pieces WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.doc_id = attachment_pieces.doc_id AND a.name = attachment_pieces.name)');
      return { fixed: Number(orphans[0]?.count ?? 0) };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Empties every document table (the database itself belongs to the server). */
  async destroy(): Promise<void> {
    await this.#transaction(async (query) => {
      await query('DELETE FROM attachment_pieces');
      await query('DELETE FROM attachments');
      await query('DELETE FROM documents');
      await query('DELETE FROM document_departures');
      await query("UPDATE counters SET value = 0 WHERE name = 'seq'");
    });
    this.#closed = true;
  }
}
