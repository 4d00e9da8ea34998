/**
 * What one side of a replication holds for a document: its JSON (with its content hash) and the
 * digests of its attachments. Read through the cheapest way the storage offers (a changes entry
 * with `include_docs`, else get + allAttachments), and written with conditional `bulkDocs` where
 * the storage has it (else a check-then-write fallback).
 */
import { bytesHash, docHash } from '../../core';
import { StorageError } from '../errors';
import type { AttachmentInfo, Change, Doc, DocWrite, DocWriteResult, Storage } from '../storage';

export interface SideState {
  /** The document; null when the side does not have it; undefined when only its hash is known. */
  doc: Doc | null | undefined;
  /** docHash of the document, null when absent. */
  hash: string | null;
  /** Attachment name → digest. */
  attachments: Record<string, string>;
}

export const ABSENT: SideState = Object.freeze({ doc: null, hash: null, attachments: Object.freeze({}) as Record<string, string> });

async function digestsOf(storage: Storage, id: string, infos: Record<string, AttachmentInfo>): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const [name, info] of Object.entries(infos)) {
    // A storage without the 'digest' capacity: hash the bytes here (only such storages pay this).
    digests[name] = info.digest ?? bytesHash(new Uint8Array(await storage.getAttachment(id, name, { format: 'array_buffer' })));
  }
  return digests;
}

/** The state of `id` on `storage`, read now. */
export async function readState(storage: Storage, id: string): Promise<SideState> {
  let doc: Doc;
  try {
    doc = await storage.get(id);
  } catch (error) {
    if (error instanceof StorageError && error.status === 404) return ABSENT;
    throw error;
  }
  let infos: Record<string, AttachmentInfo>;
  try {
    infos = await storage.allAttachments(id, { digest: true });
  } catch (error) {
    // Removed between the two reads: absent now.
    if (error instanceof StorageError && error.status === 404) return ABSENT;
    throw error;
  }
  return { doc, hash: docHash(doc), attachments: await digestsOf(storage, id, infos) };
}

/** The state a changes entry carries (with `include_docs`), or undefined when it carries none. */
export function stateOfChange(change: Change): SideState | undefined {
  if (change.deleted) return ABSENT;
  if (!change.doc || !change.attachments) return undefined;
  const attachments: Record<string, string> = {};
  for (const [name, info] of Object.entries(change.attachments)) {
    if (info.digest === undefined) return undefined;
    attachments[name] = info.digest;
  }
  return { doc: change.doc, hash: docHash(change.doc), attachments };
}

/** Refusals that concern one write; any other error (offline, signed out, closed) stops the sync. */
const ITEM_STATUSES = new Set([400, 403, 404, 409, 413]);

/** Largest number of writes sent in one bulkDocs call (the server takes up to 2 000). */
const BULK_PIECE = 1000;

/** Whether the storage checks `expect` atomically (else a write may race another writer). */
export function writesAreConditional(storage: Storage): boolean {
  return typeof storage.bulkDocs === 'function' && storage.hasCapacity('bulk_docs');
}

/** Applies conditional document writes, one result per write. */
export async function writeDocs(storage: Storage, writes: DocWrite[]): Promise<DocWriteResult[]> {
  if (writes.length === 0) return [];
  if (storage.bulkDocs && storage.hasCapacity('bulk_docs')) {
    const results: DocWriteResult[] = [];
    for (let start = 0; start < writes.length; start += BULK_PIECE) results.push(...(await storage.bulkDocs(writes.slice(start, start + BULK_PIECE))));
    return results;
  }
  const results: DocWriteResult[] = [];
  for (const write of writes) results.push(await writeOne(storage, write));
  return results;
}

async function writeOne(storage: Storage, write: DocWrite): Promise<DocWriteResult> {
  try {
    if (write.expect !== undefined) {
      const now = await readState(storage, write.id);
      if (now.hash !== write.expect) return { id: write.id, ok: false, status: 409, code: 'conflict', message: 'the document changed since it was read' };
    }
    if (write.doc) await storage.put(write.id, write.doc);
    else {
      try {
        await storage.remove(write.id);
      } catch (error) {
        if (!(error instanceof StorageError && error.status === 404)) throw error;
      }
    }
    return { id: write.id, ok: true };
  } catch (error) {
    if (error instanceof StorageError && ITEM_STATUSES.has(error.status)) {
      return { id: write.id, ok: false, status: error.status, code: error.code, message: error.message };
    }
    throw error;
  }
}
