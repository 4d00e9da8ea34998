/**
 * `memory` storage: documents and attachments held in this JavaScript realm only; gone when the
 * page or process ends. Fast unit tests and caches use it.
 */
import { docHash } from '../../core';
import { StorageError } from '../errors';
import { applyAllDocsOptions } from '../common/all-docs';
import { byteRange, readAs, toBlob } from '../common/attachment-data';
import { checkDoc, checkId } from '../common/validate';
import { checkDocWrites, decideDocWrites, withSeqs } from '../common/bulk-docs';
import { checkExpectDigest, digestConflict } from '../common/expect-digest';
import { blobDigest } from '../common/digest';
import type {
  AllAttachmentsOptions,
  AllDocsOptions,
  AllDocsResult,
  AttachmentData,
  AttachmentInfo,
  AttachmentWriteOptions,
  Capacity,
  ChangesOptions,
  ChangesResult,
  Change,
  Doc,
  DocWrite,
  DocWriteResult,
  GetAttachmentOptions,
  Storage,
} from '../storage';

/** An attachment as written; a rewrite is a new object, so a cached digest never outlives its bytes. */
interface Attachment {
  blob: Blob;
  digest?: string;
}

interface Entry {
  doc: Doc | undefined; // undefined: deleted (kept as a tombstone for the changes feed)
  seq: number;
  attachments: Map<string, Attachment>;
}

const capacities = new Set<string>(['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk_docs', 'digest', 'attachment_expect']);

/** Attachment infos, with digests (computed once per attachment) when asked for. */
async function infos(attachments: Map<string, Attachment>, digest: boolean | undefined): Promise<Record<string, AttachmentInfo>> {
  const result: Record<string, AttachmentInfo> = {};
  for (const [name, attachment] of attachments) {
    const { blob } = attachment;
    result[name] = { length: blob.size, content_type: blob.type };
    if (digest) result[name].digest = attachment.digest ??= await blobDigest(blob);
  }
  return result;
}

export class MemoryStorage implements Storage {
  #entries = new Map<string, Entry>();
  #seq = 0;
  #closed = false;

  #open(): void {
    if (this.#closed) throw new StorageError('closed', 'this storage was closed');
  }

