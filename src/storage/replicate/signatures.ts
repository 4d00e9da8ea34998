/**
 * This module decides where a replication keeps its own bookkeeping: in the signature storage (one
 * per local/remote pair), never among the user's documents.
 *   s:<id>       the version both sides had at the last sync of <id>: {hash, attachments}, and for
 *                a mergeable document its JSON too (`doc`, the base of the next three-way merge)
 *   c:<id>       an unresolved conflict: the version that lost (and its attachments, copied)
 *   conflicts    the ids of unresolved conflicts (so listing them never scans the signatures)
 *   refusals     writes the remote refused (403/400), by id: kept locally, retried each sync
 *   checkpoint:<scope>  how far each side's changes feed has been applied: {local, remote}, kept
 *                apart for each set of options that decide which documents sync (the scope: a
 *                hash of the query and the check_* switches, as PouchDB keys its checkpoints by
 *                the filter), so widening the query walks both feeds from the start again and
 *                brings the documents the narrower one left out
 * A version is recorded only after both sides hold it, so a sync cut anywhere redoes at most the
 * page it was in, and redoing a document is a no-op when both sides already agree.
 */
import { StorageError } from '../errors';
import type { Doc, Storage } from '../storage';
import { writeDocs } from './side-state';

export interface Signature {
  hash: string | null;
  attachments: Record<string, string>;
  /** The JSON both sides had (mergeable documents only): the base of a three-way merge. */
  doc?: Doc;
}

export interface Checkpoint {
  local: number;
  remote: number;
}

export interface ConflictRecord {
  id: string;
  /** The version that lost; null when it was a deletion. */
  local: Doc | null;
  /** The version that won and both sides now hold; null when it was a deletion. */
  remote: Doc | null;
  /** Attachments of the losing version, copied into this record (name → digest). */
  local_attachments: Record<string, string>;
  /**
   * A merged document: the paths changed on both sides to different values (`notes`,
   * `results.<item>`, `attachments/<name>`); `local` is then the merge with this device's values
   * on exactly those, `remote` the merge in use. Absent: the whole document conflicted.
   */
  fields?: string[];
  /** When this device noticed it (this device's clock; shown only, never compared). */
  noticed_at: string;
}

export interface Refusal {
  id: string;
  status: number;
  code: string;
  message: string;
  noticed_at: string;
}

const SIGNATURE = 's:';
const CONFLICT = 'c:';
const CONFLICT_INDEX = 'conflicts';
const REFUSALS = 'refusals';
const CHECKPOINT = 'checkpoint:';

async function getOr<T>(storage: Storage, id: string): Promise<T | undefined> {
  try {
    return (await storage.get(id)) as unknown as T;
  } catch (error) {
    if (error instanceof StorageError && error.status === 404) return undefined;
    throw error;
  }
}

async function listPrefix<T>(storage: Storage, prefix: string): Promise<Array<{ id: string; value: T }>> {
  const result = await storage.allDocs({ include_docs: true });
  return result.rows.filter((row) => row.id.startsWith(prefix)).map((row) => ({ id: row.id.slice(prefix.length), value: row.doc as unknown as T }));
}

function signatureDoc(signature: Signature): Doc {
  const doc: Doc = { hash: signature.hash, attachments: signature.attachments };
  if (signature.doc) doc.doc = signature.doc;
  return doc;
}

export class Signatures {
  readonly storage: Storage;
  readonly #checkpointId: string;
  /** The storage held no signature when this pass began: lookups need not read it. */
  #emptyAtStart = false;
  /** Signatures recorded in this pass (authoritative while #emptyAtStart). */
  #recorded = new Map<string, Signature | null>();

  /** `scope` names the options the checkpoint holds for (see the module comment). */
  constructor(storage: Storage, scope: string) {
    this.storage = storage;
    this.#checkpointId = CHECKPOINT + scope;
  }

