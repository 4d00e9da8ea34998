/**
 * Layout of a Fieldline IndexedDB database (one per `database` option, named `fieldline:<database>`):
 *
 * - `documents`   key id → {id, seq, doc} or a tombstone {id, seq, deleted: true} (kept so the
 *                 changes feed reports deletions); index `seq` for the feed, and one multiEntry
 *                 index `by:<key>` on `doc.<key>` per secondary index asked for.
 * - `attachments` key [id, name] → {id, name, version, length, content_type, piece_size}; index `id`.
 * - `pieces`      key [id, name, version, n] → ArrayBuffer of at most piece_size bytes. Attachments
 *                 live in fixed-size pieces so a range read loads only the pieces it covers and a
 *                 1 GB attachment is never in memory whole.
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
}

export type PieceKey = [string, string, string, number];

export interface FieldlineDb extends DBSchema {
  documents: { key: string; value: DocumentRecord; indexes: { seq: number } & Record<string, IDBValidKey> };
  attachments: { key: [string, string]; value: AttachmentRecord; indexes: { id: string } };
  pieces: { key: PieceKey; value: ArrayBuffer };
  meta: { key: string; value: number };
}

/** 1 MiB: big enough that a 1 GB attachment is ~1000 records, small enough for cheap range reads. */
export const PIECE_SIZE = 1024 * 1024;

/** Pieces written per transaction: bounds memory while a large attachment is being stored. */
export const PIECES_PER_TRANSACTION = 8;

export const indexName = (key: string): string => `by:${key}`;
