/**
 * The Storage contract (jIO-style). Documents in and out are plain JSON objects; attachments are
 * binary and read by byte range. Every storage type implements this interface, so a gadget works
 * the same over memory, IndexedDB, encryption or the server.
 */
import type { JsonObject, KeySchema, Query, SortOn } from '../core';

export type Doc = JsonObject;

export interface AllDocsOptions {
  /** A query text (`site:T07 AND type:channel`) or its JSON form. */
  query?: string | Query;
  sort_on?: SortOn;
  /** `[skip, count]`, or `[count]`. */
  limit?: [number, number] | [number];
  /** Keys copied from each document into the row's `value`. */
  select_list?: string[];
  include_docs?: boolean;
  /** How query keys are read and cast (dates, numbers). */
  key_schema?: KeySchema;
}

export interface AllDocsRow {
  id: string;
  value: Doc;
  doc?: Doc;
}

export interface AllDocsResult {
  rows: AllDocsRow[];
  /** Number of rows in this result (jIO's meaning). */
  total_rows: number;
}

export type AttachmentFormat = 'blob' | 'array_buffer' | 'text' | 'json';

export interface GetAttachmentOptions {
  format?: AttachmentFormat;
  /** First byte (inclusive). */
  start?: number;
  /** Last byte (exclusive). */
  end?: number;
}

export type AttachmentData = Blob | ArrayBuffer | ArrayBufferView | string;

export interface AttachmentInfo {
  length: number;
  content_type: string;
  /**
   * Lowercase hex SHA-256 of the bytes; present when asked for (`allAttachments(id, {digest:
   * true})`, `changes({include_docs: true})`) on storages with the 'digest' capacity. Sync compares
   * these to move only the attachments (array chunks) that differ.
   */
  digest?: string;
}

export interface AllAttachmentsOptions {
  /** Also report each attachment's SHA-256 `digest` (storages with the 'digest' capacity). */
  digest?: boolean;
}

export interface ChangesOptions {
  /** Sequence after which changes are wanted (0 or absent: from the start). */
  since?: number;
  limit?: number;
  /**
   * Also return each changed document (`doc`) and its attachments' info with digests
   * (`attachments`), as they are now; deleted ones have neither. Saves sync a read per change.
   */
  include_docs?: boolean;
  /** Also say how many changes remain after this page (`pending`), for a progress bar. */
  count_pending?: boolean;
}

export interface Change {
  id: string;
  seq: number;
  deleted?: boolean;
  /** With `include_docs`: the document as it is now (absent when deleted). */
  doc?: Doc;
  /** With `include_docs`: its attachments with digests (absent when deleted). */
  attachments?: Record<string, AttachmentInfo>;
}

/**
 * One write of `bulkDocs`: `doc` present puts it, absent deletes the document (deleting one that
 * does not exist succeeds). `expect` makes the write conditional on what is stored now: the
 * `docHash` of the stored document, or null for "no document"; a mismatch fails that item with 409.
 */
export interface DocWrite {
  id: string;
  doc?: Doc;
  expect?: string | null;
}

/** Per-item outcome of `bulkDocs`, in the order of the writes. */
export type DocWriteResult =
  /** `seq`: the change sequence the write got, where the storage has a feed and tells it. */
  | { id: string; ok: true; seq?: number }
  | { id: string; ok: false; status: number; code: string; message: string };

export interface ChangesResult {
  results: Change[];
  /** Pass as `since` next time; equals `since` when nothing changed. */
  last_seq: number;
  /** With `count_pending`: changes after `last_seq` not in this page (where the storage can tell). */
  pending?: number;
}

/** What a storage can do; `hasCapacity` answers for these names (jIO's capacities). */
export type Capacity =
  | 'list'
  | 'query'
  | 'sort'
  | 'limit'
  | 'select'
  | 'include'
  | 'post'
  | 'changes'
  | 'range'
  | 'bulk'
  | 'bulk_docs'
  | 'digest'
  /** putAttachment / removeAttachment take `{expect, expect_digest}` (see AttachmentWriteOptions). */
  | 'attachment_expect';

