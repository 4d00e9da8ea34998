/**
 * Resumable CSV uploads from the browser (see ingest/uploads.ts).
 *   POST /api/uploads {name, size, fingerprint, header, header_bytes, delimiter?, time_column?, site?, asset?}
 *        → 201 the upload (or 200 the unfinished upload of the same file, to resume)
 *   GET  /api/uploads            → the caller's uploads (an admin's: everybody's)
 *   GET  /api/uploads/:id        → the upload with `byte_offset` (acknowledged bytes) and `events`
 *   PUT  /api/uploads/:id/data?offset=N   a piece of whole lines starting at byte N (any content
 *        type; the bytes are the file's) → 200 the upload after it, with `piece` {status, events,
 *        late, resent, dropped_same_time}; 409 with `byte_offset` when N is not where the upload
 *        stands, or when an acknowledged piece is sent again with other bytes.
 * Who: admins anywhere; technicians into the sites assigned to them (a site is required). An
 * upload is its owner's: others get 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CsvError, detectDialect, uploadStartSchema } from '../../../core';
import { HttpError } from '../../errors';
import type { Store } from '../../store/store';
import type { IngestService } from '../../ingest/ingest-service';
import { Sources } from '../../ingest/sources';
import { Uploads, type Upload } from '../../ingest/uploads';
import { canWrite, requireUser } from '../access';
import { installRawBody, type MemoryBudget } from '../body-reader';

/** Largest piece: the client sends about 8 MiB at a time. */
const PIECE_LIMIT = 32 * 1024 * 1024;

interface UploadStart {
  name: string;
  size: number;
  fingerprint: string;
  header: string;
  header_bytes: number;
  delimiter?: string;
  time_column?: string;
  site?: string;
  asset?: string;
}

export async function uploadRoutes(app: FastifyInstance, options: { store: Store; service: IngestService; bodyBudget: MemoryBudget }): Promise<void> {
  const uploads = new Uploads(options.store.driver, new Sources(options.store.driver), options.store.ingestions, options.service);

  const view = async (upload: Upload) => ({ ...upload, events: await uploads.eventsStored(upload), links: { self: `/api/uploads/${encodeURIComponent(upload.id)}`, data: `/api/uploads/${encodeURIComponent(upload.id)}/data` } });

  async function owned(request: FastifyRequest<{ Params: { id: string } }>): Promise<Upload> {
    const user = requireUser(request);
    const upload = await uploads.get(request.params.id);
    if (!upload || (upload.owner !== user.username && user.role !== 'admin')) throw new HttpError(404, 'not_found', 'no such upload');
    return upload;
  }

  app.post('/api/uploads', { schema: { body: uploadStartSchema } }, async (request, reply) => {
    const user = requireUser(request);
    const body = request.body as UploadStart;
    if (!canWrite(user, body.site ?? null, 'channel')) {
      throw new HttpError(403, 'forbidden', user.role === 'technician' ? 'technicians upload into a site assigned to them: give its id as "site"' : 'only admins and technicians upload data');
    }
    let dialect;
    try {
      dialect = detectDialect(body.header, { ...(body.delimiter ? { delimiter: body.delimiter } : {}), ...(body.time_column ? { timeColumn: body.time_column } : {}) });
    } catch (error) {
      if (error instanceof CsvError) throw new HttpError(400, 'bad_request', `header: ${error.message}`);
      throw error;
    }
    const { upload, created } = await uploads.start(user.username, {
      name: body.name,
      size: body.size,
      fingerprint: body.fingerprint,
      dialect,
      headerBytes: body.header_bytes,
      ...(body.site ? { site: body.site } : {}),
      ...(body.asset ? { asset: body.asset } : {}),
    });
    return reply.status(created ? 201 : 200).send(await view(upload));
  });

  app.get('/api/uploads', async (request) => {
    const user = requireUser(request);
    const list = await uploads.list(user.role === 'admin' ? undefined : user.username);
    return { uploads: await Promise.all(list.map(view)) };
  });

  app.get<{ Params: { id: string } }>('/api/uploads/:id', async (request) => view(await owned(request)));

  // A piece is read only for the upload's owner (before a byte of it), within the memory budget.
  await app.register(async (raw) => {
    installRawBody(raw, {
      limit: PIECE_LIMIT,
      budget: options.bodyBudget,
      async authorise(request) {
        await owned(request as FastifyRequest<{ Params: { id: string } }>);
      },
    });
    raw.put<{ Params: { id: string }; Querystring: { offset?: string } }>('/api/uploads/:id/data', async (request, reply) => {
      const upload = await owned(request);
      const offset = Number(request.query.offset);
      if (request.query.offset === undefined || !Number.isSafeInteger(offset) || offset < 0) throw new HttpError(400, 'bad_request', '?offset= must be the byte offset of the piece in the file');
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      try {
        const stored = await uploads.putPiece(upload, offset, body);
        return { ...(await view(stored.upload)), piece: stored.piece };
      } catch (error) {
        if (error instanceof HttpError && error.status === 409) {
          const current = (await uploads.get(upload.id))!;
          return reply.status(409).send({ error: 'conflict', detail: error.message, byte_offset: current.byte_offset, state: current.state });
        }
        throw error;
      }
    });
  });
}
