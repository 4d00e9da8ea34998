/**
 * `http` storage: the companion server's documents API (`/api/docs`, `/api/changes`) as a
 * Storage, so gadgets and sync use the server exactly like a local storage. Options: `url` (the
 * server, e.g. "https://fieldline.example"), `token` (a session token from POST /api/session;
 * without it the browser's session cookie is used). HTTP errors become StorageErrors with the
 * server's status; no network is a 503 `unavailable`.
 *
 * Calls take effect in the order they are made, as with every storage: a read waits for the
 * writes made before it, a write for everything made before it; reads in between run in parallel.
 */
import { serializeQuery } from '../../core';
import { StorageError, type StorageErrorCode } from '../errors';
import { queryOf } from '../common/all-docs';
import { byteRange, readAs, toBlob } from '../common/attachment-data';
import { checkAllDocsOptions, checkDoc, checkId } from '../common/validate';
import { BULK_DOCS_LIMIT, checkDocWrites, failedWrite } from '../common/bulk-docs';
import { checkExpectDigest } from '../common/expect-digest';
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
  Doc,
  DocWrite,
  DocWriteResult,
  GetAttachmentOptions,
  Storage,
} from '../storage';

export interface HttpStorageOptions {
  url: string;
  token?: string;
}

const capacities = new Set<string>(['list', 'query', 'sort', 'limit', 'select', 'include', 'post', 'changes', 'range', 'bulk_docs', 'digest', 'attachment_expect']);
const codeByStatus: Record<number, StorageErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'bad_request',
  415: 'bad_request',
  501: 'not_supported',
  503: 'unavailable',
  // The server ran out of space, not the device: the device's own 507 is quota_exceeded.
  507: 'server_out_of_space',
};

/** An attachment write's conditions as the server takes them: `If-Match` with the document's hash, `X-Expect-Digest` with the attachment's. */
function ifMatch(options: AttachmentWriteOptions): Record<string, string> {
  const headers: Record<string, string> = options.expect === undefined ? {} : { 'if-match': `"${options.expect}"` };
  // The attachment's own condition (the server checks the digest; null: it must not exist).
  const digest = checkExpectDigest(options.expect_digest);
  if (digest !== undefined) headers['x-expect-digest'] = digest ?? 'none';
  return headers;
}

/** A document id as a URL path segment ("." and ".." cannot be: they get a leading "~"). */
export function idSegment(id: string): string {
  return encodeURIComponent(id === '.' || id === '..' || id.startsWith('~') ? `~${id}` : id);
}

export class HttpStorage implements Storage {
  readonly #base: string;
  readonly #token: string | undefined;
  #closed = false;
  /** Settles when the latest write has. */
  #lastWrite: Promise<unknown> = Promise.resolve();
  /** Reads started since the latest write. */
  #readsSinceWrite: Array<Promise<unknown>> = [];

