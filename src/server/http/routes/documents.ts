/**
 * Documents, attachments and the changes feed over HTTP — the browser library's Storage contract
 * (its `http` storage type talks to these routes), with every access checked against the user's
 * role and sites. Ids are path segments (URL-encoded); an id that is "." or ".." or starts with
 * "~" is written with one extra leading "~" (URLs cannot carry dot segments).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BULK_DOCS_LIMIT, type AllDocsOptions, type AttachmentWriteOptions, type ChangesOptions, type Doc, type DocWrite } from '../../../storage/backend';
import type { Store } from '../../store/store';
import type { StoredDoc, WriteCheck } from '../../store/sql/sql-storage';
import { HttpError, type HttpErrorCode } from '../../errors';
import { docHash, documentSchema, type Query } from '../../../core';
import { queryOf } from '../../../storage/common/all-docs';
import { installRawBody, type MemoryBudget } from '../body-reader';
import { attachmentDestinationAllowed, setAttachmentHeaders } from '../attachment-headers';
import { checkRead, documentKind, requireUser, writeRefusal } from '../access';
import { modelReferences, modelRefusal } from '../model-checks';
import { alarmActionRefusal } from '../alarm-checks';
import { workOrderRefusal } from '../work-order-checks';
import { ownedDocRefusal } from '../owned-doc-checks';
import { isReadingDoc, readingRefusal, type ReadingHooks } from '../reading-checks';
import { DEFAULT_TIME_WINDOW, boundsAt } from '../../ingest/time-window';

type IdParams = { id: string };

/** Attachments served larger than this are streamed piece by piece (the store's pieces are 1 MiB). */
const STREAM_ABOVE_BYTES = 1024 * 1024;

/** Largest attachment accepted in one request (bigger files are uploaded in pieces). */
const ATTACHMENT_LIMIT = 256 * 1024 * 1024;
type AttachmentParams = { id: string; name: string };

/** Body limit of POST /api/bulk_docs: BULK_DOCS_LIMIT documents of up to 32 KiB each. */
const BULK_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * The envelope only: each write is checked on its own (id, a plain JSON object as documentSchema
 * asks, expect), so one bad write is its own 400 and the others still apply.
 */
const bulkDocsSchema = { type: 'object', required: ['docs'], properties: { docs: { type: 'array' } } } as const;

const missing = (id: string): HttpError => new HttpError(404, 'not_found', `no document ${JSON.stringify(id)}`);

/**
 * An attachment write's condition: `If-Match: "<docHash>"` names the version of the document's
 * JSON the write is for; when the document holds another, nothing is written (409). Sync sends
 * it, so a tablet's copy of a chunk never replaces the server's once the array has moved on.
 */
function ifMatch(request: FastifyRequest): AttachmentWriteOptions {
  const header = request.headers['if-match'];
  if (header === undefined) return {};
  const match = /^\s*"([0-9a-f]{1,128})"\s*$/.exec(header);
  if (!match) throw new HttpError(400, 'bad_request', 'If-Match must be one quoted document hash, as the changes feed and docHash give it');
  return { expect: match[1]! };
}

/**
 * An attachment write's condition on the attachment itself: `If-None-Match: *` (it must not
 * exist) or `X-Expect-Digest: <SHA-256 hex>` (it must have exactly these bytes; `none` = absent),
 * 409 and nothing written otherwise. Sync sends it, so two devices never overwrite one photo.
 */
function expectDigest(request: FastifyRequest): AttachmentWriteOptions {
  const none = request.headers['if-none-match'];
  const header = request.headers['x-expect-digest'];
  if (none !== undefined && none.trim() !== '*') throw new HttpError(400, 'bad_request', 'If-None-Match on an attachment must be * (the attachment must not exist)');
  if (header !== undefined && Array.isArray(header)) throw new HttpError(400, 'bad_request', 'X-Expect-Digest must be given once');
  const value = typeof header === 'string' ? header.trim() : undefined;
  if (value !== undefined && value !== 'none' && !/^[0-9a-f]{64}$/.test(value)) throw new HttpError(400, 'bad_request', 'X-Expect-Digest must be the SHA-256 digest of the attachment (64 lowercase hex digits) or none');
  if (none !== undefined && value !== undefined && value !== 'none') throw new HttpError(400, 'bad_request', 'If-None-Match: * and an X-Expect-Digest digest contradict each other');
  if (none !== undefined || value === 'none') return { expect_digest: null };
  return value === undefined ? {} : { expect_digest: value };
}

