/**
 * `crypt` storage: encrypts everything it hands its sub-storage — document ids, documents,
 * attachment names, attachment contents and content types — so a lost tablet leaks nothing but
 * sizes and counts. Attachments are sealed in 64 KiB blocks (each bound to its document, name,
 * position and whether it is the last one), so byte ranges decrypt only the blocks they cover and
 * blocks cannot be reordered or truncated unnoticed. Queries need a `query` storage on top.
 * No 'digest' or 'bulk_docs': the sub-storage only sees sealed bytes, whose digests say nothing
 * about the clear ones, and the sub cannot check an `expect` against encrypted documents.
 */
import { StorageError, translateError } from '../errors';
import { byteRange, readAs, toBlob } from '../common/attachment-data';
import { MAX_ID_BYTES, checkAllDocsOptions, checkDoc, checkId } from '../common/validate';
import type {
  AllDocsOptions,
  AllDocsResult,
  AttachmentData,
  AttachmentInfo,
  Capacity,
  ChangesOptions,
  ChangesResult,
  Doc,
  GetAttachmentOptions,
  Storage,
} from '../storage';
import { DEFAULT_ITERATIONS, deriveKeys, fromBase64Url, open, openName, seal, sealName, toBase64Url, utf8, type CryptKeys } from './crypt-keys';

export interface CryptOptions {
  passphrase: string;
  /** PBKDF2 iterations used when this storage is first created (later read from the storage). */
  iterations?: number;
}

/** Where the salt and a passphrase check live, in clear, in the sub-storage. */
export const CRYPT_PARAMS_ID = 'fl-crypt-params';
const CHECK_TEXT = 'fieldline-crypt-check';
const BLOCK = 64 * 1024;
const SEAL_OVERHEAD = 28; // 12-byte IV + 16-byte GCM tag
const SEALED_BLOCK = BLOCK + SEAL_OVERHEAD;
const TYPE_FIELD = 256; // content type, padded, sealed ahead of the blocks
const HEADER = TYPE_FIELD + SEAL_OVERHEAD;
const BLOCKS_PER_READ = 64;

const capacities = new Set<string>(['list', 'include', 'post', 'range']);

function plainLength(sealedLength: number): number {
  const body = sealedLength - HEADER;
  return body - Math.ceil(body / SEALED_BLOCK) * SEAL_OVERHEAD;
}

/**
 * Most UTF-8 bytes of a clear id or attachment name: its sealed form (12-byte IV, the bytes, a
 * 16-byte tag, in base64url) must itself be an id the sub-storage takes (MAX_ID_BYTES).
 */
export const MAX_SEALABLE_ID_BYTES = Math.floor((MAX_ID_BYTES * 3) / 4) - 28;

/** checkId, and short enough to seal (see MAX_SEALABLE_ID_BYTES); 400 otherwise. */
function checkSealable(id: string, what: string): string {
  checkId(id, what);
  const bytes = utf8.encode(id).length;
  if (bytes > MAX_SEALABLE_ID_BYTES) throw new StorageError('bad_request', `${what} is longer than ${MAX_SEALABLE_ID_BYTES} bytes in UTF-8 (${bytes} bytes): a crypt storage seals ids, and sealed they must fit in ${MAX_ID_BYTES}`);
  return id;
}

export class CryptStorage implements Storage {
  readonly #sub: Storage;
  readonly #passphrase: string;
  readonly #iterations: number;
  #keys: Promise<CryptKeys> | undefined;
  /** Resolves when the previous call has issued its first sub-storage call (see #ordered). */
  #turn: Promise<void> = Promise.resolve();

  constructor(sub: Storage, options: CryptOptions) {
    if (typeof options.passphrase !== 'string' || options.passphrase.length === 0) {
      throw new StorageError('bad_request', 'a crypt storage needs a non-empty "passphrase"');
    }
    const iterations = options.iterations ?? DEFAULT_ITERATIONS;
    if (!Number.isInteger(iterations) || iterations < 1000) throw new StorageError('bad_request', 'iterations must be an integer of at least 1000');
    this.#sub = sub;
    this.#passphrase = options.passphrase;
    this.#iterations = iterations;
  }