  async checkpoint(): Promise<Checkpoint> {
    return (await getOr<Checkpoint>(this.storage, this.#checkpointId)) ?? { local: 0, remote: 0 };
  }

  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.storage.put(this.#checkpointId, { local: checkpoint.local, remote: checkpoint.remote });
  }

  /** Notes whether any signature exists yet (a first sync then reads none of them). */
  async beginPass(): Promise<void> {
    this.#recorded = new Map();
    const some = await this.storage.allDocs({ limit: [1] });
    this.#emptyAtStart = some.rows.length === 0;
  }

  /** Signatures of several ids (missing ones are absent from the map). */
  async signatures(ids: readonly string[]): Promise<Map<string, Signature>> {
    if (this.#emptyAtStart) {
      const map = new Map<string, Signature>();
      for (const id of ids) {
        const signature = this.#recorded.get(id);
        if (signature) map.set(id, signature);
      }
      return map;
    }
    const found = await Promise.all(ids.map((id) => getOr<Signature>(this.storage, SIGNATURE + id)));
    const map = new Map<string, Signature>();
    ids.forEach((id, index) => {
      const signature = found[index];
      if (signature) map.set(id, signature);
    });
    return map;
  }

  /** Records versions both sides hold (null: neither has the document any more). */
  async record(versions: Map<string, Signature | null>): Promise<void> {
    for (const [id, signature] of versions) this.#recorded.set(id, signature);
    const writes = [...versions].map(([id, signature]) => (signature ? { id: SIGNATURE + id, doc: signatureDoc(signature) } : { id: SIGNATURE + id }));
    const results = await writeDocs(this.storage, writes);
    const failed = results.find((result) => !result.ok);
    if (failed && !failed.ok) throw new StorageError('storage_failure', `could not record the sync of ${JSON.stringify(failed.id.slice(SIGNATURE.length))}: ${failed.message}`);
  }

  /** Ids of every document synced at least once (for scans without a changes feed). */
  async signedIds(): Promise<string[]> {
    return (await listPrefix<Signature>(this.storage, SIGNATURE)).map((row) => row.id);
  }

  conflict(id: string): Promise<ConflictRecord | undefined> {
    return getOr<ConflictRecord>(this.storage, CONFLICT + id);
  }

  async #conflictIds(): Promise<string[]> {
    return (await getOr<{ ids: string[] }>(this.storage, CONFLICT_INDEX))?.ids ?? [];
  }

  async conflicts(): Promise<ConflictRecord[]> {
    const records = await Promise.all((await this.#conflictIds()).map((id) => this.conflict(id)));
    return records.filter((record): record is ConflictRecord => record !== undefined);
  }

  async conflictCount(): Promise<number> {
    return (await this.#conflictIds()).length;
  }

  /** Saves the record first, then lists it: a crash between leaves a record found by `conflict(id)`. */
  async saveConflict(record: ConflictRecord): Promise<void> {
    await this.storage.put(CONFLICT + record.id, record as unknown as Doc);
    const ids = await this.#conflictIds();
    if (!ids.includes(record.id)) await this.storage.put(CONFLICT_INDEX, { ids: [...ids, record.id] });
  }

  /** The conflict record's id in the signature storage (its attachments hold the losing ones). */
  conflictDocId(id: string): string {
    return CONFLICT + id;
  }

  async dropConflict(id: string): Promise<void> {
    const ids = await this.#conflictIds();
    if (ids.includes(id)) await this.storage.put(CONFLICT_INDEX, { ids: ids.filter((other) => other !== id) });
    await writeDocs(this.storage, [{ id: CONFLICT + id }]);
  }

  async refusals(): Promise<Refusal[]> {
    const items = (await getOr<{ items: Record<string, Refusal> }>(this.storage, REFUSALS))?.items ?? {};
    return Object.values(items);
  }

  /** Replaces the refusals of the given ids (undefined: the write went through now). */
  async updateRefusals(changes: Map<string, Refusal | undefined>): Promise<void> {
    if (changes.size === 0) return;
    const items = new Map(Object.entries((await getOr<{ items: Record<string, Refusal> }>(this.storage, REFUSALS))?.items ?? {}));
    let changed = false;
    for (const [id, refusal] of changes) {
      if (refusal) {
        items.set(id, refusal);
        changed = true;
      } else if (items.delete(id)) {
        changed = true;
      }
    }
    if (changed) await this.storage.put(REFUSALS, { items: Object.fromEntries(items) } as unknown as Doc);
  }
}
