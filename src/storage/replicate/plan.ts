/**
 * The three-way decision of a sync, per document: what the local side has, what the remote side
 * has, and what both had at the last sync (the signature). Whichever side differs from the
 * signature changed; when both changed to different things it is a conflict, settled by the
 * policy. Versions are content hashes: clocks are never compared. The JSON of a document and each
 * of its attachments are decided apart, so an array's unchanged chunks never travel.
 *
 * Documents of a mergeable type (a `merge` chooser gives their policy) whose base version the
 * signature holds are not a whole-document conflict when both sides changed: they are merged
 * three-way (src/core/merge), the merge goes to both sides, and only fields changed on both to
 * different values are a conflict (the merge holds the remote's values, the conflict record the
 * local's). Without a base (the signatures were lost) they are decided as any document.
 */
import { docHash, mergeDocuments, type MergePolicy } from '../../core';
import type { Doc } from '../storage';
import type { SideState } from './side-state';
import type { Signature } from './signatures';

export type ConflictHandling = 'keep_both' | 'keep_local' | 'keep_remote';
/** The merge policy of a document, or undefined where a change on both sides stays a conflict. */
export type MergeChooser = (doc: Doc) => MergePolicy | undefined;
export type Direction = 'push' | 'pull' | 'none';

export interface ChangeChecks {
  check_local_creation: boolean;
  check_local_modification: boolean;
  check_local_deletion: boolean;
  check_remote_creation: boolean;
  check_remote_modification: boolean;
  check_remote_deletion: boolean;
}

export interface Plan {
  id: string;
  local: SideState;
  remote: SideState;
  /** Which way the document's JSON goes (a deletion travels as an absent document). */
  doc: Direction;
  /** Attachment name → which way it goes (only those that differ). */
  attachments: Map<string, Direction>;
  /** Both sides changed: under keep_both the local version is saved as a conflict record. */
  conflict: boolean;
  /** A change the checks leave alone: nothing is written and the signature is not moved on. */
  skipped: boolean;
  /** What both sides hold once the plan is carried out. */
  result: { doc: Doc | null | undefined; hash: string | null; attachments: Record<string, string> };
  /** Both sides changed a mergeable document: the merge, written to each side that lacks it. */
  merged?: MergedPlan;
}

export interface MergedPlan {
  /** What both sides hold after the sync (the remote's values on conflicts, unless keep_local). */
  doc: Doc;
  /** The merge with the local's values on the conflicting fields (the conflict record's version). */
  alternative: Doc;
  /** Conflicting field paths, then `attachments/<name>` for attachments changed on both sides. */
  conflicts: string[];
  /** Whether each side needs the merged JSON written (it may equal one of them). */
  write_local: boolean;
  write_remote: boolean;
}

function allowed(direction: Direction, from: SideState, signature: Signature | undefined, checks: ChangeChecks): boolean {
  if (direction === 'none') return true;
  const side = direction === 'push' ? 'local' : 'remote';
  if (from.hash === null) return checks[`check_${side}_deletion`];
  if (!signature || signature.hash === null) return checks[`check_${side}_creation`];
  return checks[`check_${side}_modification`];
}

