/**
 * The Storage contract (the browser library's) on SQLite or PostgreSQL: the server keeps
 * documents, attachments and, through ChannelArray, channel arrays in the same format as the
 * browser. Every call is one transaction. Queries, sorting and selection run on the loaded
 * documents with the shared query language, exactly as in the browser.
 */
import {
  StorageError,
  applyAllDocsOptions,
  byteRange,
  checkDoc,
  checkId,
  readAs,
  toBlob,
  type AllDocsOptions,
  type AllDocsResult,
  type AttachmentData,
  type AttachmentInfo,
  type BulkWrite,
  type Capacity,
  type ChangesOptions,
  type ChangesResult,
  type Doc,
  type GetAttachmentOptions,
  type Storage,
} from '../../../storage/backend';
import type { Query, SqlDriver } from './driver';

const PIECE_SIZE = 1024 * 1024;

/**
 * The site a document belongs to, kept in its own indexed column (also for tombstones) so access
 * rules and a technician's changes feed never need to load documents: `doc.site`, or the id of a
 * site document itself.
 */
export function siteOfDoc(id: string, doc: Doc): string | null {
  if (typeof doc.site === 'string') return doc.site;
  return doc.type === 'site' ? id : null;
}
const capacities = new Set<string>(['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk']);

/** A write checked and converted to bytes, ready to run inside a transaction. */
export type PreparedWrite = { type: 'put'; id: string; doc: Doc } | { type: 'putAttachment'; id: string; name: string; bytes: Buffer; contentType: string };

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
    await query(
      'INSERT INTO documents (id, seq, rev, deleted, doc, site) VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, rev = documents.rev + 1, deleted = excluded.deleted, doc = excluded.doc, site = excluded.site',
      [id, seq, false, JSON.stringify(doc), siteOfDoc(id, doc)],
    );
  }

  async put(id: string, doc: Doc): Promise<string> {
    checkId(id);
    const copy = checkDoc(doc);
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

  async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    const rows = await this.#transaction((query) => query('SELECT id, doc FROM documents WHERE deleted = ? ORDER BY id', [false]));
    return applyAllDocsOptions(
      rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Doc })),
      options,
    );
  }

  async putAttachment(id: string, name: string, data: AttachmentData, contentType?: string): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    const { bytes, type } = await bytesOf(data, contentType);
    await this.#transaction(async (query) => {
      await SqlStorage.#putAttachmentsIn(query, [{ type: 'putAttachment', id, name, bytes, contentType: type }]);
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
        if (write.type === 'put') return { type: 'put', id: write.id, doc: checkDoc(write.doc) };
        checkId(write.name, 'attachment name');
        const { bytes, type } = await bytesOf(write.data, write.contentType);
        return { type: 'putAttachment', id: write.id, name: write.name, bytes, contentType: type };
      }),
    );
  }

  /**
   * Applies prepared writes inside the caller's transaction (e.g. together with an ingestion
   * record). Runs of consecutive attachment writes check their document and look up what exists
   * once, then upsert each piece: one round trip per statement matters on PostgreSQL.
   */
  static async applyWrites(query: Query, writes: PreparedWrite[]): Promise<void> {
    const touched = new Set<string>();
    for (let index = 0; index < writes.length; ) {
      const write = writes[index]!;
      if (write.type === 'put') {
        await SqlStorage.#putIn(query, write.id, write.doc);
        touched.delete(write.id); // the put gave it a new sequence number already
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
    // Pieces an earlier, longer version left beyond the new end are removed.
    const before = new Map<string, number>();
    for (const [id, names] of byDoc) {
      await SqlStorage.#live(query, id);
      for (let from = 0; from < names.length; from += 500) {
        const some = names.slice(from, from + 500);
        const rows = await query(`SELECT name, length, piece_size FROM attachments WHERE doc_id = ? AND name IN (${some.map(() => '?').join(', ')})`, [id, ...some]);
        for (const row of rows) before.set(JSON.stringify([id, String(row.name)]), Math.max(1, Math.ceil(Number(row.length) / Number(row.piece_size))));
      }
    }
    const pieces: unknown[][] = [];
    for (const write of writes) {
      const count = Math.max(1, Math.ceil(write.bytes.length / PIECE_SIZE));
      for (let n = 0; n < count; n++) pieces.push([write.id, write.name, n, write.bytes.subarray(n * PIECE_SIZE, (n + 1) * PIECE_SIZE)]);
      if ((before.get(JSON.stringify([write.id, write.name])) ?? 0) > count) await query('DELETE FROM attachment_pieces WHERE doc_id = ? AND name = ? AND n >= ?', [write.id, write.name, count]);
    }
    // One statement per piece: multi-row statements of large blobs measured slower on PostgreSQL.
    for (const row of pieces) await query('INSERT INTO attachment_pieces (doc_id, name, n, data) VALUES (?, ?, ?, ?) ON CONFLICT (doc_id, name, n) DO UPDATE SET data = excluded.data', row);
    for (let from = 0; from < writes.length; from += 200) {
      const rows = writes.slice(from, from + 200);
      await query(
        `INSERT INTO attachments (doc_id, name, length, content_type, piece_size) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (doc_id, name) DO UPDATE SET length = excluded.length, content_type = excluded.content_type, piece_size = excluded.piece_size`,
        rows.flatMap((write) => [write.id, write.name, write.bytes.length, write.contentType, PIECE_SIZE]),
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

  async removeAttachment(id: string, name: string): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    await this.#transaction(async (query) => {
      await SqlStorage.#live(query, id);
      const [record] = await query('SELECT length FROM attachments WHERE doc_id = ? AND name = ?', [id, name]);
      if (!record) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
      await query('DELETE FROM attachment_pieces WHERE doc_id = ? AND name = ?', [id, name]);
      await query('DELETE FROM attachments WHERE doc_id = ? AND name = ?', [id, name]);
      await SqlStorage.#touch(query, id);
    });
  }

  async allAttachments(id: string): Promise<Record<string, AttachmentInfo>> {
    checkId(id);
    return this.#transaction(async (query) => {
      await SqlStorage.#live(query, id);
      const rows = await query('SELECT name, length, content_type FROM attachments WHERE doc_id = ? ORDER BY name', [id]);
      return Object.fromEntries(rows.map((row) => [String(row.name), { length: Number(row.length), content_type: String(row.content_type) }]));
    });
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

  /** The changes feed restricted to documents of the given sites (a technician's view). */
  async changesWithin(sites: readonly string[], options: ChangesOptions = {}): Promise<ChangesResult> {
    return this.changes(options, sites);
  }

  async changes(options: ChangesOptions = {}, sites?: readonly string[]): Promise<ChangesResult> {
    const since = options.since ?? 0;
    const limit = options.limit;
    if (!Number.isInteger(since) || since < 0) throw new StorageError('bad_request', 'since must be a non-negative integer');
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new StorageError('bad_request', 'limit must be a positive integer');
    if (sites && sites.length === 0) return { results: [], last_seq: since };
    const siteFilter = sites ? ` AND site IN (${sites.map(() => '?').join(', ')})` : '';
    const params: unknown[] = [since, ...(sites ?? [])];
    if (limit !== undefined) params.push(limit);
    const rows = await this.#transaction((query) =>
      query(`SELECT id, seq, deleted FROM documents WHERE seq > ?${siteFilter} ORDER BY seq${limit === undefined ? '' : ' LIMIT ?'}`, params),
    );
    const results = rows.map((row) => (Number(row.deleted) || row.deleted === true ? { id: String(row.id), seq: Number(row.seq), deleted: true } : { id: String(row.id), seq: Number(row.seq) }));
    return { results, last_seq: results.at(-1)?.seq ?? since };
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
      await query("UPDATE counters SET value = 0 WHERE name = 'seq'");
    });
    this.#closed = true;
  }
}
