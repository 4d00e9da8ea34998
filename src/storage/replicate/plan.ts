/**
 * The three-way decision of a sync, per document: what the local side has, what the remote side
 * has, and what both had at the last sync (the signature). Whichever side differs from the
 * signature changed; when both changed to different things it is a conflict, settled by the
 * policy. Versions are content hashes: clocks are never compared. The JSON of a document and each
 * of its attachments are decided apart, so an array's unchanged chunks never travel.
 */
import type { Doc } from '../storage';
import type { SideState } from './side-state';
import type { Signature } from './signatures';

export type ConflictHandling = 'keep_both' | 'keep_local' | 'keep_remote';
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
): Plan {
  const base = signature?.hash ?? null;
  let doc: Direction;
  let conflict = false;
  if (local.hash === remote.hash) doc = 'none';
  else if (remote.hash === base) doc = 'push';
  else if (local.hash === base) doc = 'pull';
  else {
    conflict = policy === 'keep_both';
    doc = policy === 'keep_local' ? 'push' : 'pull';
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
