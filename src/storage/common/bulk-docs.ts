/** Rules every `bulkDocs` shares: checking each write, the `expect` test, per-item results. */
import { docHash } from '../../core';
import { StorageError } from '../errors';
import type { Doc, DocWrite, DocWriteResult } from '../storage';
import { checkDoc, checkId } from './validate';

/**
 * Most writes the server takes in one POST /api/bulk_docs; the http storage splits bigger
 * batches. 2000 keeps a request (and its one transaction) well under a second.
 */
export const BULK_DOCS_LIMIT = 2000;

/** A write that passed checking: its position in the call, and a private copy of its document. */
export interface CheckedDocWrite {
  index: number;
  id: string;
  doc: Doc | undefined;
  expect: string | null | undefined;
}

export interface CheckedDocWrites {
  /** One slot per write: the 400s of checking are filled in, the rest await their outcome. */
  results: Array<DocWriteResult | undefined>;
  writes: CheckedDocWrite[];
}

/** A failed item's result, from a StorageError-like error (one with a status and a code). */
export function failedWrite(id: string, error: { status: number; code: string; message: string }): DocWriteResult {
  return { id, ok: false, status: error.status, code: error.code, message: error.message };
}

/** The result of `error` for item `id` when it is a refusal (has a status and a code), else undefined. */
export function refusalOf(id: string, error: unknown): DocWriteResult | undefined {
  const typed = error as { status?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof typed?.status !== 'number' || typeof typed.code !== 'string') return undefined;
  return failedWrite(id, { status: typed.status, code: typed.code, message: String(typed.message) });
}

/** Checks every write before any is applied; a bad one becomes its own 400 and the others go on. */
export function checkDocWrites(writes: readonly DocWrite[]): CheckedDocWrites {
  if (!Array.isArray(writes)) throw new StorageError('bad_request', 'bulkDocs takes a list of writes');
  const checked: CheckedDocWrites = { results: [], writes: [] };
  writes.forEach((write: unknown, index) => {
    const item = (typeof write === 'object' && write !== null ? write : {}) as Partial<DocWrite>;
    const id = typeof item.id === 'string' ? item.id : String(item.id);
    try {
      if (typeof write !== 'object' || write === null || Array.isArray(write)) throw new StorageError('bad_request', 'each write must be an object {id, doc?, expect?}');
      checkId(item.id);
      const expect = item.expect;
      if (expect !== undefined && expect !== null && typeof expect !== 'string') throw new StorageError('bad_request', 'expect must be a document hash or null');
      const doc = item.doc === undefined ? undefined : checkDoc(item.doc);
      checked.writes.push({ index, id, doc, expect });
      checked.results.push(undefined);
    } catch (error) {
      checked.results.push(refusalOf(id, error) ?? failedWrite(id, new StorageError('bad_request', String(error))));
    }
  });
  return checked;
}

/** The 409 of a write whose `expect` does not match what is stored (`current`, undefined: none). */
export function expectFailure(write: CheckedDocWrite, current: Doc | undefined): DocWriteResult | undefined {
  if (write.expect === undefined) return undefined;
  if (write.expect === null) {
    return current === undefined ? undefined : failedWrite(write.id, new StorageError('conflict', `document ${JSON.stringify(write.id)} exists (expected none)`));
  }
  if (current === undefined) return failedWrite(write.id, new StorageError('conflict', `document ${JSON.stringify(write.id)} does not exist (expected one)`));
  if (docHash(current) !== write.expect) return failedWrite(write.id, new StorageError('conflict', `document ${JSON.stringify(write.id)} has changed since (its hash differs from expect)`));
  return undefined;
}

/**
 * What a batch leaves, per document it changes, in the order of each one's last write (the order
 * of their new sequence numbers): the document (undefined: deleted), and whether it was deleted on
 * the way (its attachments then go, even if a later write puts it back).
 */
export type DocWriteOutcome = Map<string, { doc: Doc | undefined; cleared: boolean }>;

export interface DecideOptions {
  /** Throws a refusal (status + code, e.g. 403) to fail just this item; runs before `expect`. */
  refuse?: (write: CheckedDocWrite, stored: Doc | undefined) => void;
  /** Told of each write that succeeds, in order. */
  applied?: (write: CheckedDocWrite) => void;
}

/**
 * Decides each write in order against `current` (id → stored document, or undefined), which it
 * updates, so a later write of the same id sees the earlier one. Fills `checked.results` and
 * returns the outcome to store.
 */
export function decideDocWrites(checked: CheckedDocWrites, current: Map<string, Doc | undefined>, options: DecideOptions = {}): DocWriteOutcome {
  const { refuse, applied } = options;
  const outcome: DocWriteOutcome = new Map();
  for (const write of checked.writes) {
    const stored = current.get(write.id);
    if (refuse) {
      try {
        refuse(write, stored);
      } catch (error) {
        const refusal = refusalOf(write.id, error);
        if (!refusal) throw error;
        checked.results[write.index] = refusal;
        continue;
      }
    }
    const conflict = expectFailure(write, stored);
    if (conflict) {
      checked.results[write.index] = conflict;
      continue;
    }
    checked.results[write.index] = { id: write.id, ok: true };
    applied?.(write);
    if (write.doc === undefined && stored === undefined) continue; // deleting nothing changes nothing
    const cleared = (outcome.get(write.id)?.cleared ?? false) || write.doc === undefined;
    outcome.delete(write.id);
    outcome.set(write.id, { doc: write.doc, cleared });
    current.set(write.id, write.doc);
  }
  return outcome;
}

/** Tells each successful write the change sequence its document got (`seqs`: id → seq). */
export function withSeqs(checked: CheckedDocWrites, seqs: ReadonlyMap<string, number>): DocWriteResult[] {
  return checked.results.map((result) => {
    const seq = result?.ok ? seqs.get(result.id) : undefined;
    return seq === undefined ? result! : { ...result!, seq } as DocWriteResult;
  });
}
