/**
 * Data sources and HTTP ingestion.
 *   POST /api/sources {tag, asset?, site?, units?}  (admin) → the source with its token and shared key
 *   GET  /api/sources                               → {sources: [...]} with events_stored and late_pending
 *   GET  /api/sources/:id                           → the source with events_stored and late_pending
 *   PATCH /api/sources/:id {asset?, site?, fields?} (admin) rebinds it (its channels and arrays follow) and/or
 *        replaces its per-field channel metadata (its channel documents take it) → {source, moved, updated}
 *   POST /api/sources/:id/rebuild                   merges late events into the arrays → {merged, rewritten, from}
 *   POST /api/ingest?reference=<tag>                a batch from a source: msgpack [time, record]
 *        pairs (the Wendelin fluentd output plugin's format), JSON lines or CSV, by Content-Type;
 *        `Authorization: Bearer <source token>` or Basic (tag:token); `Idempotency-Key` optional
 *        (default: the body's hash). 204 once the batch is committed; a resent batch is
 *        acknowledged again and not stored twice; a key resent with another body is 409. Headers:
 *        x-fieldline-batch (stored | duplicate), -events (new), -late, -resent (events at times
 *        stored before: skipped), -dropped-same-time (values dropped: another value for the same
 *        field at the same time earlier in the batch). 400 for a time outside the accepted window.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { Sources, type Source } from '../../ingest/sources';
import type { IngestService } from '../../ingest/ingest-service';
import { decodeBatch } from '../../ingest/decode';
import { rebindSource, type SourceBinding } from '../../ingest/source-binding';
import { updateSourceFields } from '../../ingest/source-fields';
import { requireAdmin, requireUser } from '../access';
import { installRawBody, type MemoryBudget } from '../body-reader';

const BODY_LIMIT = 64 * 1024 * 1024;

const sourceSchema = {
  type: 'object',
  required: ['tag'],
  additionalProperties: false,
  properties: {
    tag: { type: 'string', minLength: 1, maxLength: 500 },
    asset: { type: 'string', minLength: 1 },
    site: { type: 'string', minLength: 1 },
    units: { type: 'object', additionalProperties: { type: 'string' } },
    // Per-field channel metadata {title?, unit?, rate?, normal?, anomaly?}: checked by Sources.create.
    fields: { type: 'object', additionalProperties: { type: 'object' } },
  },
} as const;

/** PATCH /api/sources/:id: the asset and site to bind the source to (null: none), the per-field channel metadata. */
const sourceBindingSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    asset: { type: ['string', 'null'], minLength: 1, maxLength: 1000 },
    site: { type: ['string', 'null'], minLength: 1, maxLength: 1000 },
    // Checked by updateSourceFields (the same rules as POST).
    fields: { type: 'object', additionalProperties: { type: 'object' } },
  },
} as const;

