/**
 * Channel arrays over HTTP, stored with the browser's array format (ChannelArray on the server's
 * document store), and transformations run in the server process.
 *
 *   POST /api/arrays                    {id, timing: "regular"|"explicit", unit?, site}
 *   GET  /api/arrays/:id                metadata (length, timing, unit, site, …)
 *   POST /api/arrays/:id/values         Float32 little-endian body + ?t0=&dt= (regular), or JSON {times, values}
 *   GET  /api/arrays/:id/values         ?start=&end= (sample numbers) or ?from=&to= (epoch ms);
 *                                       ?format=binary (default, Float32 LE) | npy | csv
 *   GET  /api/arrays/:id/summaries      ?from=&to=&width= → one {min, max, sum, count, first, last} per column
 *   POST /api/transformations           {id: "transformation/…", inputs, kernel, params?, output?}
 *                                       or {id, inputs, user_kernel: "user_kernel/<slug>", output?}
 *   POST /api/transformations/:id/run   processes what is new; GET /api/transformations/:id → status
 *
 * User kernels run in the server's sandbox threads (jobs/sandbox-threads.ts), never on the event
 * loop; a kernel over a limit answers 422 {error: <SandboxError code>, detail} naming the limit.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ChannelArray } from '../../../arrays';
import { CpuEngine, TransformationRunner, defineTransformation, type SandboxClient, type TransformationDefinition } from '../../../compute/isomorphic';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { canWriteKind, checkRead, requireUser, serverOnlyIdRefusal, writeRefusal } from '../access';
import { idFromPath } from './documents';
import { arrayCreateSchema, toNpy, transformationSchema } from '../../../core';
import type { LivePublisher } from '../../live/publisher';
import { SandboxThreads } from '../../jobs/sandbox-threads';

type IdParams = { id: string };
/** Where transformations live among the documents. */
const TRANSFORMATION_PREFIX = 'transformation/';
const SAMPLES_LIMIT = 64 * 1024 * 1024;

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new HttpError(400, 'bad_request', `${name} must be a non-negative integer`);
  return number;
}

function finite(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new HttpError(400, 'bad_request', `${name} must be a number`);
  return number;
}

/** The largest finite float32: a JSON value beyond it would be stored as an infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** JSON sample values as Float32: numbers within float32's range, or null for a missing value (NaN). */
function float32Values(list: readonly unknown[]): Float32Array {
  const values = new Float32Array(list.length);
  for (let index = 0; index < list.length; index++) {
    const value = list[index];
    if (value === null) values[index] = Number.NaN;
    else if (typeof value !== 'number') throw new HttpError(400, 'bad_request', `values[${index}] must be a number or null`);
    // Also refuses 1e400, which JSON.parse reads as Infinity.
    else if (!(Math.abs(value) <= FLOAT32_MAX)) throw new HttpError(400, 'bad_request', `values[${index}] is ${value}: beyond the float32 range (±${FLOAT32_MAX}); send null for a missing value`);
    else values[index] = value;
  }
  return values;
}

/** JSON sample times: numbers (epoch ms; a string "5" is a mistake, not a time). */
function sampleTimes(list: readonly unknown[]): Float64Array {
  const times = new Float64Array(list.length);
  for (let index = 0; index < list.length; index++) {
    const time = list[index];
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new HttpError(400, 'bad_request', `times[${index}] must be a finite number (epoch ms)`);
    times[index] = time;
  }
  return times;
}

/**
 * A sample time in CSV: an ISO date, or the epoch ms as a number when no Date holds it (beyond
 * ±8.64e15 ms, or not finite: toISOString would throw and fail the whole export).
 */
function csvTime(time: number): string {
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : String(time);
}