/** The document id of a path segment (see the module comment). */
export function idFromPath(segment: string): string {
  return segment.startsWith('~') ? segment.slice(1) : segment;
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'bad_request', `${name} must be JSON`);
  }
}

/** allDocs options from a query string: query, sort_on (JSON), limit ("skip,count"), select_list, include_docs. */
function allDocsOptions(raw: Record<string, string | undefined>): AllDocsOptions {
  const options: AllDocsOptions = {};
  if (raw.query) options.query = raw.query;
  if (raw.sort_on) options.sort_on = parseJson('sort_on', raw.sort_on) as AllDocsOptions['sort_on'];
  if (raw.limit) {
    const parts = raw.limit.split(',').map((part) => Number(part.trim()));
    options.limit = parts as [number, number];
  }
  if (raw.select_list) options.select_list = raw.select_list.split(',').map((key) => key.trim()).filter(Boolean);
  if (raw.include_docs !== undefined) options.include_docs = raw.include_docs === 'true' || raw.include_docs === '1';
  if (raw.key_schema) options.key_schema = parseJson('key_schema', raw.key_schema) as AllDocsOptions['key_schema'];
  return options;
}

/** Parses `Range: bytes=a-b` / `bytes=a-` / `bytes=-n` for a body of `length` bytes: [start, end). */
function byteRange(header: string | undefined, length: number): [number, number] | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) throw new HttpError(400, 'bad_request', 'Range must be "bytes=start-end"');
  if (match[1] === '') return [Math.max(0, length - Number(match[2])), length];
  const start = Number(match[1]);
  const end = match[2] === '' ? length : Math.min(length, Number(match[2]) + 1);
  if (start >= length || end <= start) return [length, length];
  return [start, end];
}

