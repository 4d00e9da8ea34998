/**
 * Layout of a Fieldline IndexedDB database (one per `database` option, named `fieldline:<database>`):
 *
 * - `documents`   key id → {id, seq, doc} or a tombstone {id, seq, deleted: true} (kept so the
 *                 changes feed reports deletions); index `seq` for the feed, and one multiEntry
 *                 index `by:<key>` on `doc.<key>` per secondary index asked for.
 * - `attachments` key [id, name] → {id, name, version, length, content_type, piece_size, digest?};
 *                 index `id`. `digest` (SHA-256) is computed on first request and kept; a rewrite
 *                 writes a new record (new version) without it.
 * - `pieces`      key [id, name, version, n] → Blob of at most piece_size bytes. Attachments live in
 *                 fixed-size pieces so a range read touches only the pieces it covers. Pieces are
 *                 Blobs, not ArrayBuffers: browsers keep stored Blobs on disk and hand out
 *                 references, so neither writing nor reading a 1 GB attachment loads it into memory,
 *                 and a whole attachment is written in one transaction (no half-written state).
 * - `meta`        key 'seq' → last sequence number.
 */
import type { DBSchema } from 'idb';
import type { Doc } from '../storage';

export interface DocumentRecord {
  id: string;
  seq: number;
  doc?: Doc;
  deleted?: true;
}

export interface AttachmentRecord {
  id: string;
  name: string;
  version: string;
  length: number;
  content_type: string;
  piece_size: number;
  digest?: string;
}

export type PieceKey = [string, string, string, number];

export interface FieldlineDb extends DBSchema {
  documents: { key: string; value: DocumentRecord; indexes: { seq: number } & Record<string, IDBValidKey> };
  attachments: { key: [string, string]; value: AttachmentRecord; indexes: { id: string } };
  pieces: { key: PieceKey; value: Blob };
  meta: { key: string; value: number };
}

/** 1 MiB: big enough that a 1 GB attachment is ~1000 records, small enough for cheap range reads. */
export const PIECE_SIZE = 1024 * 1024;

export const indexName = (key: string): string => `by:${key}`;
