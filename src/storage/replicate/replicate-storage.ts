/**
 * `replicate` storage (after jIO's): reads and writes go to `local_sub_storage`; `sync()` (also
 * `repair()`) brings it and `remote_sub_storage` to the same documents and attachments, both ways.
 *
 * Description: {type: 'replicate', local_sub_storage, remote_sub_storage, signature_sub_storage,
 *   query?, conflict_handling?: 'keep_both' | 'keep_local' | 'keep_remote' (default keep_both),
 *   check_local_creation?, check_local_modification?, check_local_deletion?, and the same three
 *   check_remote_* (default true: false leaves that kind of change unsynced), batch_size? (500),
 *   attachment_window?: {days, now?} (array chunks older than that stay on the remote)}; in code
 *   also `merge`: a document → its MergePolicy (src/core/merge), for the types merged three-way
 *   when both sides changed them (their base JSON is then kept with the signature).
 *
 * How a sync finds work: where both sides have a changes feed, only what changed since the
 * checkpoints (so an unchanged database costs nothing to sync); otherwise every id on both sides is
 * compared with the signatures (jIO's hash scan). Pages of `batch_size`; the checkpoint moves after
 * each page, and redoing a page is harmless, so a sync cut anywhere resumes without loss or
 * duplicates. Remote writes are conditional on the version last seen (409 → decided again).
 */
import { compileQuery, docHash, serializeQuery, toQuery, type DocPredicate } from '../../core';
import { StorageError } from '../errors';
import type {
  AllAttachmentsOptions,
  AllDocsOptions,
  AllDocsResult,
  AttachmentData,
  AttachmentInfo,
  AttachmentWriteOptions,
  BulkWrite,
  Capacity,
  Change,
  ChangesOptions,
  ChangesResult,
  Doc,
  DocWrite,
  DocWriteResult,
  GetAttachmentOptions,
  Storage,
} from '../storage';
import { planFor, type ChangeChecks, type ConflictHandling, type MergeChooser, type Plan } from './plan';
import { ABSENT, readState, stateOfChange, writeDocs, writesAreConditional, type SideState } from './side-state';
import { Signatures, type ConflictRecord, type Refusal, type Signature } from './signatures';
import { attachmentInWindow, type AttachmentWindow } from './attachment-window';

export interface ReplicateOptions extends Partial<ChangeChecks> {
  query?: string;
  conflict_handling?: ConflictHandling;
  batch_size?: number;
  attachment_window?: AttachmentWindow;
  /**
   * The merge policy of a document (e.g. core's `mergePolicyFor`): such documents changed on both
   * sides since the last sync are merged three-way instead of conflicting as a whole; only fields
   * changed on both to different values are a conflict (kept as under keep_both).
   */
  merge?: MergeChooser;
}

export interface SyncProgress {
  phase: 'pull' | 'push' | 'scan';
  /** Changes looked at so far in this sync. */
  done: number;
  /** Changes this sync will look at, when the feed says (else null). */
  total: number | null;
  /** Bytes of documents and attachments written to either side so far. */
  bytes: number;
}

export interface SyncReport {
  pulled: number;
  pushed: number;
  /** New conflicts kept for the user (keep_both). */
  conflicts: number;
  /** Documents changed on both sides and merged (with or without conflicting fields). */
  merged: number;
  /** Writes the remote refused; the data stays on this device. */
  refused: Refusal[];
  bytes: number;
  seconds: number;
}

const policies = new Set<ConflictHandling>(['keep_both', 'keep_local', 'keep_remote']);
/** Attachments copied at once within a sync (enough to keep a network link busy). */
const ATTACHMENT_CONCURRENCY = 4;

/** A document's size for progress: its JSON length, estimated without serialising it again. */
function approximateSize(doc: Doc | null | undefined): number {
  if (!doc) return 0;
  let size = 2;
  for (const key in doc) {
    const value = doc[key];
    size += key.length + 4 + (typeof value === 'string' ? value.length + 2 : typeof value === 'object' && value !== null ? 64 : 8);
  }
  return size;
}

function isNotFound(error: unknown): boolean {
  return error instanceof StorageError && error.status === 404;
}

/** Runs `task` over `items`, at most `concurrency` at a time. */
async function eachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
}

export class ReplicateStorage extends EventTarget implements Storage {
  readonly local: Storage;
  readonly remote: Storage;
  readonly #signatures: Signatures;
  readonly #policy: ConflictHandling;
  readonly #checks: ChangeChecks;
  readonly #batch: number;
  readonly #match: DocPredicate | undefined;
  readonly #window: AttachmentWindow | undefined;
  readonly #merge: MergeChooser | undefined;
  #running: Promise<SyncReport> | undefined;

