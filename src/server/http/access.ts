/**
 * Who may do what. admin: everything but what the server computes (below). engineer: reads every site; writes transformations, alarm
 * rules, alarm actions, work orders, maintenance plans, readings and saved explorer views in any site. technician: reads
 * and writes only documents of the sites assigned to them, never `site` documents, alarm rules,
 * maintenance plans nor saved explorer views, and never verifies a work order (work-order-checks.ts). Alarms (`type: 'alarm'`) are written by
 * the server (its evaluator and action applier write the store directly) and admins only: people
 * act on an alarm by writing an `alarm_action` (see alarm-checks.ts), so a device never writes the
 * alarm the server keeps changing, and no offline acknowledgement is ever a conflict.
 * Failures (`failure/…`) are written by engineers and admins in any site and technicians in
 * theirs; prediction model specs (`prediction_model/<slug>`) by engineers and admins only. What
 * the server computes — trained model versions, predictions, degradation estimates, asset health
 * and their derived channels and arrays — is written by the server alone (its runners write the
 * store directly), never through these routes, by no one, admins included: an edited prediction
 * would stand as if computed, and a squatted id would stop the runner.
 * A document belongs to the site in its `site` field (a site document to itself); one without
 * (a saved explorer view, a prediction model spec) belongs to no site: engineers and admins read it (and their devices sync
 * it), technicians do not.
 *
 * Writes are judged by what a document IS (its kind, see `documentKind`), before and after the
 * write, never by the new body alone: what is stored is read inside the writing transaction, also
 * when the user may not read it, and no one but an admin changes what a document is (a work order
 * written over a channel array's metadata would otherwise wipe the channel).
 */
import type { FastifyRequest } from 'fastify';
import type { User } from '../auth/accounts';
import { HttpError } from '../errors';
import type { Doc } from '../../storage/backend';
import { siteOfDoc, type StoredDoc } from '../store/sql/sql-storage';

/**
 * What a document is, for access rules: `array` (a channel array's metadata, `kind:
 * "fl-channel-array"`: written by the array routes, ingestion and sync), `transformation` (a
 * transformation's definition and state, `kind: "fl-transformation"`: written by the
 * transformation routes only), `type:<type>` for any other document with a string `type`, and
 * `untyped` for the rest. `kind` wins over `type`: it is what the array and runner code read.
 */
export type DocumentKind = 'array' | 'transformation' | `type:${string}` | 'untyped';

/** The kind of a document (one place for every write path: PUT, POST, DELETE, bulk_docs, attachments, arrays). */
export function documentKind(doc: Doc): DocumentKind {
  if (doc.kind === 'fl-channel-array') return 'array';
  if (doc.kind === 'fl-transformation') return 'transformation';
  return typeof doc.type === 'string' ? `type:${doc.type}` : 'untyped';
}

/** The kind of documents with this `type` field (what routes that write typed documents ask about). */
export function kindOfType(type: unknown): DocumentKind {
  return typeof type === 'string' ? `type:${type}` : 'untyped';
}

const engineerWritable = new Set<DocumentKind>(['type:transformation', 'type:alarm_rule', 'type:alarm_action', 'type:work_order', 'type:reading', 'type:maintenance_plan', 'type:explorer_view', 'type:user_kernel', 'type:failure', 'type:prediction_model']);

/**
 * Ids only the server (its reading applier) and admins write: the manual-reading channels and
 * their arrays (core manualChannelId / manualArrayId), so no one takes over, rewrites or deletes
 * the samples readings became — also not by creating the id first.
 */
const serverWrittenPrefixes = ['channel/manual/', 'array/manual/'];

/**
 * What only the server writes, admins included (issue 17): trained model versions, predictions,
 * degradation estimates and asset health, by kind, with what a refusal says.
 */
const serverOnlyKinds: ReadonlyMap<DocumentKind, string> = new Map<DocumentKind, string>([
  ['type:prediction_model_version', 'trained prediction model versions are written by the server (its training job): POST /api/prediction-models/<slug>/train'],
  ['type:prediction', 'predictions are written by the server (its prediction runner)'],
  ['type:degradation', 'degradation estimates are written by the server (its degradation runner)'],
  ['type:asset_health', 'asset health documents are written by the server (its health runner)'],
]);

/**
 * Ids only the server writes, admins included, whatever the document: those of the server-only
 * kinds and the derived remaining-life and degradation channels and arrays (core prediction.ts,
 * degradation.ts), so no one takes one over before the server's runner creates it.
 */
const serverOnlyPrefixes = ['prediction/', 'degradation/', 'asset_health/', 'channel/prediction/', 'array/prediction/', 'channel/degradation/', 'array/degradation/'];

/** A trained version's id (`prediction_model/<slug>/…`: anything below a spec). */
const versionId = /^prediction_model\/[^/]*\//;

/** The 403 for writing under `id` when only the server writes there (undefined: anyone with the role may). */
export function serverOnlyIdRefusal(id: string): HttpError | undefined {
  if (serverOnlyPrefixes.some((prefix) => id.startsWith(prefix)) || versionId.test(id)) {
    return new HttpError(403, 'forbidden', `${JSON.stringify(id.slice(0, 200))} is written by the server: predictions, trained model versions, degradation estimates, asset health and their derived channels are computed, never written by a client`);
  }
  return undefined;
}

