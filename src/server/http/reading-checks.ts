/**
 * Manual readings on the server's write paths (/api/docs PUT, POST, DELETE, bulk_docs — sync
 * pushes through them; attachments): a `reading` is what a technician read off an asset, and the
 * server appends it once to the asset's manual-reading channels (maintenance/reading-applier.ts).
 * So that appending it once is appending it for good, a reading is immutable, for every role:
 * once stored it is never changed nor deleted (409; the same body again is accepted, as a sync
 * that lost its answer resends it) — its samples could not follow. A new one must be well formed
 * (readingProblem, with `at` inside the ingest time window as it is now), name the user who
 * writes it when it names anyone (`by`; admins may write others' readings, an import), and read an
 * asset stored in the same site — judged inside the writing transaction like the asset model
 * (model-checks.ts), with the asset loaded through the batch's references.
 */
import { docHash, readingProblem, type ReadingTimeBounds } from '../../core';
import type { User } from '../auth/accounts';
import type { Doc } from '../../storage/backend';
import type { StoredDoc, WriteLookup } from '../store/sql/sql-storage';
import { HttpError } from '../errors';
import { documentKind } from './access';

/** What the document routes need from the reading side of the server. */
export interface ReadingHooks {
  /** The reading times accepted now (the ingest time window: INGEST_MIN_TIME, INGEST_MAX_FUTURE_MS). */
  bounds(): ReadingTimeBounds;
  /**
   * Called after a write that stored readings committed, before the answer: appends them to their
   * channels, so a pin sync that follows pulls them. Never rejects (what fails is left to the sweep).
   */
  stored(readings: ReadonlyArray<{ id: string; doc: Doc }>): Promise<void>;
}

/** Whether `doc` is a reading document. */
export function isReadingDoc(doc: Doc | undefined): boolean {
  return doc !== undefined && documentKind(doc) === 'type:reading';
}

/** The document a reading points at, which its write check reads (its asset). */
export function readingReferences(doc: Doc): string[] {
  return isReadingDoc(doc) && typeof doc.asset === 'string' ? [doc.asset] : [];
}

/**
 * Why `user` may not write `after` (undefined: a delete) under `id` over `stored`, as far as
 * readings go (undefined: nothing against it). Role and site rules are writeRefusal's
 * (access.ts), checked before this one.
 */
export function readingRefusal(user: User, id: string, after: Doc | undefined, stored: StoredDoc | undefined, lookup: WriteLookup, bounds: ReadingTimeBounds): HttpError | undefined {
  const before = stored?.doc;
  if (isReadingDoc(before)) {
    if (!after) return new HttpError(409, 'conflict', `reading ${JSON.stringify(id)} is part of its asset's manual-reading channels and cannot be deleted`);
    if (docHash(after) !== docHash(before!)) return new HttpError(409, 'conflict', `reading ${JSON.stringify(id)} was already written and cannot be changed; write a new reading instead`);
    return undefined; // the same reading again (a resent sync push)
  }
  if (!isReadingDoc(after)) return undefined;
  const problem = readingProblem(after, bounds);
  if (problem !== undefined) return new HttpError(400, 'bad_request', `reading ${JSON.stringify(id)}: ${problem}`);
  if (after!.by !== undefined && after!.by !== user.username && user.role !== 'admin') {
    return new HttpError(403, 'forbidden', `a reading is written by the user who took it: "by" must be ${JSON.stringify(user.username)} (got ${JSON.stringify(after!.by)})`);
  }
  const assetId = after!.asset as string;
  const asset = lookup(assetId);
  if (!asset || documentKind(asset) !== 'type:asset') return new HttpError(400, 'bad_request', `reading ${JSON.stringify(id)}: asset: there is no asset ${JSON.stringify(assetId)}`);
  if (asset.site !== after!.site) {
    return new HttpError(400, 'bad_request', `reading ${JSON.stringify(id)}: site must be its asset's (${JSON.stringify(asset.site)}), not ${JSON.stringify(after!.site)}`);
  }
  return undefined;
}