  #ready(): Promise<CryptKeys> {
    this.#keys ??= this.#unlock().catch((error: unknown) => {
      this.#keys = undefined;
      throw error;
    });
    return this.#keys;
  }

  async #unlock(): Promise<CryptKeys> {
    let params: Doc;
    try {
      params = await this.#sub.get(CRYPT_PARAMS_ID);
    } catch (error) {
      if (!(error instanceof StorageError && error.status === 404)) throw error;
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const keys = await deriveKeys(this.#passphrase, salt, this.#iterations);
      const check = toBase64Url(await seal(keys, utf8.encode(CHECK_TEXT), 'check'));
      await this.#sub.put(CRYPT_PARAMS_ID, { salt: toBase64Url(salt), iterations: this.#iterations, check });
      return keys;
    }
    if (typeof params.salt !== 'string' || typeof params.iterations !== 'number' || typeof params.check !== 'string') {
      throw new StorageError('storage_failure', `the crypt parameters in ${CRYPT_PARAMS_ID} are damaged`);
    }
    const keys = await deriveKeys(this.#passphrase, fromBase64Url(params.salt), params.iterations);
    try {
      await open(keys, fromBase64Url(params.check), 'check');
    } catch (error) {
      throw new StorageError('wrong_passphrase', 'wrong passphrase: this storage was encrypted with another one', { cause: error });
    }
    return keys;
  }

  /**
   * Encryption is asynchronous and takes longer for some calls than others; this keeps the order
   * in which calls reach the sub-storage the order in which they were made (a `get` right after a
   * `put` sees it), while their encryption still runs in parallel.
   */
  async #ordered<P, T>(prepare: () => Promise<P>, call: (prepared: P) => Promise<T>): Promise<T> {
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise<void>((resolve) => (release = resolve));
    let prepared: P;
    try {
      prepared = await prepare();
    } catch (error) {
      await previous;
      release();
      throw error;
    }
    await previous;
    try {
      return call(prepared);
    } finally {
      release();
    }
  }

  async #subId(id: string): Promise<string> {
    return sealName(await this.#ready(), checkSealable(id, 'id'), 'id');
  }

  async #subName(id: string, name: string): Promise<string> {
    return sealName(await this.#ready(), checkSealable(name, 'attachment name'), `name\u0000${id}`);
  }

  /** The clear id of a sub-storage id, or undefined for what is not ours (the params document). */
  async #clearId(subId: string): Promise<string | undefined> {
    if (subId === CRYPT_PARAMS_ID) return undefined;
    try {
      return await openName(await this.#ready(), subId, 'id');
    } catch {
      return undefined;
    }
  }

  async get(id: string): Promise<Doc> {
    const [keys, stored] = await this.#ordered(
      async () => Promise.all([this.#ready(), this.#subId(id)]),
      async ([keys, subId]) => [keys, await this.#sub.get(subId)] as const,
    );
    if (typeof stored.data !== 'string') throw new StorageError('storage_failure', `document ${JSON.stringify(id)} is not encrypted data`);
    try {
      return JSON.parse(utf8.decode(await open(keys, fromBase64Url(stored.data), `doc\u0000${id}`))) as Doc;
    } catch (error) {
      throw new StorageError('storage_failure', `document ${JSON.stringify(id)} could not be decrypted (damaged or tampered with)`, { cause: error });
    }
  }

  async put(id: string, doc: Doc): Promise<string> {
    checkId(id);
    const copy = checkDoc(doc);
    await this.#ordered(
      async () => {
        const keys = await this.#ready();
        return { subId: await this.#subId(id), data: toBase64Url(await seal(keys, utf8.encode(JSON.stringify(copy)), `doc\u0000${id}`)) };
      },
      ({ subId, data }) => this.#sub.put(subId, { data }),
    );
    return id;
  }

  async post(doc: Doc): Promise<string> {
    return this.put(crypto.randomUUID(), doc);
  }

  async remove(id: string): Promise<string> {
    await this.#ordered(() => this.#subId(id), (subId) => this.#sub.remove(subId));
    return id;
  }

  async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    checkAllDocsOptions(options);
    if (options.query || options.sort_on?.length || options.select_list?.length || options.limit) {
      throw new StorageError('not_supported', 'a crypt storage only lists; put a query storage on top of it to query, sort, limit or select');
    }
    const listed = await this.#ordered(() => this.#ready(), () => this.#sub.allDocs());
    const rows: AllDocsResult['rows'] = [];
    for (const row of listed.rows) {
      const id = await this.#clearId(row.id);
      if (id === undefined) continue;
      if (!options.include_docs) {
        rows.push({ id, value: {} });
        continue;
      }
      try {
        rows.push({ id, value: {}, doc: await this.get(id) });
      } catch (error) {
        if (!(error instanceof StorageError && error.status === 404)) throw error;
      }
    }
    return { rows, total_rows: rows.length };
  }

  async putAttachment(id: string, name: string, data: AttachmentData, contentType?: string): Promise<void> {
    checkId(id);
    checkId(name, 'attachment name');
    const blob = toBlob(data, contentType);
    await this.#ordered(
      async () => ({ sealed: await this.#sealAttachment(id, name, blob), subId: await this.#subId(id), subName: await this.#subName(id, name) }),
      ({ sealed, subId, subName }) => this.#sub.putAttachment(subId, subName, sealed, 'application/octet-stream'),
    );
  }

  async #sealAttachment(id: string, name: string, blob: Blob): Promise<Blob> {
    const keys = await this.#ready();
    const type = utf8.encode(blob.type);
    if (type.length > TYPE_FIELD) throw new StorageError('bad_request', `content type is longer than ${TYPE_FIELD} bytes`);
    const typeField = new Uint8Array(TYPE_FIELD);
    typeField.set(type);
    const context = `att\u0000${id}\u0000${name}`;
    const parts: BlobPart[] = [(await seal(keys, typeField, `${context}\u0000type`)) as Uint8Array<ArrayBuffer>];
    const blocks = Math.max(1, Math.ceil(blob.size / BLOCK));
    try {
      for (let index = 0; index < blocks; index++) {
        const plain = new Uint8Array(await blob.slice(index * BLOCK, (index + 1) * BLOCK).arrayBuffer());
        parts.push((await seal(keys, plain, `${context}\u0000${index}\u0000${index === blocks - 1 ? 1 : 0}`)) as Uint8Array<ArrayBuffer>);
        // Fold parts into a Blob now and then so a huge attachment is not held as many arrays.
        if (parts.length >= 256) parts.splice(0, parts.length, new Blob(parts));
      }
    } catch (error) {
      throw translateError(error, `encrypting attachment ${name}`);
    }
    return new Blob(parts);
  }

  async #sealedLength(subId: string, subName: string, id: string, name: string): Promise<number> {
    const info = (await this.#sub.allAttachments(subId))[subName];
    if (!info) throw new StorageError('not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(name)}`);
    return info.length;
  }

  async #contentType(keys: CryptKeys, subId: string, subName: string, context: string): Promise<string> {
    const header = new Uint8Array(await this.#sub.getAttachment(subId, subName, { format: 'array_buffer', start: 0, end: HEADER }));
    const field = await open(keys, header, `${context}\u0000type`);
    const end = field.indexOf(0);
    return utf8.decode(end === -1 ? field : field.subarray(0, end));
  }

  async getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    const [keys, subId, subName, sealedLength] = await this.#ordered(
      async () => Promise.all([this.#ready(), this.#subId(id), this.#subName(id, name)]),
      async ([keys, subId, subName]) => [keys, subId, subName, await this.#sealedLength(subId, subName, id, name)] as const,
    );
    const length = plainLength(sealedLength);
    const [start, end] = byteRange(options, length);
    const context = `att\u0000${id}\u0000${name}`;
    try {
      const type = await this.#contentType(keys, subId, subName, context);
      const lastBlock = Math.max(1, Math.ceil((sealedLength - HEADER) / SEALED_BLOCK)) - 1;
      let blob = new Blob([], { type });
      if (end > start) {
        const first = Math.floor(start / BLOCK);
        const last = Math.floor((end - 1) / BLOCK);
        for (let batch = first; batch <= last; batch += BLOCKS_PER_READ) {
          const upTo = Math.min(last, batch + BLOCKS_PER_READ - 1);
          const sealed = new Uint8Array(
            await this.#sub.getAttachment(subId, subName, {
              format: 'array_buffer',
              start: HEADER + batch * SEALED_BLOCK,
              end: Math.min(sealedLength, HEADER + (upTo + 1) * SEALED_BLOCK),
            }),
          );
          const parts: BlobPart[] = [blob];
          for (let index = batch; index <= upTo; index++) {
            const offset = (index - batch) * SEALED_BLOCK;
            const plain = await open(keys, sealed.subarray(offset, offset + SEALED_BLOCK), `${context}\u0000${index}\u0000${index === lastBlock ? 1 : 0}`);
            const blockStart = index * BLOCK;
            parts.push(plain.subarray(Math.max(0, start - blockStart), Math.min(plain.length, end - blockStart)) as Uint8Array<ArrayBuffer>);
          }
          blob = new Blob(parts, { type });
        }
      }
      return (await readAs(blob, options?.format)) as never;
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw new StorageError('storage_failure', `attachment ${JSON.stringify(name)} of ${JSON.stringify(id)} could not be decrypted (damaged or tampered with)`, { cause: error });
    }
  }

  async removeAttachment(id: string, name: string): Promise<void> {
    await this.#ordered(
      async () => Promise.all([this.#subId(id), this.#subName(id, name)]),
      ([subId, subName]) => this.#sub.removeAttachment(subId, subName),
    );
  }

  async allAttachments(id: string): Promise<Record<string, AttachmentInfo>> {
    const [keys, subId, listed] = await this.#ordered(
      async () => Promise.all([this.#ready(), this.#subId(id)]),
      async ([keys, subId]) => [keys, subId, await this.#sub.allAttachments(subId)] as const,
    );
    const result: Record<string, AttachmentInfo> = {};
    for (const [subName, info] of Object.entries(listed)) {
      let name: string;
      try {
        name = await openName(keys, subName, `name\u0000${id}`);
      } catch {
        continue; // not written by this storage
      }
      const content_type = await this.#contentType(keys, subId, subName, `att\u0000${id}\u0000${name}`);
      result[name] = { length: plainLength(info.length), content_type };
    }
    return result;
  }

  hasCapacity(name: Capacity | string): boolean {
    return capacities.has(name) || (name === 'changes' && this.#sub.hasCapacity('changes'));
  }

  async changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    if (!this.#sub.hasCapacity('changes')) throw new StorageError('not_supported', 'the sub-storage has no changes feed');
    // The sub-storage's documents are sealed: with include_docs, each is read back and decrypted here.
    const { include_docs, ...subOptions } = options;
    const feed = await this.#ordered(() => this.#ready(), () => this.#sub.changes(subOptions));
    const results: ChangesResult['results'] = [];
    for (const change of feed.results) {
      const id = await this.#clearId(change.id);
      if (id === undefined) continue;
      if (!include_docs || change.deleted) {
        results.push(change.deleted ? { id, seq: change.seq, deleted: true } : { id, seq: change.seq });
        continue;
      }
      try {
        results.push({ id, seq: change.seq, doc: await this.get(id), attachments: await this.allAttachments(id) });
      } catch (error) {
        // Removed since the feed was read: as it is now, it is deleted.
        if (!(error instanceof StorageError && error.status === 404)) throw error;
        results.push({ id, seq: change.seq, deleted: true });
      }
    }
    // No `pending`: the sub-storage's count includes this storage's own records, hidden here.
    return { results, last_seq: feed.last_seq };
  }

  repair(): Promise<{ fixed: number }> {
    return this.#sub.repair();
  }

  close(): Promise<void> {
    return this.#sub.close();
  }

  destroy(): Promise<void> {
    return this.#sub.destroy();
  }
}