/** Decides what to do for one document. */
export function planFor(
  id: string,
  local: SideState,
  remote: SideState,
  signature: Signature | undefined,
  policy: ConflictHandling,
  checks: ChangeChecks,
  merge?: MergeChooser,
): Plan {
  const base = signature?.hash ?? null;
  if (merge && local.hash !== remote.hash && local.hash !== base && remote.hash !== base) {
    const merged = mergePlan(id, local, remote, signature, policy, checks, merge);
    if (merged) return merged;
  }
  let doc: Direction;
  let conflict = false;
  if (local.hash === remote.hash) doc = 'none';
  else if (remote.hash === base) doc = 'push';
  else if (local.hash === base) doc = 'pull';
  else {
    conflict = policy === 'keep_both';
    doc = policy === 'keep_local' ? 'push' : 'pull';
  }
  // An attachment both sides wrote to different bytes (two devices' photos of one name) is never
  // overwritten by the push of a document only this side changed: under keep_both the remote's
  // version stays, this side's is kept with the conflict.
  if (policy === 'keep_both' && doc === 'push' && clashes(local, remote, signature)) {
    doc = 'pull';
    conflict = true;
  }
  const winner = doc === 'push' ? local : remote;
  const attachments = new Map<string, Direction>();
  const finalAttachments: Record<string, string> = {};
  if (winner.hash !== null) {
    const baseAttachments = signature?.attachments ?? {};
    const names = new Set([...Object.keys(local.attachments), ...Object.keys(remote.attachments), ...Object.keys(baseAttachments)]);
    for (const name of names) {
      const here = local.attachments[name];
      const there = remote.attachments[name];
      const before = baseAttachments[name];
      let direction: Direction;
      if (here === there) direction = 'none';
      else if (there === before) direction = 'push';
      else if (here === before) direction = 'pull';
      else {
        direction = doc !== 'none' ? doc : policy === 'keep_local' ? 'push' : 'pull';
        if (direction === 'pull' && policy === 'keep_both' && here !== undefined) conflict = true;
      }
      if (direction !== 'none') attachments.set(name, direction);
      const kept = direction === 'push' ? here : there;
      if (kept !== undefined) finalAttachments[name] = kept;
    }
  }
  const skipped =
    !allowed(doc, doc === 'push' ? local : remote, signature, checks) ||
    [...attachments.values()].some((direction) => !allowed(direction, direction === 'push' ? local : remote, signature === undefined ? undefined : { ...signature, hash: signature.hash ?? '' }, checks));
  return {
    id,
    local,
    remote,
    doc,
    attachments,
    conflict,
    skipped,
    result: { doc: winner.doc, hash: winner.hash, attachments: finalAttachments },
  };
}

/** Whether some attachment was written on both sides since the signature, to different bytes, and still exists here. */
function clashes(local: SideState, remote: SideState, signature: Signature | undefined): boolean {
  const before = signature?.attachments ?? {};
  for (const [name, here] of Object.entries(local.attachments)) {
    const there = remote.attachments[name];
    if (here !== there && here !== before[name] && there !== before[name]) return true;
  }
  return false;
}

function isDoc(doc: Doc | null | undefined): doc is Doc {
  return doc !== null && doc !== undefined;
}

/**
 * Both sides changed a document the signature holds the base JSON of: the three-way merge, or
 * undefined when it is not mergeable (a deletion, another type, no base).
 */
function mergePlan(id: string, local: SideState, remote: SideState, signature: Signature | undefined, policy: ConflictHandling, checks: ChangeChecks, merge: MergeChooser): Plan | undefined {
  const base = signature?.doc;
  if (!isDoc(base) || !isDoc(local.doc) || !isDoc(remote.doc)) return undefined;
  const rules = merge(remote.doc);
  if (!rules || merge(local.doc) !== rules) return undefined;
  const result = mergeDocuments(base, local.doc, remote.doc, rules);
  const doc = policy === 'keep_local' ? result.alternative : result.doc;
  const hash = docHash(doc);
  // Attachments: union by name, each decided three-way; one written on both sides to different
  // bytes keeps the remote's (keep_local: the local's), the other saved with the conflict.
  const attachments = new Map<string, Direction>();
  const finalAttachments: Record<string, string> = {};
  const attachmentConflicts: string[] = [];
  const before = signature?.attachments ?? {};
  for (const name of new Set([...Object.keys(local.attachments), ...Object.keys(remote.attachments), ...Object.keys(before)])) {
    const here = local.attachments[name];
    const there = remote.attachments[name];
    let direction: Direction;
    if (here === there) direction = 'none';
    else if (there === before[name]) direction = 'push';
    else if (here === before[name]) direction = 'pull';
    else {
      direction = policy === 'keep_local' ? 'push' : 'pull';
      if (direction === 'pull' && here !== undefined) attachmentConflicts.push(`attachments/${name}`);
    }
    if (direction !== 'none') attachments.set(name, direction);
    const kept = direction === 'push' ? here : there;
    if (kept !== undefined) finalAttachments[name] = kept;
  }
  const conflicts = [...result.conflicts, ...attachmentConflicts];
  const writeLocal = hash !== local.hash;
  const writeRemote = hash !== remote.hash;
  const pulls = writeLocal || [...attachments.values()].includes('pull');
  const pushes = writeRemote || [...attachments.values()].includes('push');
  return {
    id,
    local,
    remote,
    doc: 'none',
    attachments,
    conflict: policy === 'keep_both' && conflicts.length > 0,
    skipped: (pushes && !checks.check_local_modification) || (pulls && !checks.check_remote_modification),
    result: { doc, hash, attachments: finalAttachments },
    merged: { doc, alternative: result.alternative, conflicts, write_local: writeLocal, write_remote: writeRemote },
  };
}
