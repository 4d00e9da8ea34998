/**
 * Alarm actions on the server's write paths (/api/docs PUT, POST, DELETE, bulk_docs — sync pushes
 * through them): an `alarm_action` is what a person did to an alarm, written on any device,
 * offline too, and applied to the alarm by the server (alarms/action-applier.ts). So that applying
 * it once is applying it for good, an action is immutable: once stored it is never changed nor
 * deleted (409; the same body again is accepted, as a sync that lost its answer resends it). A new
 * one must be well formed (alarmActionProblem), written by the user it names (`by`), and name an
 * alarm stored in the same site — judged inside the writing transaction, like the asset model
 * (model-checks.ts), with the alarm loaded through the batch's references.
 */
import { alarmActionProblem, docHash } from '../../core';
import type { User } from '../auth/accounts';
import type { Doc } from '../../storage/backend';
import type { StoredDoc, WriteLookup } from '../store/sql/sql-storage';
import { HttpError } from '../errors';
import { documentKind } from './access';

/** The document an alarm action points at, which its write check reads (its alarm). */
export function alarmActionReferences(doc: Doc): string[] {
  return documentKind(doc) === 'type:alarm_action' && typeof doc.alarm === 'string' ? [doc.alarm] : [];
}

/**
 * Why `user` may not write `after` (undefined: a delete) under `id` over `stored`, as far as alarm
 * actions go (undefined: nothing against it). Role and site rules are writeRefusal's (access.ts),
 * checked before this one.
 */
export function alarmActionRefusal(user: User, id: string, after: Doc | undefined, stored: StoredDoc | undefined, lookup: WriteLookup): HttpError | undefined {
  const before = stored?.doc;
  if (before && documentKind(before) === 'type:alarm_action') {
    if (!after) return new HttpError(409, 'conflict', `alarm action ${JSON.stringify(id)} is part of its alarm's history and cannot be deleted`);
    if (docHash(after) !== docHash(before)) return new HttpError(409, 'conflict', `alarm action ${JSON.stringify(id)} was already written and cannot be changed; write a new alarm_action instead`);
    return undefined; // the same action again (a resent sync push)
  }
  if (!after || documentKind(after) !== 'type:alarm_action') return undefined;
  const problem = alarmActionProblem(after);
  if (problem !== undefined) return new HttpError(400, 'bad_request', `alarm action ${JSON.stringify(id)}: ${problem}`);
  if (after.by !== user.username) {
    return new HttpError(403, 'forbidden', `an alarm action is written by the user it names: "by" must be ${JSON.stringify(user.username)} (got ${JSON.stringify(after.by)})`);
  }
  const alarmId = after.alarm as string;
  const alarm = lookup(alarmId);
  if (!alarm || documentKind(alarm) !== 'type:alarm') return new HttpError(400, 'bad_request', `alarm action ${JSON.stringify(id)}: there is no alarm ${JSON.stringify(alarmId)}`);
  if (alarm.site !== after.site) {
    return new HttpError(400, 'bad_request', `alarm action ${JSON.stringify(id)}: its site must be its alarm's (${JSON.stringify(alarm.site)}), not ${JSON.stringify(after.site)}`);
  }
  return undefined;
}