/**
 * Options of an attachment write where `hasCapacity('attachment_expect')`: `expect` is the
 * `docHash` of the document's JSON that must be stored when the attachment is written (checked in
 * the same transaction; 409 `conflict` and nothing written otherwise). Sync pushes a changed chunk
 * this way, so a chunk is never replaced once the server's array has moved on.
 * `expect_digest` is the SHA-256 digest (lowercase hex) the attachment itself must have now, null
 * for "this document has no attachment of that name" (409 `conflict` and nothing written
 * otherwise; 400 for anything but null or 64 hex digits): sync writes attachments this way, so two
 * devices never silently overwrite each other's photo.
 */
export interface AttachmentWriteOptions {
  expect?: string;
  expect_digest?: string | null;
}

/**
 * One write of a `bulk` call. A put's `expect` is, as in `DocWrite`, the `docHash` of the document
 * that must be stored now (null: none), checked before any write of the call is made; an
 * attachment write's `expect` is the hash its document must have and its `expect_digest` the
 * digest the attachment must have (null: none), both as in AttachmentWriteOptions, checked against
 * what was stored before the call.
 */
export type BulkWrite =
  | { type: 'put'; id: string; doc: Doc; expect?: string | null }
  /**
   * `unchanged_prefix`: how many bytes at the start are known to equal what is stored now (an
   * array appending to its last chunk, under an `expect` on its metadata that guarantees it); a
   * storage may skip writing them. Only a hint: the attachment stored is `data` either way.
   */
  | { type: 'putAttachment'; id: string; name: string; data: AttachmentData; contentType?: string; expect?: string; expect_digest?: string | null; unchanged_prefix?: number }
  /** Removes an attachment; removing one the document does not have changes nothing. */
  | { type: 'removeAttachment'; id: string; name: string; expect?: string; expect_digest?: string | null };

type AttachmentResult<F extends AttachmentFormat | undefined> = F extends 'array_buffer'
  ? ArrayBuffer
  : F extends 'text'
    ? string
    : F extends 'json'
      ? unknown
      : Blob;

export interface Storage {
  get(id: string): Promise<Doc>;
  /** Creates or replaces the document; resolves to its id. */
  put(id: string, doc: Doc): Promise<string>;
  /** Stores a document under a new id and resolves to it. */
  post(doc: Doc): Promise<string>;
  /** Removes the document and its attachments; 404 when it does not exist. */
  remove(id: string): Promise<string>;
  allDocs(options?: AllDocsOptions): Promise<AllDocsResult>;
  /** Writes an attachment; `options` only where `hasCapacity('attachment_expect')`. */
  putAttachment(id: string, name: string, data: AttachmentData, contentType?: string, options?: AttachmentWriteOptions): Promise<void>;
  getAttachment<F extends AttachmentFormat | undefined = undefined>(
    id: string,
    name: string,
    options?: GetAttachmentOptions & { format?: F },
  ): Promise<AttachmentResult<F>>;
  removeAttachment(id: string, name: string, options?: AttachmentWriteOptions): Promise<void>;
  allAttachments(id: string, options?: AllAttachmentsOptions): Promise<Record<string, AttachmentInfo>>;
  hasCapacity(name: Capacity | string): boolean;
  /**
   * Several writes as one: all take effect or none. A put with `expect` makes the whole call
   * conditional: when what is stored under its id differs, nothing is written and the call rejects
   * with a 409 `conflict` StorageError (several writers of one channel array rely on this). Only
   * where `hasCapacity('bulk')`; callers fall back to writing one by one (see `writeAll`).
   */
  bulk?(writes: BulkWrite[]): Promise<void>;
  /**
   * Document writes applied each on its own, with a result per item (a refused item does not stop
   * the others); only where `hasCapacity('bulk_docs')`. Sync pushes through it.
   */
  bulkDocs?(writes: DocWrite[]): Promise<DocWriteResult[]>;
  /** Changes feed; only where `hasCapacity('changes')`. */
  changes(options?: ChangesOptions): Promise<ChangesResult>;
  /** Checks and mends internal consistency (orphan pieces, indexes); returns what it fixed. */
  repair(): Promise<{ fixed: number }>;
  close(): Promise<void>;
  /** Deletes everything this storage holds, then closes it. */
  destroy(): Promise<void>;
}

/** A storage description: plain JSON, so it can cross a worker or HTTP boundary. */
export interface StorageDescription {
  type: string;
  sub_storage?: StorageDescription;
  [option: string]: unknown;
}