  #live(id: string): Entry & { doc: Doc } {
    const entry = this.#entries.get(checkId(id));
    if (!entry?.doc) throw new StorageError('not_found', `no document ${JSON.stringify(id)}`);
    return entry as Entry & { doc: Doc };
  }

  /** Every change in sequence order (superseded ones are skipped when read, and compacted away). */
  #log: Array<{ seq: number; id: string }> = [];

  #touch(entry: Entry, id: string): void {
    entry.seq = ++this.#seq;
    this.#log.push({ seq: entry.seq, id });
    if (this.#log.length > 2 * this.#entries.size + 1024) {
      this.#log = [...this.#entries].map(([key, value]) => ({ seq: value.seq, id: key })).filter((item) => item.seq > 0);
      if (!this.#entries.has(id)) this.#log.push({ seq: entry.seq, id });
      this.#log.sort((a, b) => a.seq - b.seq);
    }
  }

  async get(id: string): Promise<Doc> {
    this.#open();
    return structuredClone(this.#live(id).doc);
  }

  async put(id: string, doc: Doc): Promise<string> {
    this.#open();
    checkId(id);
    const copy = checkDoc(doc);
    const entry = this.#entries.get(id) ?? { doc: undefined, seq: 0, attachments: new Map() };
    entry.doc = copy;
    this.#touch(entry, id);
    this.#entries.set(id, entry);
    return id;
  }

  async post(doc: Doc): Promise<string> {
    return this.put(crypto.randomUUID(), doc);
  }

  async remove(id: string): Promise<string> {
    this.#open();
    const entry: Entry = this.#live(id);
    entry.doc = undefined;
    entry.attachments = new Map();
    this.#touch(entry, id);
    return id;
  }

  async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    this.#open();
    const entries: Array<{ id: string; doc: Doc }> = [];
    for (const [id, entry] of this.#entries) if (entry.doc) entries.push({ id, doc: entry.doc });
    const result = applyAllDocsOptions(entries, options);
    for (const row of result.rows) if (row.doc) row.doc = structuredClone(row.doc);
    return result;
  }

  /** 409 unless the document holds the version `options.expect` names (checked with the write: nothing is awaited between). */
  #checkExpect(id: string, doc: Doc | undefined, options: AttachmentWriteOptions): void {
    if (options.expect !== undefined && (doc === undefined || docHash(doc as never) !== options.expect)) {
      throw new StorageError('conflict', `document ${JSON.stringify(id)} has changed since (its hash differs from expect)`);
    }
  }

  /**
   * Runs `write` on the entry of `id` once attachment `name` has the digest `options.expect_digest`
   * asks for (409 otherwise). Hashing awaits, so the attachment is looked at again after it; the
   * check and `write` then run without anything awaited between (no other call can get in).
   */
  async #conditional(id: string, name: string, options: AttachmentWriteOptions, write: (entry: Entry & { doc: Doc }) => void): Promise<void> {
    const expected = checkExpectDigest(options.expect_digest);
    for (;;) {
      const entry = this.#live(id);
      const current = entry.attachments.get(name);
      if (expected !== undefined && current && current.digest === undefined) {
        current.digest = await blobDigest(current.blob);
        continue; // looked at again: it may have been rewritten while it was hashed
      }
      const conflict = digestConflict(id, name, expected, current?.digest ?? null);
      if (conflict) throw conflict;
      this.#checkExpect(id, entry.doc, options);
      write(entry);
      return;
    }
  }

  async putAttachment(id: string, name: string, data: AttachmentData, contentType?: string, options: AttachmentWriteOptions = {}): Promise<void> {
    this.#open();
    checkId(name, 'attachment name');
    const blob = toBlob(data, contentType);
    await this.#conditional(id, name, options, (entry) => {
      entry.attachments.set(name, { blob });
      this.#touch(entry, id);
    });
  }

  async getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    this.#open();
    const blob = this.#live(id).attachments.get(checkId(name, 'attachment name'))?.blob;
    if (!blob) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
    const [start, end] = byteRange(options, blob.size);
    return (await readAs(blob.slice(start, end, blob.type), options?.format)) as never;
  }

  async removeAttachment(id: string, name: string, options: AttachmentWriteOptions = {}): Promise<void> {
    this.#open();
    await this.#conditional(id, checkId(name, 'attachment name'), options, (entry) => {
      if (!entry.attachments.delete(name)) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
      this.#touch(entry, id);
    });
  }

  async allAttachments(id: string, options: AllAttachmentsOptions = {}): Promise<Record<string, AttachmentInfo>> {
    this.#open();
    // A copy of the map: what is listed is what was there when called, whatever the hashing awaits.
    return infos(new Map(this.#live(id).attachments), options.digest);
  }

  async bulkDocs(writes: DocWrite[]): Promise<DocWriteResult[]> {
    this.#open();
    const checked = checkDocWrites(writes);
    const current = new Map(checked.writes.map(({ id }) => [id, this.#entries.get(id)?.doc]));
    const seqs = new Map<string, number>();
    for (const [id, { doc, cleared }] of decideDocWrites(checked, current)) {
      const entry = this.#entries.get(id) ?? { doc: undefined, seq: 0, attachments: new Map() };
      entry.doc = doc;
      if (cleared) entry.attachments = new Map();
      this.#touch(entry, id);
      this.#entries.set(id, entry);
      seqs.set(id, entry.seq);
    }
    return withSeqs(checked, seqs);
  }

  hasCapacity(name: Capacity | string): boolean {
    return capacities.has(name);
  }

  async changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    this.#open();
    const since = options.since ?? 0;
    const limit = options.limit ?? Infinity;
    // From the first logged change after `since` (binary search), the latest change of each id:
    // O(changes returned), whatever the number of documents.
    let low = 0;
    let high = this.#log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#log[middle]!.seq <= since) low = middle + 1;
      else high = middle;
    }
    const page: Array<[string, Entry]> = [];
    let index = low;
    for (; index < this.#log.length && page.length < limit; index++) {
      const { seq, id } = this.#log[index]!;
      const entry = this.#entries.get(id);
      if (entry && entry.seq === seq) page.push([id, entry]);
    }
    let pending: number | undefined;
    if (options.count_pending) {
      pending = 0;
      for (; index < this.#log.length; index++) if (this.#entries.get(this.#log[index]!.id)?.seq === this.#log[index]!.seq) pending++;
    }
    // Taken now, before any await: the documents and attachments as they are at this call.
    const snapshot = page.map(([id, entry]) => ({ id, seq: entry.seq, doc: entry.doc, attachments: options.include_docs ? new Map(entry.attachments) : entry.attachments }));
    const results: Change[] = [];
    for (const { id, seq, doc, attachments } of snapshot) {
      if (!doc) results.push({ id, seq, deleted: true });
      else if (options.include_docs) results.push({ id, seq, doc: structuredClone(doc), attachments: await infos(attachments, true) });
      else results.push({ id, seq });
    }
    return { results, last_seq: results.at(-1)?.seq ?? since, ...(pending === undefined ? {} : { pending }) };
  }

  async repair(): Promise<{ fixed: number }> {
    this.#open();
    return { fixed: 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async destroy(): Promise<void> {
    this.#entries.clear();
    this.#log = [];
    this.#closed = true;
  }
}