  constructor(local: Storage, remote: Storage, signatures: Storage, options: ReplicateOptions = {}) {
    super();
    this.local = local;
    this.remote = remote;
    const policy = options.conflict_handling ?? 'keep_both';
    if (!policies.has(policy)) throw new StorageError('bad_request', `conflict_handling must be one of ${[...policies].join(', ')}, got ${JSON.stringify(policy)}`);
    this.#policy = policy;
    const check = (name: keyof ChangeChecks): boolean => {
      const value = options[name] ?? true;
      if (typeof value !== 'boolean') throw new StorageError('bad_request', `${name} must be true or false`);
      return value;
    };
    this.#checks = {
      check_local_creation: check('check_local_creation'),
      check_local_modification: check('check_local_modification'),
      check_local_deletion: check('check_local_deletion'),
      check_remote_creation: check('check_remote_creation'),
      check_remote_modification: check('check_remote_modification'),
      check_remote_deletion: check('check_remote_deletion'),
    };
    const batch = options.batch_size ?? 500;
    if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new StorageError('bad_request', 'batch_size must be an integer from 1 to 10000');
    this.#batch = batch;
    const query = options.query ? toQuery(options.query) : undefined;
    this.#match = query ? compileQuery(query) : undefined;
    this.#window = options.attachment_window;
    if (options.merge !== undefined && typeof options.merge !== 'function') throw new StorageError('bad_request', 'merge must be a function of a document');
    this.#merge = options.merge;
    // Checkpoints hold for the options that decide which documents sync: other options, other checkpoint.
    this.#signatures = new Signatures(signatures, docHash({ query: query ? serializeQuery(query) : null, ...this.#checks }));
  }

  // --- the Storage contract: everything is local -------------------------------------------

  get(id: string): Promise<Doc> {
    return this.local.get(id);
  }
  put(id: string, doc: Doc): Promise<string> {
    return this.#changed(this.local.put(id, doc));
  }
  post(doc: Doc): Promise<string> {
    return this.#changed(this.local.post(doc));
  }
  remove(id: string): Promise<string> {
    return this.#changed(this.local.remove(id));
  }
  allDocs(options?: AllDocsOptions): Promise<AllDocsResult> {
    return this.local.allDocs(options);
  }
  putAttachment(id: string, name: string, data: AttachmentData, contentType?: string): Promise<void> {
    return this.#changed(this.local.putAttachment(id, name, data, contentType));
  }
  getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    return this.local.getAttachment(id, name, options) as Promise<never>;
  }
  removeAttachment(id: string, name: string): Promise<void> {
    return this.#changed(this.local.removeAttachment(id, name));
  }
  allAttachments(id: string, options?: AllAttachmentsOptions): Promise<Record<string, AttachmentInfo>> {
    return this.local.allAttachments(id, options);
  }
  hasCapacity(name: Capacity | string): boolean {
    return this.local.hasCapacity(name);
  }
  bulkDocs(writes: DocWrite[]): Promise<DocWriteResult[]> {
    return this.#changed(writeDocs(this.local, writes));
  }
  changes(options?: ChangesOptions): Promise<ChangesResult> {
    return this.local.changes(options);
  }
  /** jIO's meaning for a replicate storage: synchronise. */
  async repair(): Promise<{ fixed: number }> {
    const report = await this.sync();
    return { fixed: report.pulled + report.pushed };
  }
  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.remote.close(), this.#signatures.storage.close()]);
  }
  /** Deletes this device's copy and its sync bookkeeping; the remote is left alone. */
  async destroy(): Promise<void> {
    await Promise.all([this.local.destroy(), this.#signatures.storage.destroy(), this.remote.close()]);
  }

  /** Fires `localchange` once a write made through this storage has landed (an outbox to sync). */
  async #changed<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.dispatchEvent(new Event('localchange'));
    return result;
  }

  /**
   * Whether a document never synced is outside `query` here and in `remote` (the remote version,
   * when known): told from the JSON alone, before any attachment digest is read (a channel array
   * outside this replication may have thousands).
   */
  async #outsideQuery(id: string, remote: Doc | null | undefined): Promise<boolean> {
    const match = this.#match;
    if (!match) return false;
    if (remote && match(remote)) return false;
    const here = await this.local.get(id).catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    });
    return !(here && match(here));
  }

  /** Changes made here that no sync has sent yet (O(pending), from the local feed). */
  async pendingCount(): Promise<number> {
    return (await this.pendingSummary()).changes;
  }

  /**
   * What waits to be sent, counted like pendingCount (and at its cost): the documents, and the
   * attachments among them that go up (a work order's photos), so a device can say "3 changes
   * waiting, 2 photos" before the user goes online.
   */
  async pendingSummary(): Promise<{ changes: number; attachments: Array<{ id: string; name: string }> }> {
    const attachments: Array<{ id: string; name: string }> = [];
    if (!this.local.hasCapacity('changes')) return { changes: 0, attachments };
    const checkpoint = await this.#signatures.checkpoint();
    const ids = new Set<string>();
    let since = checkpoint.local;
    for (;;) {
      const page = await this.local.changes({ since, limit: 1000 });
      if (page.results.length === 0) break;
      for (const change of page.results) ids.add(change.id);
      since = page.last_seq;
    }
    // Documents pulled by the last sync also sit in the local feed: count only real differences.
    const signatures = await this.#signatures.signatures([...ids]);
    const pending = new Set((await this.#signatures.refusals()).map((refusal) => refusal.id));
    await Promise.all(
      [...ids].map(async (id) => {
        const signature = signatures.get(id);
        if (!signature && (await this.#outsideQuery(id, undefined))) return;
        const state = await readState(this.local, id);
        const plan = this.#plan(id, state, signature ? { doc: undefined, hash: signature.hash, attachments: signature.attachments } : ABSENT, signature);
        if (plan && !plan.skipped && (plan.doc === 'push' || plan.attachments.size > 0)) {
          pending.add(id);
          for (const [name, direction] of plan.attachments) if (direction === 'push' && Object.prototype.hasOwnProperty.call(state.attachments, name)) attachments.push({ id, name });
        }
      }),
    );
    return { changes: pending.size, attachments };
  }

  // --- conflicts and refusals -----------------------------------------------------------------

  /** Unresolved conflicts: the version that lost, beside the one both sides now hold. */
  conflicts(): Promise<ConflictRecord[]> {
    return this.#signatures.conflicts();
  }

  conflictCount(): Promise<number> {
    return this.#signatures.conflictCount();
  }

  /** Writes the remote refused (kept on this device, tried again at each sync). */
  refusals(): Promise<Refusal[]> {
    return this.#signatures.refusals();
  }

  /**
   * Drops this device's refused change of `id` (the user gives it up rather than correcting it):
   * the document and its attachments go back to what the remote holds now — or away, when the
   * remote never had it or will not show it to this user — and the refusal is forgotten.
   * Rejects with not_found when no write of `id` was refused, and with the remote's error when it
   * cannot be reached (nothing changed here then).
   */
  async discardRefused(id: string): Promise<void> {
    if (!(await this.#signatures.refusals()).some((refusal) => refusal.id === id)) throw new StorageError('not_found', `no refused write of ${JSON.stringify(id)}`);
    let remote: SideState;
    try {
      remote = await readState(this.remote, id);
    } catch (error) {
      // A document of a site this user may not read is not theirs to restore: drop it here.
      if (!(error instanceof StorageError && error.status === 403)) throw error;
      remote = ABSENT;
    }
    if (remote.doc === null || remote.doc === undefined) {
      await writeDocs(this.local, [{ id }]);
    } else {
      await this.local.put(id, remote.doc);
      const here = await this.local.allAttachments(id, { digest: true });
      for (const [name, digest] of Object.entries(remote.attachments)) {
        if (here[name]?.digest === digest) continue;
        const blob = await this.remote.getAttachment(id, name, { format: 'blob' });
        await this.local.putAttachment(id, name, blob, blob.type);
      }
      for (const name of Object.keys(here)) if (!(name in remote.attachments)) await this.local.removeAttachment(id, name);
    }
    await this.#signatures.updateRefusals(new Map([[id, undefined]]));
    this.dispatchEvent(new Event('localchange'));
  }

  /**
   * Settles a conflict: 'remote' keeps what both sides hold now; 'local' brings the losing version
   * back on this device (the next sync sends it); a document keeps that (a merge). Attachments of
   * the losing version come back with 'local'.
   */
  async resolveConflict(id: string, choice: 'local' | 'remote' | Doc): Promise<void> {
    const record = await this.#signatures.conflict(id);
    if (!record) throw new StorageError('not_found', `no conflict on ${JSON.stringify(id)}`);
    if (choice === 'local') {
      if (record.local === null) {
        await writeDocs(this.local, [{ id }]);
      } else {
        await this.local.put(id, record.local);
        const now = await this.local.allAttachments(id, { digest: true });
        const copies = this.#signatures.conflictDocId(id);
        for (const [name, digest] of Object.entries(record.local_attachments)) {
          if (now[name]?.digest === digest) continue;
          const blob = await this.#signatures.storage.getAttachment(copies, name, { format: 'blob' });
          await this.local.putAttachment(id, name, blob, blob.type);
        }
        for (const name of Object.keys(now)) if (!(name in record.local_attachments)) await this.local.removeAttachment(id, name);
      }
    } else if (choice !== 'remote') {
      await this.local.put(id, choice);
    }
    await this.#signatures.dropConflict(id);
  }

  // --- sync -------------------------------------------------------------------------------------

  /** One sync pass (a call while one runs joins it). Throws when a side cannot be reached. */
  sync(): Promise<SyncReport> {
    this.#running ??= this.#sync().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  get syncing(): boolean {
    return this.#running !== undefined;
  }

  async #sync(): Promise<SyncReport> {
    const started = performance.now();
    const report: SyncReport = { pulled: 0, pushed: 0, conflicts: 0, merged: 0, refused: [], bytes: 0, seconds: 0 };
    const progress: SyncProgress = { phase: 'pull', done: 0, total: null, bytes: 0 };
    const refusals = new Map<string, Refusal | undefined>();
    const context: PassContext = { report, progress, refusals, written: new Map() };
    await this.#signatures.beginPass();
    try {
      if (this.local.hasCapacity('changes') && this.remote.hasCapacity('changes')) await this.#syncByFeeds(context);
      else await this.#syncByScan(context);
    } finally {
      await this.#signatures.updateRefusals(refusals);
    }
    report.refused = await this.#signatures.refusals();
    report.bytes = progress.bytes;
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  #emit(progress: SyncProgress): void {
    this.dispatchEvent(new CustomEvent<SyncProgress>('progress', { detail: { ...progress } }));
  }

  async #syncByFeeds(context: PassContext): Promise<void> {
    const checkpoint = await this.#signatures.checkpoint();
    // What changed here since the last sync (ids only). Anything else is, on this side, what its
    // signature says: the pull then reads nothing here for it (its local write is conditional on
    // exactly that version, so an edit made meanwhile is never overwritten).
    const changedHere = new Set<string>();
    for (let since = checkpoint.local; ; ) {
      const page = await this.local.changes({ since, limit: 1000 });
      if (page.results.length === 0) break;
      for (const change of page.results) changedHere.add(change.id);
      since = page.last_seq;
    }
    const unchangedHere = (id: string): boolean => !changedHere.has(id);
    // Pull: what changed on the remote, with the remote's documents from the feed.
    for (;;) {
      const first = context.progress.total === null;
      const page = await this.remote.changes({ since: checkpoint.remote, limit: this.#batch, include_docs: true, count_pending: first });
      if (page.results.length === 0) break;
      const remote = this.#statesOf(page.results);
      await this.#apply(page.results.map((change) => change.id), new Map(), remote, context, unchangedHere);
      checkpoint.remote = page.last_seq;
      await this.#signatures.saveCheckpoint(checkpoint);
      context.progress.done += page.results.length;
      context.progress.total = typeof page.pending === 'number' ? context.progress.done + page.pending : context.progress.total;
      this.#emit(context.progress);
    }
    // Push: what changed here, plus writes the remote refused before (tried again).
    context.progress.phase = 'push';
    context.progress.total = null;
    const retry = (await this.#signatures.refusals()).map((refusal) => refusal.id);
    if (retry.length) await this.#apply(retry, new Map(), undefined, context);
    for (;;) {
      // This pass's own pull writes come back through the local feed: those still at the sequence
      // the write got are skipped without reading them (so a pull is not paid for twice).
      const withDocs = context.written.size === 0;
      const first = context.progress.total === null;
      const page = await this.local.changes({ since: checkpoint.local, limit: this.#batch, include_docs: withDocs, count_pending: first });
      if (page.results.length === 0) break;
      const changes = page.results.filter((change) => context.written.get(change.id) !== change.seq);
      if (changes.length) await this.#apply(changes.map((change) => change.id), withDocs ? this.#statesOf(changes) : new Map(), undefined, context);
      checkpoint.local = page.last_seq;
      await this.#signatures.saveCheckpoint(checkpoint);
      context.progress.done += page.results.length;
      context.progress.total = typeof page.pending === 'number' ? context.progress.done + page.pending : context.progress.total;
      this.#emit(context.progress);
    }
  }

  /** Without a changes feed on one side: compare every id with its signature (O(documents)). */
  async #syncByScan(context: PassContext): Promise<void> {
    context.progress.phase = 'scan';
    const [localIds, remoteIds, signed] = await Promise.all([
      this.local.allDocs().then((result) => result.rows.map((row) => row.id)),
      this.remote.allDocs().then((result) => result.rows.map((row) => row.id)),
      this.#signatures.signedIds(),
    ]);
    const ids = [...new Set([...localIds, ...remoteIds, ...signed])];
    context.progress.total = ids.length;
    for (let start = 0; start < ids.length; start += this.#batch) {
      const batch = ids.slice(start, start + this.#batch);
      const remote = new Map<string, SideState>();
      await Promise.all(batch.map(async (id) => remote.set(id, await readState(this.remote, id))));
      await this.#apply(batch, new Map(), remote, context);
      context.progress.done += batch.length;
      this.#emit(context.progress);
    }
  }

  #statesOf(changes: Change[]): Map<string, SideState> {
    const states = new Map<string, SideState>();
    for (const change of changes) {
      const state = stateOfChange(change);
      if (state) states.set(change.id, state);
    }
    return states;
  }

  /** Drops attachments outside the window (they stay where they are, untouched by sync). */
  #windowed(id: string, state: SideState): SideState {
    const window = this.#window;
    const doc = state.doc;
    if (!window || !doc) return state;
    const attachments: Record<string, string> = {};
    for (const [name, digest] of Object.entries(state.attachments)) if (attachmentInWindow(doc, name, window)) attachments[name] = digest;
    return { ...state, attachments };
  }

  /**
   * Decides and carries out a page of ids. `knownLocal`/`knownRemote` hold states the feeds gave;
   * the rest are read, except that a remote document not in the remote feed is, after the pull,
   * known to be what the signature says (remote writes are conditional on exactly that).
   */
  async #apply(
    ids: string[],
    knownLocal: Map<string, SideState>,
    knownRemote: Map<string, SideState> | undefined,
    context: PassContext,
    unchangedHere: (id: string) => boolean = () => false,
  ): Promise<void> {
    const unique = [...new Set(ids)];
    const signatures = await this.#signatures.signatures(unique);
    const conditional = writesAreConditional(this.remote);
    const plans: Plan[] = [];
    await Promise.all(
      unique.map(async (id) => {
        const signature = signatures.get(id);
        let local = knownLocal.get(id);
        if (!local && unchangedHere(id)) local = signature ? { doc: undefined, hash: signature.hash, attachments: signature.attachments } : ABSENT;
        // A remote document not in the feed's page (no include_docs) may match: read it below.
        if (!signature && !local && knownRemote?.has(id) !== false && (await this.#outsideQuery(id, knownRemote?.get(id)?.doc))) return;
        local ??= await readState(this.local, id);
        let remote = knownRemote?.get(id);
        if (!remote) {
          if (knownRemote === undefined && signature) remote = { doc: undefined, hash: signature.hash, attachments: signature.attachments };
          else if (knownRemote === undefined && conditional) remote = ABSENT;
          else remote = await readState(this.remote, id);
        }
        const plan = this.#plan(id, local, remote, signature);
        if (plan) plans.push(plan);
      }),
    );
    const recorded = new Map<string, Signature | null>();
    await this.#carryOut(plans, signatures, recorded, context, 0);
    if (recorded.size) await this.#signatures.record(recorded);
  }

  #plan(id: string, local: SideState, remote: SideState, signature: Signature | undefined): Plan | undefined {
    const windowedLocal = this.#windowed(id, local);
    const windowedRemote = this.#windowed(id, remote);
    if (this.#match && !signature) {
      const matches = (doc: Doc | null | undefined): boolean => doc !== null && doc !== undefined && this.#match!(doc);
      if (!matches(windowedLocal.doc) && !matches(windowedRemote.doc)) return undefined;
    }
    return planFor(id, windowedLocal, windowedRemote, signature, this.#policy, this.#checks, this.#merge);
  }

  async #carryOut(plans: Plan[], signatures: Map<string, Signature>, recorded: Map<string, Signature | null>, context: PassContext, round: number): Promise<void> {
    const { report, progress, refusals } = context;
    const simpleLocal: Array<{ plan: Plan; write: DocWrite }> = [];
    const simpleRemote: Array<{ plan: Plan; write: DocWrite }> = [];
    const withAttachments: Plan[] = [];
    const merges: Plan[] = [];
    const settled = (plan: Plan): void => {
      const before = signatures.get(plan.id);
      const { hash, attachments } = plan.result;
      const doc = this.#baseDoc(plan, before);
      if (hash === null ? before === undefined : before !== undefined && before.hash === hash && sameDigests(before.attachments, attachments) && (doc === undefined || before.doc !== undefined)) return;
      recorded.set(plan.id, hash === null ? null : doc ? { hash, attachments, doc } : { hash, attachments });
    };
    for (const plan of plans) {
      if (plan.skipped) continue;
      if (plan.conflict) {
        await this.#keepLoser(plan);
        report.conflicts++;
      }
      if (plan.merged) merges.push(plan);
      else if (plan.attachments.size > 0) withAttachments.push(plan);
      else if (plan.doc === 'pull') simpleLocal.push({ plan, write: docWrite(plan.id, plan.remote.doc, plan.local.hash) });
      else if (plan.doc === 'push') simpleRemote.push({ plan, write: docWrite(plan.id, plan.local.doc, plan.remote.hash) });
      else settled(plan);
    }
    const again: string[] = [];
    const outcome = (plan: Plan, result: DocWriteResult, side: 'local' | 'remote'): void => {
      if (result.ok) {
        settled(plan);
        if (side === 'local') {
          report.pulled++;
          if (plan.attachments.size === 0 && result.seq !== undefined) context.written.set(plan.id, result.seq);
        }
        else {
          report.pushed++;
          refusals.set(plan.id, undefined);
        }
        progress.bytes += approximateSize(side === 'local' ? plan.remote.doc : plan.local.doc);
      } else if (result.status === 409) {
        // Remote: changed since we looked → decide again. Local: edited meanwhile → its change
        // comes through the local feed later.
        if (side === 'remote') again.push(plan.id);
      } else if (side === 'remote') {
        refusals.set(plan.id, { id: plan.id, status: result.status, code: result.code, message: result.message, noticed_at: new Date().toISOString() });
      } else {
        throw new StorageError('storage_failure', `could not store ${JSON.stringify(plan.id)} on this device: ${result.message}`);
      }
    };
    const localResults = await writeDocs(this.local, simpleLocal.map((item) => item.write));
    localResults.forEach((result, index) => outcome(simpleLocal[index]!.plan, result, 'local'));
    const remoteResults = await writeDocs(this.remote, simpleRemote.map((item) => item.write));
    remoteResults.forEach((result, index) => outcome(simpleRemote[index]!.plan, result, 'remote'));
    for (const plan of withAttachments) {
      const result = await this.#carryOutWithAttachments(plan, context);
      if (result) outcome(plan, result, result.side ?? (plan.doc === 'push' ? 'remote' : 'local'));
      else settled(plan);
    }
    for (const plan of merges) {
      const done = await this.#carryOutMerge(plan, context);
      if (done === 'again') again.push(plan.id);
      else if (done === 'done') {
        report.merged++;
        settled(plan);
      }
    }
    if (again.length === 0) return;
    if (round >= 3) throw new StorageError('conflict', `the remote keeps changing ${again.length} document(s) during the sync; try again`);
    const replans: Plan[] = [];
    for (const id of again) {
      const plan = this.#plan(id, await readState(this.local, id), await readState(this.remote, id), signatures.get(id));
      if (plan) replans.push(plan);
    }
    await this.#carryOut(replans, signatures, recorded, context, round + 1);
  }

  /**
   * Attachments, then the document (an array's metadata last); a new document goes first. A
   * document write that replaces a version is conditional on it, and so are its attachments: the
   * side may have moved on (the server appended to the array), and its chunks must then stay as
   * they are. Where the target has `bulk`, attachments and document go in one conditional write
   * (checked and written in one transaction); else the version is checked before the first
   * attachment is written (leaving only the time until the document's own conditional write).
   */
  async #carryOutWithAttachments(plan: Plan, context: PassContext): Promise<AttachmentsOutcome | undefined> {
    const target = plan.doc === 'push' ? this.remote : this.local;
    const write = plan.doc === 'none' ? undefined : plan.doc === 'pull' ? docWrite(plan.id, plan.remote.doc, plan.local.hash) : docWrite(plan.id, plan.local.doc, plan.remote.hash);
    const creating = plan.doc !== 'none' && (plan.doc === 'pull' ? plan.local.hash === null : plan.remote.hash === null);
    if (write && creating) {
      const [result] = await writeDocs(target, [write]);
      if (!result!.ok) return result;
    }
    // Where the target takes a condition on each attachment write, every one of them is checked
    // against the version being replaced in the same transaction as the write itself.
    let condition: AttachmentWriteOptions = {};
    if (write?.doc && !creating) {
      if (target.bulk && target.hasCapacity('bulk')) return this.#writeTogether(plan, target, write, context);
      const moved = await movedOn(target, write);
      if (moved) return moved;
      if (typeof write.expect === 'string' && target.hasCapacity('attachment_expect')) condition = { expect: write.expect };
    }
    // Each attachment write is also conditional on the attachment as this sync saw it on the side
    // written (null: absent there), where that side checks it: a photo another device wrote under
    // the same name since is never overwritten (409: decided again, and kept as a conflict).
    let refusedSide: 'local' | 'remote' | undefined;
    try {
      await eachLimited([...plan.attachments], ATTACHMENT_CONCURRENCY, async ([name, direction]) => {
        const [from, to] = direction === 'pull' ? [this.remote, this.local] : [this.local, this.remote];
        const seen = (direction === 'pull' ? plan.local.attachments[name] : plan.remote.attachments[name]) ?? null;
        const options: AttachmentWriteOptions = { ...(to === target ? condition : {}), ...(to.hasCapacity('attachment_expect') ? { expect_digest: seen } : {}) };
        const digest = direction === 'pull' ? plan.remote.attachments[name] : plan.local.attachments[name];
        const side = to === this.remote ? 'remote' : 'local';
        try {
          if (digest === undefined) {
            try {
              await to.removeAttachment(plan.id, name, options);
            } catch (error) {
              if (!isNotFound(error)) throw error;
            }
            return;
          }
          const blob = await from.getAttachment(plan.id, name, { format: 'blob' });
          await to.putAttachment(plan.id, name, blob, blob.type, options);
          context.progress.bytes += blob.size;
        } catch (error) {
          if (error instanceof StorageError && error.status === 409 && (options.expect !== undefined || options.expect_digest !== undefined)) refusedSide ??= side;
          throw error;
        }
      });
    } catch (error) {
      // The side moved on while its attachments were being written: decided again, like a 409 of the document.
      if (error instanceof StorageError && error.status === 409 && refusedSide) return { id: plan.id, ok: false, status: 409, code: 'conflict', message: error.message, side: refusedSide };
      throw error;
    }
    if (write && !creating) {
      const [result] = await writeDocs(target, [write]);
      return result;
    }
    return write ? { id: plan.id, ok: true } : undefined;
  }

  /** A document's changed attachments and the document in one conditional `bulk` write of `target`. */
  async #writeTogether(plan: Plan, target: Storage, write: DocWrite, context: PassContext): Promise<DocWriteResult> {
    const writes: BulkWrite[] = [];
    let bytes = 0;
    for (const [name, direction] of plan.attachments) {
      const from = direction === 'pull' ? this.remote : this.local;
      const digest = direction === 'pull' ? plan.remote.attachments[name] : plan.local.attachments[name];
      // As seen on the target (null: absent), checked in the same transaction (see above).
      const seen = (direction === 'pull' ? plan.local.attachments[name] : plan.remote.attachments[name]) ?? null;
      const expect = target.hasCapacity('attachment_expect') ? { expect_digest: seen } : {};
      if (digest === undefined) {
        writes.push({ type: 'removeAttachment', id: plan.id, name, ...expect });
        continue;
      }
      const blob = await from.getAttachment(plan.id, name, { format: 'blob' });
      writes.push({ type: 'putAttachment', id: plan.id, name, data: blob, contentType: blob.type, ...expect });
      bytes += blob.size;
    }
    writes.push({ type: 'put', id: plan.id, doc: write.doc!, expect: write.expect ?? null });
    try {
      await target.bulk!(writes);
    } catch (error) {
      if (error instanceof StorageError && ITEM_STATUSES.has(error.status)) return { id: plan.id, ok: false, status: error.status, code: error.code, message: error.message };
      throw error;
    }
    context.progress.bytes += bytes;
    return { id: plan.id, ok: true };
  }

  /** The JSON to keep with the signature as the next merge's base (mergeable documents only). */
  #baseDoc(plan: Plan, before: Signature | undefined): Doc | undefined {
    if (!this.#merge || plan.result.hash === null) return undefined;
    const doc = plan.result.doc ?? (before?.hash === plan.result.hash ? before.doc : undefined);
    return doc && this.#merge(doc) ? doc : undefined;
  }

  /**
   * A merged document: the remote gets the merge (and this device's new attachments), conditional
   * on the version the merge was made from, then this device (conditional too). 'again': the
   * remote moved on, decide again; 'refused': the remote refused it (kept here, reported);
   * 'local_moved': edited here meanwhile, the next pass merges again from the same base (the
   * signature is not moved on, so nothing of either side is lost).
   */
  async #carryOutMerge(plan: Plan, context: PassContext): Promise<'done' | 'again' | 'refused' | 'local_moved'> {
    const merged = plan.merged!;
    const pushes = new Map([...plan.attachments].filter(([, direction]) => direction === 'push'));
    const pulls = new Map([...plan.attachments].filter(([, direction]) => direction === 'pull'));
    if (merged.write_remote || pushes.size > 0) {
      const toRemote: Plan = { ...plan, doc: merged.write_remote ? 'push' : 'none', local: { ...plan.local, doc: merged.doc }, attachments: pushes, merged: undefined };
      const result = pushes.size > 0 ? await this.#carryOutWithAttachments(toRemote, context) : (await writeDocs(this.remote, [docWrite(plan.id, merged.doc, plan.remote.hash)]))[0];
      if (result && !result.ok) {
        if (result.status === 409) return 'again';
        context.refusals.set(plan.id, { id: plan.id, status: result.status, code: result.code, message: result.message, noticed_at: new Date().toISOString() });
        return 'refused';
      }
      context.report.pushed++;
      context.refusals.set(plan.id, undefined);
      context.progress.bytes += approximateSize(merged.doc);
    }
    if (merged.write_local || pulls.size > 0) {
      const toLocal: Plan = { ...plan, doc: merged.write_local ? 'pull' : 'none', remote: { ...plan.remote, doc: merged.doc }, attachments: pulls, merged: undefined };
      const result = pulls.size > 0 ? await this.#carryOutWithAttachments(toLocal, context) : (await writeDocs(this.local, [docWrite(plan.id, merged.doc, plan.local.hash)]))[0];
      if (result && !result.ok) {
        if (result.status === 409) return 'local_moved';
        throw new StorageError('storage_failure', `could not store ${JSON.stringify(plan.id)} on this device: ${result.message}`);
      }
      context.report.pulled++;
      if (pulls.size === 0 && result?.ok && result.seq !== undefined) context.written.set(plan.id, result.seq);
      context.progress.bytes += approximateSize(merged.doc);
    }
    return 'done';
  }

  /** keep_both: the local version that loses is saved, attachments included, before it is replaced. */
  async #keepLoser(plan: Plan): Promise<void> {
    const local = plan.local;
    const merged = plan.merged;
    const record: ConflictRecord = {
      id: plan.id,
      local: merged ? merged.alternative : (local.doc ?? null),
      remote: merged ? merged.doc : (plan.remote.doc ?? null),
      local_attachments: merged ? alternativeAttachments(plan) : local.attachments,
      noticed_at: new Date().toISOString(),
    };
    if (merged) record.fields = merged.conflicts;
    await this.#signatures.saveConflict(record);
    const copies = this.#signatures.conflictDocId(plan.id);
    for (const [name, digest] of Object.entries(local.attachments)) {
      if (plan.result.attachments[name] === digest) continue;
      const blob = await this.local.getAttachment(plan.id, name, { format: 'blob' });
      await this.#signatures.storage.putAttachment(copies, name, blob, blob.type);
    }
  }
}

/** A document's attachment writes: a refusal says which side refused (its 409 is decided again there). */
type AttachmentsOutcome = DocWriteResult & { side?: 'local' | 'remote' };

interface PassContext {
  report: SyncReport;
  progress: SyncProgress;
  refusals: Map<string, Refusal | undefined>;
  /** Documents this pass wrote here → the change sequence each got, to skip them in the push. */
  written: Map<string, number>;
}

/**
 * The attachments of a merge's alternative: the merge's, with this device's bytes where both sides
 * wrote one name (choosing it later must not drop the other side's new photos).
 */
function alternativeAttachments(plan: Plan): Record<string, string> {
  const attachments = { ...plan.result.attachments };
  for (const path of plan.merged?.conflicts ?? []) {
    if (!path.startsWith('attachments/')) continue;
    const name = path.slice('attachments/'.length);
    const digest = plan.local.attachments[name];
    if (digest !== undefined) attachments[name] = digest;
  }
  return attachments;
}

function sameDigests(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
}

/** Refusals of one document's write (as bulkDocs reports them); anything else stops the sync. */
const ITEM_STATUSES = new Set([400, 403, 404, 409, 413]);

/** The 409 of `write` when `storage` no longer holds the version it expects (undefined: it does). */
async function movedOn(storage: Storage, write: DocWrite): Promise<DocWriteResult | undefined> {
  let hash: string | null = null;
  try {
    hash = docHash(await storage.get(write.id));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return hash === write.expect ? undefined : { id: write.id, ok: false, status: 409, code: 'conflict', message: 'the document changed since it was read' };
}

function docWrite(id: string, doc: Doc | null | undefined, expect: string | null): DocWrite {
  return doc ? { id, doc, expect } : { id, expect };
}