/** What technicians never write, even in their own sites (the channel explorer's saved views are engineers' and admins'). */
const technicianUnwritable = new Set<DocumentKind>(['type:site', 'transformation', 'type:alarm', 'type:alarm_rule', 'type:maintenance_plan', 'type:explorer_view', 'type:user_kernel', 'type:prediction_model']);

/** The signed-in user; 401 when there is none. */
export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw new HttpError(401, 'unauthorized', 'sign in first: POST /api/session {username, password}, then send the token as "Authorization: Bearer <token>"');
  return request.user;
}

/** The signed-in admin; 401 when no one is signed in, 403 for other roles. */
export function requireAdmin(request: FastifyRequest): User {
  const user = requireUser(request);
  if (user.role !== 'admin') throw new HttpError(403, 'forbidden', 'only an admin may do this');
  return user;
}

/** Whether `user` may read documents of `site` (null: documents of no site). */
export function canRead(user: User, site: string | null): boolean {
  return user.role !== 'technician' || (site !== null && user.sites.includes(site));
}

/**
 * Whether `user` may write a document of this kind in `site`. Transformations go through their
 * routes (which check their output), never as plain documents; technicians write their sites'
 * arrays (sync pushes readings recorded on a tablet), engineers none.
 */
export function canWriteKind(user: User, site: string | null, kind: DocumentKind): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'engineer') return engineerWritable.has(kind);
  return site !== null && user.sites.includes(site) && !technicianUnwritable.has(kind);
}

/** Whether `user` may write a document with this `type` field in `site` (see canWriteKind). */
export function canWrite(user: User, site: string | null, type: unknown): boolean {
  return canWriteKind(user, site, kindOfType(type));
}

/** 403 unless `user` may read documents of `site`. */
export function checkRead(user: User, site: string | null): void {
  if (!canRead(user, site)) throw new HttpError(403, 'forbidden', 'this document belongs to a site you are not assigned to');
}

/**
 * Why `user` may not write `after` (undefined: delete) under `id` over what is `stored` there
 * (undefined: never existed; a deleted document keeps its site, and its doc is undefined), or
 * undefined when they may. An attachment write passes the stored document as `after` (the JSON
 * stays as it is). Pure: callers read `stored` inside the transaction that writes.
 */
export function writeRefusal(user: User, id: string, after: Doc | undefined, stored: StoredDoc | undefined): HttpError | undefined {
  if (stored !== undefined && !canRead(user, stored.site)) return new HttpError(403, 'forbidden', 'this document belongs to a site you are not assigned to');
  // What the server computes: no client writes it, admins included (before and after the write).
  for (const doc of [stored?.doc, after]) {
    const serverOnly = doc === undefined ? undefined : serverOnlyKinds.get(documentKind(doc));
    if (serverOnly) return new HttpError(403, 'forbidden', serverOnly);
  }
  const reserved = serverOnlyIdRefusal(id);
  if (reserved) return reserved;
  if (user.role === 'admin') return undefined;
  if (serverWrittenPrefixes.some((prefix) => id.startsWith(prefix))) {
    return new HttpError(403, 'forbidden', 'manual-reading channels are written by the server from readings: write a reading document {type: "reading", site, asset, at, values} instead');
  }
  const before = stored?.doc;
  if (before && after && documentKind(before) !== documentKind(after)) {
    return new HttpError(403, 'forbidden', `only an admin may change what a document is (${documentKind(before)} → ${documentKind(after)})`);
  }
  const sides: Array<[string | null, DocumentKind]> = [];
  if (before) sides.push([stored!.site, documentKind(before)]);
  if (after) sides.push([siteOfDoc(id, after), documentKind(after)]);
  for (const [site, kind] of sides) {
    if (canWriteKind(user, site, kind)) continue;
    if (kind === 'transformation') return new HttpError(403, 'forbidden', 'transformations are written through POST /api/transformations');
    if (kind === 'type:alarm') return new HttpError(403, 'forbidden', 'alarms are written by the server: to acknowledge, comment, shelve or link a work order, write an alarm_action document {type: "alarm_action", alarm, action, by, at}');
    if (kind === 'type:alarm_rule') return new HttpError(403, 'forbidden', 'only engineers and admins write alarm rules');
    if (kind === 'type:maintenance_plan') return new HttpError(403, 'forbidden', 'only engineers and admins write maintenance plans');
    if (kind === 'type:explorer_view') return new HttpError(403, 'forbidden', 'only engineers and admins write saved explorer views');
    if (kind === 'type:user_kernel') return new HttpError(403, 'forbidden', 'only engineers and admins write user kernels');
    if (kind === 'type:prediction_model') return new HttpError(403, 'forbidden', 'only engineers and admins write prediction models');
    return new HttpError(403, 'forbidden', user.role === 'technician' ? 'technicians write only documents of their own sites' : 'your role may not write this document');
  }
  return undefined;
}
