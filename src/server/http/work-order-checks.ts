/**
 * Work orders on the server's write paths (/api/docs PUT, POST, DELETE, bulk_docs, attachments —
 * sync pushes through them): verifying is an engineer's or admin's act, so a technician may not
 * write a work order with status `verified` (unless it is stored verified already and they resend
 * it unchanged), and may not change, delete or attach to a verified work order: only an engineer
 * or admin changes it, or reopens it. The rest of the lifecycle is what the UI offers (core
 * canTransition); the server does not refuse other status changes, since two tablets' offline
 * edits merge and may skip a step. Judged against what is stored, inside the writing transaction.
 * That the document is a valid work order is model-checks.ts' (workOrderProblem).
 */
import { docHash } from '../../core';
import type { User } from '../auth/accounts';
import type { Doc } from '../../storage/backend';
import type { StoredDoc } from '../store/sql/sql-storage';
import { HttpError } from '../errors';
import { documentKind } from './access';

function isVerifiedWorkOrder(doc: Doc | undefined): boolean {
  return doc !== undefined && documentKind(doc) === 'type:work_order' && doc.status === 'verified';
}

/**
 * Why `user` may not write `after` (undefined: a delete) under `id` over `stored`, as far as work
 * orders go (undefined: nothing against it). `attachment`: an attachment write or delete on the
 * document (`after` is then the stored document). Role and site rules are writeRefusal's
 * (access.ts), checked before this one.
 */
export function workOrderRefusal(user: User, id: string, after: Doc | undefined, stored: StoredDoc | undefined, options: { attachment?: boolean } = {}): HttpError | undefined {
  if (user.role !== 'technician') return undefined;
  const before = stored?.doc;
  const name = JSON.stringify(id);
  if (isVerifiedWorkOrder(before)) {
    if (options.attachment) return new HttpError(403, 'forbidden', `work order ${name} is verified: only an engineer or admin may change its photos and attachments (or reopen it)`);
    if (!after) return new HttpError(403, 'forbidden', `work order ${name} is verified: only an engineer or admin may delete it`);
    if (docHash(after) !== docHash(before!)) return new HttpError(403, 'forbidden', `work order ${name} is verified: only an engineer or admin may change it (or reopen it)`);
    return undefined; // the same document again (a resent sync push)
  }
  if (isVerifiedWorkOrder(after)) return new HttpError(403, 'forbidden', `work order ${name}: only an engineer or admin may verify a work order (status "verified")`);
  return undefined;
}