export async function ingestRoutes(app: FastifyInstance, options: { store: Store; service: IngestService; bodyBudget: MemoryBudget }): Promise<void> {
  const sources = new Sources(options.store.driver);
  const service = options.service;

  app.post('/api/sources', { schema: { body: sourceSchema } }, async (request, reply) => {
    requireAdmin(request);
    return reply.status(201).send(await sources.create(request.body as Parameters<Sources['create']>[0]));
  });

  app.get('/api/sources', async (request) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins read data sources');
    return { sources: await sources.list() };
  });

  app.get<{ Params: { id: string } }>('/api/sources/:id', async (request) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins read data sources');
    const source = await sources.get(request.params.id);
    if (!source) throw new HttpError(404, 'not_found', 'no such data source');
    const late = await options.store.ingestions.pendingLate(source.id);
    return { ...source, events_stored: await sources.eventsStored(source.id), late_pending: late.count, late_first: late.first };
  });

  // Rebinds a source to another asset or site (null unbinds); what its data made follows it.
  app.patch<{ Params: { id: string } }>('/api/sources/:id', { schema: { body: sourceBindingSchema } }, async (request) => {
    requireAdmin(request);
    const { fields, ...changes } = request.body as SourceBinding & { fields?: unknown };
    if (changes.asset === undefined && changes.site === undefined && fields === undefined) throw new HttpError(400, 'bad_request', 'nothing to change: give asset or site (null unbinds) or fields');
    // The fields first: they are checked before anything is written, and a rebind then moves documents that carry them.
    const updated = fields === undefined ? 0 : (await updateSourceFields(options.store, sources, request.params.id, fields)).updated;
    if (changes.asset === undefined && changes.site === undefined) {
      const source = await sources.get(request.params.id);
      if (!source) throw new HttpError(404, 'not_found', 'no such data source');
      return { source, moved: { channels: 0, arrays: 0 }, updated };
    }
    return { ...(await rebindSource(options.store, sources, request.params.id, changes)), updated };
  });

  // Merges the source's late events into its arrays (engineers and admins: it rewrites channel data).
  app.post<{ Params: { id: string } }>('/api/sources/:id/rebuild', async (request) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins rebuild channel arrays');
    const source = await sources.get(request.params.id);
    if (!source) throw new HttpError(404, 'not_found', 'no such data source');
    return service.rebuild(source);
  });

  /** The source a request authenticates as (401 otherwise). */
  async function authenticate(request: FastifyRequest): Promise<Source> {
    const header = request.headers.authorization ?? '';
    let token: string | undefined;
    let tag: string | undefined;
    if (header.startsWith('Bearer ')) token = header.slice(7).trim();
    else if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString();
      const colon = decoded.indexOf(':');
      tag = decoded.slice(0, colon);
      token = decoded.slice(colon + 1);
    }
    const source = token ? await sources.byToken(token) : undefined;
    const reference = (request.query as { reference?: string }).reference;
    if (!source || (tag !== undefined && tag !== source.tag) || (reference !== undefined && reference !== source.tag)) {
      throw new HttpError(401, 'unauthorized', 'a data source token is required (Authorization: Bearer <token> or Basic tag:token), and ?reference= must be its tag');
    }
    return source;
  }

  // The source is known before the body is read: a batch without a valid token is refused after
  // its headers, and a batch only fits in when the shared memory budget has room for it.
  const authenticated = new WeakMap<FastifyRequest, Source>();
  await app.register(async (raw) => {
    installRawBody(raw, {
      limit: BODY_LIMIT,
      budget: options.bodyBudget,
      async authorise(request) {
        authenticated.set(request, await authenticate(request));
      },
    });
    raw.post('/api/ingest', async (request, reply) => {
      const source = authenticated.get(request) ?? (await authenticate(request));
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const type = (request.headers['content-type'] ?? 'application/x-msgpack').split(';')[0]!.trim().toLowerCase();
      let format: string;
      if (type === 'application/x-msgpack' || type === 'application/msgpack' || type === 'application/octet-stream') format = 'msgpack';
      else if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/json') format = 'jsonl';
      else if (type === 'text/csv') format = 'csv';
      else throw new HttpError(415, 'unsupported_media_type', `Content-Type ${type} is not msgpack, JSON lines or CSV`);
      // Times outside the accepted window refuse the whole batch (400 naming the event or line).
      const events = decodeBatch(format, body, service.timeCheck());
      const headerKey = request.headers['idempotency-key'];
      const key = typeof headerKey === 'string' && headerKey !== '' ? `key:${headerKey}` : `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const result = await service.ingest(source, key, events, body, format);
      return reply
        .status(204)
        .header('x-fieldline-batch', result.status)
        .header('x-fieldline-events', String(result.events))
        .header('x-fieldline-late', String(result.late))
        .header('x-fieldline-resent', String(result.resent))
        .header('x-fieldline-dropped-same-time', String(result.droppedSameTime))
        .send();
    });
  });
}