  constructor(options: HttpStorageOptions) {
    if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) throw new StorageError('bad_request', 'an http storage needs a "url" starting with http:// or https://');
    this.#base = options.url.replace(/\/+$/, '');
    this.#token = options.token;
  }

  async #fetch(path: string, init: RequestInit = {}, accept404 = false): Promise<Response> {
    if (this.#closed) throw new StorageError('closed', 'this storage was closed');
    const headers = new Headers(init.headers);
    if (this.#token) headers.set('authorization', `Bearer ${this.#token}`);
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, { ...init, headers, credentials: 'include' });
    } catch (error) {
      throw new StorageError('unavailable', `the server at ${this.#base} cannot be reached`, { cause: error });
    }
    if (response.ok || (accept404 && response.status === 404)) return response;
    let detail = response.statusText;
    try {
      const body = (await response.json()) as { detail?: string };
      if (body.detail) detail = body.detail;
    } catch {
      // not JSON: keep the status text
    }
    throw new StorageError(codeByStatus[response.status] ?? 'storage_failure', `${response.status}: ${detail}`);
  }

  async #json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.#fetch(path, init)).json()) as T;
  }

  #read<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#lastWrite.then(operation);
    this.#readsSinceWrite.push(result.catch(() => undefined));
    return result;
  }

  #write<T>(operation: () => Promise<T>): Promise<T> {
    const result = Promise.all([this.#lastWrite, ...this.#readsSinceWrite]).then(operation);
    this.#lastWrite = result.catch(() => undefined);
    this.#readsSinceWrite = [];
    return result;
  }

  get(id: string): Promise<Doc> {
    const path = `/api/docs/${idSegment(checkId(id))}`;
    return this.#read(() => this.#json(path));
  }

  async put(id: string, doc: Doc): Promise<string> {
    const path = `/api/docs/${idSegment(checkId(id))}`;
    const body = JSON.stringify(checkDoc(doc));
    await this.#write(() => this.#json(path, { method: 'PUT', body, headers: { 'content-type': 'application/json' } }));
    return id;
  }

  async post(doc: Doc): Promise<string> {
    const body = JSON.stringify(checkDoc(doc));
    const result = await this.#write(() => this.#json<{ id: string }>('/api/docs', { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    return result.id;
  }

  async remove(id: string): Promise<string> {
    const path = `/api/docs/${idSegment(checkId(id))}`;
    await this.#write(() => this.#json(path, { method: 'DELETE' }));
    return id;
  }

  async allDocs(options: AllDocsOptions = {}): Promise<AllDocsResult> {
    const [skip, count] = checkAllDocsOptions(options);
    const query = queryOf(options);
    const params = new URLSearchParams();
    if (query) params.set('query', serializeQuery(query));
    if (options.sort_on?.length) params.set('sort_on', JSON.stringify(options.sort_on));
    if (options.limit) params.set('limit', `${skip},${count}`);
    if (options.select_list?.length) params.set('select_list', options.select_list.join(','));
    if (options.include_docs) params.set('include_docs', 'true');
    if (options.key_schema) params.set('key_schema', JSON.stringify(options.key_schema));
    const suffix = params.size ? `?${params}` : '';
    return this.#read(() => this.#json(`/api/docs${suffix}`));
  }

  async putAttachment(id: string, name: string, data: AttachmentData, contentType?: string, options: AttachmentWriteOptions = {}): Promise<void> {
    checkId(name, 'attachment name');
    const blob = toBlob(data, contentType);
    const path = `/api/docs/${idSegment(checkId(id))}/attachments/${encodeURIComponent(name)}`;
    const headers: Record<string, string> = { 'content-type': blob.type || 'application/octet-stream', ...ifMatch(options) };
    await this.#write(() => this.#fetch(path, { method: 'PUT', body: blob, headers }));
  }

  async getAttachment(id: string, name: string, options?: GetAttachmentOptions): Promise<never> {
    checkId(name, 'attachment name');
    const [start, end] = byteRange(options, Number.MAX_SAFE_INTEGER);
    const ranged = options?.start !== undefined || options?.end !== undefined;
    const headers: Record<string, string> = {};
    if (ranged && end > start) headers.range = `bytes=${start}-${end === Number.MAX_SAFE_INTEGER ? '' : end - 1}`;
    const path = `/api/docs/${idSegment(checkId(id))}/attachments/${encodeURIComponent(name)}`;
    const blob = await this.#read(async () => {
      const response = await this.#fetch(path, { headers });
      const type = response.headers.get('content-type') ?? '';
      return ranged && end <= start ? new Blob([], { type }) : new Blob([await response.arrayBuffer()], { type });
    });
    return (await readAs(blob, options?.format)) as never;
  }

  async removeAttachment(id: string, name: string, options: AttachmentWriteOptions = {}): Promise<void> {
    checkId(name, 'attachment name');
    const path = `/api/docs/${idSegment(checkId(id))}/attachments/${encodeURIComponent(name)}`;
    await this.#write(() => this.#fetch(path, { method: 'DELETE', headers: ifMatch(options) }));
  }

  allAttachments(id: string, options: AllAttachmentsOptions = {}): Promise<Record<string, AttachmentInfo>> {
    const path = `/api/docs/${idSegment(checkId(id))}/attachments${options.digest ? '?digest=1' : ''}`;
    return this.#read(() => this.#json(path));
  }

  /**
   * POST /api/bulk_docs, at most BULK_DOCS_LIMIT writes per request, one request after another.
   * Documents are checked here first: JSON would silently turn NaN into null. When a request fails
   * after earlier ones took effect, its writes and the later ones get its error as their result;
   * when the first fails, nothing took effect and the call rejects.
   */
  async bulkDocs(writes: DocWrite[]): Promise<DocWriteResult[]> {
    const checked = checkDocWrites(writes);
    return this.#write(async () => {
      for (let from = 0; from < checked.writes.length; from += BULK_DOCS_LIMIT) {
        const part = checked.writes.slice(from, from + BULK_DOCS_LIMIT);
        const body = JSON.stringify({ docs: part.map(({ id, doc, expect }) => ({ id, doc, expect })) });
        let answer: { results: DocWriteResult[] };
        try {
          answer = await this.#json('/api/bulk_docs', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
          if (answer.results?.length !== part.length) throw new StorageError('storage_failure', `the server answered ${answer.results?.length} results for ${part.length} writes`);
        } catch (error) {
          if (from === 0 || !(error instanceof StorageError)) throw error;
          for (const write of checked.writes.slice(from)) checked.results[write.index] = failedWrite(write.id, error);
          break;
        }
        part.forEach((write, index) => (checked.results[write.index] = answer.results[index]));
      }
      return checked.results as DocWriteResult[];
    });
  }

  hasCapacity(name: Capacity | string): boolean {
    return capacities.has(name);
  }

  changes(options: ChangesOptions = {}): Promise<ChangesResult> {
    const params = new URLSearchParams({ since: String(options.since ?? 0) });
    if (options.limit !== undefined) params.set('limit', String(options.limit));
    if (options.include_docs) params.set('include_docs', 'true');
    if (options.count_pending) params.set('count_pending', 'true');
    return this.#read(() => this.#json(`/api/changes?${params}`));
  }

  /** Nothing to mend on this side; the server repairs its own store. */
  async repair(): Promise<{ fixed: number }> {
    return { fixed: 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Deleting a server's data is an administrator's job, not a client storage's. */
  async destroy(): Promise<void> {
    this.#closed = true;
    throw new StorageError('not_supported', "an http storage does not delete the server's data");
  }
}