export async function documentRoutes(app: FastifyInstance, options: { store: Store; bodyBudget: MemoryBudget; readings?: ReadingHooks }): Promise<void> {
  const documents = options.store.documents;
  // Without the server's reading applier (an app built alone): the default time window, nothing appended on write.
  const readings: ReadingHooks = options.readings ?? { bounds: () => boundsAt(DEFAULT_TIME_WINDOW, Date.now()), stored: () => Promise.resolve() };

  /** The user, after checking they may read the document `id` (404 for an unknown id). */
  async function readable(request: FastifyRequest, id: string) {
    const user = requireUser(request);
    const site = await documents.siteOf(id);
    if (site === undefined) throw new HttpError(404, 'not_found', `no document ${JSON.stringify(id)}`);
    checkRead(user, site);
    return user;
  }

  /**
   * Checks that the user may write `doc` under `id` (undefined: an attachment write, the JSON stays
   * as it is), judged by what is stored there now, read whether or not the user may read it.
   * Resolves with the document judged (undefined: none is stored).
   */
  async function checkWrite(request: FastifyRequest, id: string, doc: Doc | undefined): Promise<Doc | undefined> {
    const user = requireUser(request);
    const stored = await documents.stored(id);
    const refusal = writeRefusal(user, id, doc ?? stored?.doc, stored);
    if (refusal) throw refusal;
    // An attachment write changes the document too: an alarm action takes none (it is immutable).
    if (stored?.doc && documentKind(stored.doc) === 'type:alarm_action') throw new HttpError(409, 'conflict', `alarm action ${JSON.stringify(id)} was already written and cannot be changed`);
    if (isReadingDoc(stored?.doc)) throw new HttpError(409, 'conflict', `reading ${JSON.stringify(id)} was already written and cannot be changed`);
    const workOrder = workOrderRefusal(user, id, stored?.doc, stored, { attachment: true });
    if (workOrder) throw workOrder;
    return stored?.doc;
  }

  /**
   * The condition of an attachment write: the version the caller names (If-Match), else the one
   * the access check judged, so the check holds when the write happens (the write is refused with
   * 409 if the document changed in between, e.g. moved to another site).
   */
  async function attachmentCondition(request: FastifyRequest, id: string): Promise<AttachmentWriteOptions> {
    const judged = await checkWrite(request, id, undefined);
    const named = ifMatch(request);
    const digest = expectDigest(request);
    if (named.expect !== undefined) return { ...named, ...digest };
    return judged === undefined ? digest : { expect: docHash(judged), ...digest };
  }

  /**
   * One put or delete, checked against what is stored inside the transaction that writes it (the
   * document cannot change between the check and the write). `refuseMissing`: a delete of a
   * document that does not exist is a 404 (after the site check, so 403 tells nothing).
   */
  async function writeOne(request: FastifyRequest, write: DocWrite, refuseMissing = false): Promise<void> {
    const user = requireUser(request);
    const [result] = await documents.bulkDocs(
      [write],
      (checked, stored, lookup) => {
        if (refuseMissing && stored === undefined) throw missing(checked.id);
        const refusal =
          writeRefusal(user, checked.id, checked.doc, stored) ??
          alarmActionRefusal(user, checked.id, checked.doc, stored, lookup) ??
          workOrderRefusal(user, checked.id, checked.doc, stored) ??
          readingRefusal(user, checked.id, checked.doc, stored, lookup, readings.bounds()) ??
          modelRefusal(checked.id, checked.doc, lookup) ??
          ownedDocRefusal(user, checked.id, checked.doc, stored);
        if (refusal) throw refusal;
        if (refuseMissing && !stored?.doc) throw missing(checked.id);
      },
      modelReferences,
    );
    if (result && !result.ok) throw new HttpError(result.status, result.code as HttpErrorCode, result.message);
    // Committed: the reading becomes samples before the answer (a pin sync that follows pulls them).
    if (write.doc && isReadingDoc(write.doc)) await readings.stored([{ id: write.id, doc: write.doc }]);
  }

  app.get('/api/docs', async (request) => {
    const user = requireUser(request);
    const options = allDocsOptions(request.query as Record<string, string | undefined>);
    // A technician sees only their sites' documents: the site filter is in the query's statement.
    return user.role === 'technician' ? documents.allDocsWithin(user.sites, options) : documents.allDocs(options);
  });

  // Typed views of the same documents: GET /api/sites, /api/assets, /api/channels (same options).
  for (const [path, type] of [['/api/sites', 'site'], ['/api/assets', 'asset'], ['/api/channels', 'channel']] as const) {
    app.get(path, async (request) => {
      const user = requireUser(request);
      const options = allDocsOptions(request.query as Record<string, string | undefined>);
      const ofType: Query = { type: 'simple', key: 'type', operator: '=', value: type };
      const asked = queryOf(options);
      const typed: AllDocsOptions = { include_docs: true, ...options, query: asked ? { type: 'complex', operator: 'AND', query_list: [ofType, asked] } : ofType };
      return user.role === 'technician' ? documents.allDocsWithin(user.sites, typed) : documents.allDocs(typed);
    });
  }

  app.post('/api/docs', { schema: { body: documentSchema } }, async (request, reply) => {
    const doc = request.body as Doc;
    const id = crypto.randomUUID();
    await writeOne(request, { id, doc, expect: null });
    return reply.status(201).send({ id });
  });

  app.get<{ Params: IdParams }>('/api/docs/:id', async (request) => {
    const id = idFromPath(request.params.id);
    await readable(request, id);
    return documents.get(id);
  });

  app.put<{ Params: IdParams }>('/api/docs/:id', { schema: { body: documentSchema } }, async (request) => {
    const id = idFromPath(request.params.id);
    await writeOne(request, { id, doc: request.body as Doc });
    return { id };
  });

  app.delete<{ Params: IdParams }>('/api/docs/:id', async (request) => {
    const id = idFromPath(request.params.id);
    await writeOne(request, { id }, true);
    return { id };
  });

  // Puts and deletes with a result per write (sync pushes through it), in one store transaction;
  // each write is checked against the user's role and sites like PUT and DELETE.
  app.post('/api/bulk_docs', { bodyLimit: BULK_BODY_LIMIT, schema: { body: bulkDocsSchema } }, async (request) => {
    const user = requireUser(request);
    const { docs } = request.body as { docs: DocWrite[] };
    if (docs.length > BULK_DOCS_LIMIT) throw new HttpError(413, 'payload_too_large', `at most ${BULK_DOCS_LIMIT} writes per request (got ${docs.length}); send the rest in further requests`);
    const check: WriteCheck = (write, stored: StoredDoc | undefined, lookup) => {
      // Deleting what does not exist changes nothing, as for every storage.
      if (!write.doc && stored === undefined) return;
      const refusal =
        writeRefusal(user, write.id, write.doc, stored) ??
        alarmActionRefusal(user, write.id, write.doc, stored, lookup) ??
        workOrderRefusal(user, write.id, write.doc, stored) ??
        readingRefusal(user, write.id, write.doc, stored, lookup, bounds) ??
        modelRefusal(write.id, write.doc, lookup) ??
        ownedDocRefusal(user, write.id, write.doc, stored);
      if (refusal) throw refusal;
    };
    const bounds = readings.bounds();
    const results = await documents.bulkDocs(docs, check, modelReferences);
    // Committed: the readings of the batch become samples before the answer (the sync's pin pull comes next).
    const stored = docs.filter((write, index) => results[index]?.ok === true && isReadingDoc(write.doc)).map((write) => ({ id: write.id, doc: write.doc! }));
    if (stored.length > 0) await readings.stored(stored);
    return { results };
  });

  app.get<{ Params: IdParams; Querystring: { digest?: string } }>('/api/docs/:id/attachments', async (request) => {
    const id = idFromPath(request.params.id);
    await readable(request, id);
    const digest = request.query.digest === '1' || request.query.digest === 'true';
    return documents.allAttachments(id, { digest });
  });

  app.get<{ Params: AttachmentParams }>('/api/docs/:id/attachments/:name', async (request, reply: FastifyReply) => {
    const id = idFromPath(request.params.id);
    await readable(request, id);
    const destination = request.headers['sec-fetch-dest'];
    if (!attachmentDestinationAllowed(typeof destination === 'string' ? destination : undefined)) {
      throw new HttpError(403, 'forbidden', `attachments are not loaded as a page's ${String(destination)}`);
    }
    const info = (await documents.allAttachments(id))[request.params.name];
    if (!info) throw new HttpError(404, 'not_found', `document ${JSON.stringify(id)} has no attachment ${JSON.stringify(request.params.name)}`);
    const range = byteRange(request.headers.range, info.length);
    const [start, end] = range ?? [0, info.length];
    // User content on the app's origin: never as the app (see attachment-headers.ts).
    setAttachmentHeaders(reply, request.params.name, info.content_type);
    reply.header('accept-ranges', 'bytes');
    if (range) reply.status(206).header('content-range', `bytes ${start}-${Math.max(start, end - 1)}/${info.length}`);
    if (end - start <= STREAM_ABOVE_BYTES) {
      const bytes = await documents.getAttachment(id, request.params.name, { format: 'array_buffer', start, end });
      return reply.send(Buffer.from(bytes));
    }
    // Large ones go out piece by piece as the client takes them (backpressure): memory stays at a
    // piece or two per download. Should the document change half way, the stream fails and the
    // response ends short of its Content-Length, which the client sees as a failed download.
    const pieces = documents.attachmentPieces(id, request.params.name, start, end);
    const first = await pieces.next(); // a missing attachment is still a clean 404 here
    reply.header('content-length', String(end - start));
    return reply.send(
      Readable.from(
        (async function* () {
          if (!first.done) yield first.value;
          yield* pieces;
        })(),
      ),
    );
  });

  // Attachment bodies are raw bytes of any type: this scope parses every body as a Buffer, once
  // the caller may write this document (before a byte is read) and it fits the memory budget.
  await app.register(async (raw) => {
    installRawBody(raw, {
      limit: ATTACHMENT_LIMIT,
      budget: options.bodyBudget,
      async authorise(request) {
        const id = idFromPath((request.params as AttachmentParams).id);
        await readable(request, id);
        await checkWrite(request, id, undefined);
      },
    });
    raw.put<{ Params: AttachmentParams }>('/api/docs/:id/attachments/:name', async (request, reply) => {
      const id = idFromPath(request.params.id);
      // Checked again: the body may have taken minutes, and the document or the user's sites changed.
      await readable(request, id);
      const condition = await attachmentCondition(request, id);
      const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      await documents.putAttachment(id, request.params.name, bytes, request.headers['content-type'] ?? 'application/octet-stream', condition);
      return reply.status(204).send();
    });
  });

  app.delete<{ Params: AttachmentParams }>('/api/docs/:id/attachments/:name', async (request, reply) => {
    const id = idFromPath(request.params.id);
    await readable(request, id);
    await documents.removeAttachment(id, request.params.name, await attachmentCondition(request, id));
    return reply.status(204).send();
  });

  app.get('/api/changes', async (request, reply) => {
    const user = requireUser(request);
    const raw = request.query as Record<string, string | undefined>;
    const since = raw.since === undefined ? 0 : Number(raw.since);
    const limit = raw.limit === undefined ? undefined : Number(raw.limit);
    const options: ChangesOptions = limit === undefined ? { since } : { since, limit };
    if (raw.include_docs === 'true' || raw.include_docs === '1') options.include_docs = true;
    if (raw.count_pending === 'true' || raw.count_pending === '1') options.count_pending = true;
    const json = await documents.changesJson(options, user.role === 'technician' ? user.sites : undefined);
    return reply.type('application/json; charset=utf-8').send(json);
  });
}