/** Bytes as a Buffer over the same memory (what Fastify sends as a body). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function arrayRoutes(app: FastifyInstance, options: { store: Store; live?: LivePublisher }): Promise<void> {
  const storage = options.store.documents;
  // User kernels' threads, started on first use and stopped with the server.
  const sandboxes = new SandboxThreads();
  app.addHook('onClose', async () => sandboxes.close());

  async function openReadable(request: FastifyRequest<{ Params: IdParams }>): Promise<ChannelArray> {
    const user = requireUser(request);
    const array = await ChannelArray.open(storage, idFromPath(request.params.id));
    checkRead(user, array.meta.site ?? null);
    return array;
  }

  /** The range a request names, by sample numbers or by times. */
  async function rangeOf(array: ChannelArray, query: Record<string, string | undefined>): Promise<[number, number]> {
    const from = finite(query.from, 'from');
    const to = finite(query.to, 'to');
    let start = integer(query.start, 'start') ?? (from === undefined ? 0 : await array.indexOfTime(from));
    // `to` is inclusive: the range ends after the last sample stamped `to` (a binary search: any
    // number of samples may share one time).
    let end = integer(query.end, 'end') ?? (to === undefined ? array.length : await array.indexAfterTime(to));
    start = Math.min(start, array.length);
    end = Math.max(start, Math.min(end, array.length));
    return [start, end];
  }

  app.post('/api/arrays', {
    schema: { body: arrayCreateSchema },
  }, async (request, reply) => {
    const user = requireUser(request);
    const body = request.body as { id: string; timing: 'regular' | 'explicit'; unit?: string; site?: string };
    // Judged like any write of an array document, over what the id holds (a deleted document of
    // another site, or a document of another kind, is not the caller's to take over).
    const refusal = writeRefusal(user, body.id, { kind: 'fl-channel-array', ...(body.site ? { site: body.site } : {}) }, await storage.stored(body.id));
    if (refusal) throw refusal;
    // 409 when any document exists under the id (checked in the write itself).
    const array = await ChannelArray.create(storage, body.id, { timing: body.timing, ...(body.unit ? { unit: body.unit } : {}), ...(body.site ? { site: body.site } : {}) });
    return reply.status(201).send(array.meta);
  });

  app.get<{ Params: IdParams }>('/api/arrays/:id', async (request) => (await openReadable(request)).meta);

  await app.register(async (raw) => {
    raw.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: SAMPLES_LIMIT }, (_request, body, done) => done(null, body));
    raw.post<{ Params: IdParams; Querystring: Record<string, string | undefined> }>('/api/arrays/:id/values', async (request, reply) => {
      const user = requireUser(request);
      const array = await ChannelArray.open(storage, idFromPath(request.params.id));
      if (!canWriteKind(user, array.meta.site ?? null, 'array')) throw new HttpError(403, 'forbidden', 'your role may not write this array');
      // A derived array (anomaly scores, a transformation's output) has one writer, its producer:
      // a sample appended by anyone else would stand in its output as if computed.
      if (array.meta.producer !== undefined) throw new HttpError(409, 'conflict', `${array.id} is computed (by ${JSON.stringify(array.meta.producer)}): only its producer appends to it`);
      let appended: Float32Array;
      if (Buffer.isBuffer(request.body)) {
        const body = request.body;
        if (body.length % 4 !== 0) throw new HttpError(400, 'bad_request', 'a Float32 body must be a multiple of 4 bytes');
        const values = new Float32Array(body.length / 4);
        new Uint8Array(values.buffer).set(body);
        // NaN is a missing value; an infinity is no measurement (its summaries would be useless).
        const infinite = values.findIndex((value) => value === Infinity || value === -Infinity);
        if (infinite >= 0) throw new HttpError(400, 'bad_request', `sample ${infinite} is ${values[infinite]}: values must be finite (NaN for a missing value)`);
        const t0 = finite(request.query.t0, 't0');
        const dt = finite(request.query.dt, 'dt');
        if (t0 === undefined || dt === undefined) throw new HttpError(400, 'bad_request', 'binary values need ?t0=<epoch ms>&dt=<ms>');
        await array.append(values, { t0, dt });
        appended = values;
      } else {
        const body = request.body as { times?: unknown; values?: unknown };
        if (!Array.isArray(body?.values) || !Array.isArray(body.times)) throw new HttpError(400, 'bad_request', 'send {times: [...], values: [...]} or a Float32 octet-stream');
        appended = float32Values(body.values as unknown[]);
        await array.append(appended, sampleTimes(body.times as unknown[]));
      }
      // Committed: tell the live stream the array's new end (a missing value, NaN, goes as null in JSON).
      const lastTime = array.meta.last_time;
      const lastValue = appended.at(-1);
      if (options.live && lastTime !== null && lastValue !== undefined) {
        options.live.publish({ event: 'samples', data: { array: array.id, site: array.meta.site ?? null, length: array.length, last: { time: lastTime, value: lastValue } } });
      }
      return reply.status(200).send({ length: array.length });
    });
  });

  app.get<{ Params: IdParams; Querystring: Record<string, string | undefined> }>('/api/arrays/:id/values', async (request, reply) => {
    const array = await openReadable(request);
    const [start, end] = await rangeOf(array, request.query);
    if (end - start > SAMPLES_LIMIT / 4) throw new HttpError(400, 'bad_request', `at most ${SAMPLES_LIMIT / 4} samples per request; page with start/end`);
    const { values, times } = await array.read(start, end);
    const format = request.query.format ?? 'binary';
    reply.header('x-fieldline-start', String(start));
    if (format === 'csv') {
      const lines = ['time,value'];
      for (let index = 0; index < values.length; index++) lines.push(`${csvTime(times[index]!)},${Number.isNaN(values[index]!) ? '' : values[index]}`);
      return reply.type('text/csv; charset=utf-8').send(`${lines.join('\n')}\n`);
    }
    if (format === 'npy') return reply.type('application/octet-stream').header('content-disposition', 'attachment; filename="values.npy"').send(asBuffer(toNpy(values)));
    if (format !== 'binary') throw new HttpError(400, 'bad_request', 'format must be binary, npy or csv');
    return reply.type('application/octet-stream').send(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  });

  app.get<{ Params: IdParams; Querystring: Record<string, string | undefined> }>('/api/arrays/:id/summaries', async (request) => {
    const array = await openReadable(request);
    const [start, end] = await rangeOf(array, request.query);
    const width = integer(request.query.width, 'width') ?? 800;
    if (width < 1 || width > 10_000) throw new HttpError(400, 'bad_request', 'width must be 1 to 10000');
    const columns = Math.max(1, Math.min(width, end - start));
    const summaries = end > start ? await array.summaries(start, end, columns, { align: true }) : [];
    return { start, end, edges: end > start ? array.bucketEdges(start, end, columns, { align: true }) : [], summaries };
  });

  app.post('/api/transformations', { schema: { body: transformationSchema } }, async (request, reply) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins define transformations');
    const body = request.body as TransformationDefinition & { id: string };
    // Their own namespace: a transformation never lands on a site's, a channel's or anyone's document.
    if (!body.id.startsWith(TRANSFORMATION_PREFIX) || body.id.length === TRANSFORMATION_PREFIX.length) {
      throw new HttpError(400, 'bad_request', `a transformation id starts with "${TRANSFORMATION_PREFIX}" (got ${JSON.stringify(body.id)})`);
    }
    // Nor on an id the server's runners keep for their derived arrays (a squatted id stops them).
    const reserved = typeof body.output === 'string' ? serverOnlyIdRefusal(body.output) : undefined;
    if (reserved) throw reserved;
    if (body.user_kernel === undefined) await defineTransformation(storage, body.id, body);
    else await sandboxes.with((userKernels) => defineTransformation(storage, body.id, body, { userKernels }));
    return reply.status(201).send({ id: body.id });
  });

  app.post<{ Params: IdParams }>('/api/transformations/:id/run', async (request) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins run transformations');
    const runner = (userKernels?: SandboxClient) => new TransformationRunner(storage, idFromPath(request.params.id), { engine: new CpuEngine(), ...(userKernels ? { userKernels } : {}) });
    const status = await runner().status();
    return status.kernel === 'user' ? sandboxes.with((userKernels) => runner(userKernels).run()) : runner().run();
  });

  app.get<{ Params: IdParams }>('/api/transformations/:id', async (request) => {
    // Results may summarize any site's data: engineers and admins only.
    if (requireUser(request).role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins read transformations');
    return new TransformationRunner(storage, idFromPath(request.params.id)).status();
  });
}

