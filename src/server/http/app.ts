/**
 * Builds the companion server's HTTP application: the JSON API under /api and the built PWA.
 * Every error leaves as `{error, detail}` with a 4xx/5xx status; stack traces stay in the log.
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyCookie from '@fastify/cookie';
import { installCompression } from './compress';
import fastifyHelmet from '@fastify/helmet';
import { installAuth } from './auth-hook';
import { installCsrfCheck } from './csrf-hook';
import { trackQuietConnections } from './quiet-connections';
import { MemoryBudget } from './body-reader';
import type { HttpLimits } from '../config';
import { sessionRoutes } from './routes/session';
import { userRoutes } from './routes/users';
import { documentRoutes } from './routes/documents';
import { arrayRoutes } from './routes/arrays';
import { jobRoutes } from './routes/jobs';
import { ingestRoutes } from './routes/ingest';
import { uploadRoutes } from './routes/uploads';
import { installEventRoutes } from './routes/events';
import { InProcessPublisher, type LivePublisher } from '../live/publisher';
import { DocFeed } from '../live/doc-feed';
import type { ReadingHooks } from './reading-checks';
import { IngestService } from '../ingest/ingest-service';
import { apiErrorBody, type HealthReport } from '../../core';
import type { Store } from '../store/store';
import { DatabaseError, RETRY_AFTER_SECONDS, type HttpError, type HttpErrorCode } from '../errors';

export interface AppOptions {
  store: Store;
  version: string;
  /** Folder of the built PWA; when it does not exist only the API is served. */
  clientDir: string;
  logLevel?: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Whether the server runs the simulated fleet (DEMO): GET /api says so, and the UI marks its data simulated. */
  demo?: boolean;
  /** Shared with the forward protocol server so a source's batches are stored one at a time. */
  ingest?: IngestService;
  /**
   * Proxies whose X-Forwarded-For/-Proto are believed (TRUST_PROXY; Fastify's `trustProxy`), so
   * request.ip is the client's and request.protocol says whether it came over HTTPS.
   */
  trustProxy?: false | number | string[];
  /** The clock of sign-in throttling (tests move it instead of sleeping). */
  now?: () => number;
  /** Timeouts and the body memory budget (HTTP_*; defaults as in config.ts). */
  http?: HttpLimits;
  /** The live event bus (GET /api/events); shared with `ingest`, which publishes its appends there. */
  live?: LivePublisher;
  /** Heartbeat of the event stream (LIVE_HEARTBEAT_MS; default 15 s). */
  liveHeartbeatMs?: number;
  /**
   * The port the fluentd forward protocol listens on, once it does (FORWARD_PORT may be 0 or any
   * port): GET /api tells the app, which shows it in the fluentd `<match>` block of a new source.
   */
  forwardPort?: () => number | undefined;
  /** The embedded MQTT broker's port and topic patterns, once it listens (undefined: none). */
  mqtt?: () => { port: number; topics: readonly string[] } | undefined;
  /** The reading side (reading-checks.ts): accepted reading times, and readings appended to their channels on write. */
  readings?: ReadingHooks;
}

const defaultHttpLimits: HttpLimits = { requestTimeoutMs: 300_000, headersTimeoutMs: 30_000, bodyMemoryBytes: 512 * 1024 * 1024 };

const codeByStatus: Record<number, HttpErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Trusts the nearest `hops` proxies: X-Forwarded-For entries beyond them are the client's say-so. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/** Bytes of an unread body that Node may drain to keep a connection (see the onSend hook). */
const DRAIN_LIMIT = 1024 * 1024;

/** Whether `raw` still has a body to come that is chunked or larger than DRAIN_LIMIT. */
function largeBodyUnread(raw: IncomingMessage): boolean {
  if (raw.complete) return false;
  const length = raw.headers['content-length'];
  return length === undefined ? raw.headers['transfer-encoding'] !== undefined : Number(length) > DRAIN_LIMIT;
}

/** The DatabaseError `error` is or was caused by (a layer may wrap it), if any. */
function databaseErrorIn(error: unknown): DatabaseError | undefined {
  for (let depth = 0; depth < 5 && error instanceof Error; depth++, error = error.cause) if (error instanceof DatabaseError) return error;
  return undefined;
}

/** Creates the Fastify app (not listening yet). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = options.http ?? defaultHttpLimits;
  const app = Fastify({
    // A request must arrive whole within requestTimeout (Node answers 408 and closes), its headers
    // within headersTimeout: a client trickling a byte every few seconds no longer holds a socket
    // for ever. Node checks every connectionsCheckingInterval (default 30 s): a quarter of the
    // shorter timeout keeps the overshoot small.
    requestTimeout: limits.requestTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    // Requests that arrive while shutting down get 503 instead of hanging.
    return503OnClosing: true,
    // Document ids are path segments and may be long.
    routerOptions: { maxParamLength: 4096 },
    // A path with a malformed percent-escape (`/api/docs/%zz`) is refused before any route, past
    // the error handler: answer it in the API's shape too.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode ?? 400;
      // Fastify types this reply for any route's reply schema; it has none here.
      void (reply as FastifyReply).status(status).send(apiErrorBody(codeByStatus[status] ?? 'bad_request', error.message));
    },
    // Off unless configured: X-Forwarded-For from anyone would let a client choose its address.
    // A hop count as the function Fastify makes of one (its types only take the function).
    trustProxy: typeof options.trustProxy === 'number' ? trustHops(options.trustProxy) : (options.trustProxy ?? false),
  });

  // While shutting down, responses to in-flight requests close their keep-alive connection, so the
  // server can finish closing as soon as the last one is answered.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // A response sent before a large request body was read (401, 403, 413, 503 after the headers)
  // closes the connection too: otherwise Node reads and discards the rest of the body, however
  // large, to keep the connection for the next request. A small rest is drained as before: a
  // browser whose upload is cut off reports a network error instead of the answer, and the app
  // must see its 401 or 403.
  app.addHook('onSend', async (request, reply, payload) => {
    if (closing || largeBodyUnread(request.raw)) reply.header('connection', 'close');
    return payload;
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    // Our own errors (HttpError, StorageError, ArrayError) carry a status and a code; kernel
    // parameter and query mistakes are bad input; Fastify's own have statusCode.
    const own = error as { status?: unknown; code?: unknown; name?: string };
    const typed = typeof own.status === 'number' && typeof own.code === 'string';
    const status = typed ? (own.status as number) : error.name === 'KernelError' || error.name === 'QueryError' ? 400 : ((error as FastifyError).statusCode ?? 500);
    if (status >= 500) {
      // A database out of reach (503, with Retry-After) or out of space (507) is said as such:
      // clients retry or tell someone; it is no bug, so no stack trace either.
      const database = databaseErrorIn(error);
      if (database) {
        request.log.warn({ code: database.code, cause: (database.cause as Error | undefined)?.message }, database.message);
        if (database.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return reply.status(database.status).send(apiErrorBody(database.code, database.message));
      }
      request.log.error({ err: error }, 'request failed');
      return reply.status(status).send(apiErrorBody('internal', 'internal server error'));
    }
    const code = typed && !String(own.code).startsWith('FST_') ? String(own.code) : (codeByStatus[status] ?? 'bad_request');
    return reply.status(status).send(apiErrorBody(code, error.message));
  });

  await app.register(fastifyCookie);
  installCompression(app);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // WebAssembly (the SIMD max/min kernels) needs wasm-unsafe-eval; no JavaScript eval is allowed.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        // uPlot and Lit set inline styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        // Shoelace's <sl-icon> fetch()es its SVG: its own system icons (chevrons, checkmarks) and the
        // app's bundled ones are data: URLs, which reach no server.
        connectSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // The PWA is served over plain http on a LAN as well; HSTS belongs to the TLS front end.
    strictTransportSecurity: false,
  });
  // Shutdown waits for requests in flight, not for connections that never sent one.
  const quiet = trackQuietConnections(app.server);
  app.addHook('preClose', async () => quiet.closeQuiet());
  installAuth(app, options.store);
  installCsrfCheck(app);
  const bodyBudget = new MemoryBudget(limits.bodyMemoryBytes);
  const clock = options.now ? { now: options.now } : {};
  await app.register(sessionRoutes, { store: options.store, ...clock });
  await app.register(userRoutes, { store: options.store, ...clock });
  await app.register(documentRoutes, { store: options.store, bodyBudget, ...(options.readings ? { readings: options.readings } : {}) });
  const live = options.live ?? new InProcessPublisher();
  await app.register(arrayRoutes, { store: options.store, live });
  await app.register(jobRoutes, { store: options.store });
  const ingest = options.ingest ?? new IngestService(options.store, { live });
  // Installed on the root, not registered as a plugin: its hooks must see the sign-out routes.
  installEventRoutes(app, { store: options.store, live, ...(options.liveHeartbeatMs === undefined ? {} : { heartbeatMs: options.liveHeartbeatMs }) });
  // Document events from the changes feed (every write path, every process sharing the database).
  const docFeed = new DocFeed(options.store.driver, live, { storage: options.store.documents, onError: (error) => app.log.warn({ err: error }, 'live document feed: read failed, trying again') });
  app.addHook('onReady', () => docFeed.start());
  app.addHook('onClose', async () => {
    await docFeed.stop();
    live.close();
  });
  await app.register(ingestRoutes, { store: options.store, service: ingest, bodyBudget });
  await app.register(uploadRoutes, { store: options.store, service: ingest, bodyBudget });

  const indexHtml = path.join(options.clientDir, 'index.html');
  const hasClient = fs.existsSync(indexHtml);
  if (!hasClient) app.log.warn(`no built client in ${options.clientDir}: serving the API only (run npm run build)`);

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    // Deep links into the app (e.g. /channels) get the shell; the app routes on the client.
    const wantsPage = request.method === 'GET' && !url.startsWith('/api') && (request.headers.accept ?? '').includes('text/html');
    if (hasClient && wantsPage) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply.status(404).send(apiErrorBody('not_found', `no route for ${request.method} ${url}`));
  });

  app.get('/api', async () => ({
    name: 'fieldline',
    version: options.version,
    demo: options.demo ?? false,
    forward_port: options.forwardPort?.() ?? null,
    mqtt: options.mqtt?.() ?? null,
    links: {
      self: '/api',
      health: '/api/health',
      session: '/api/session',
      users: '/api/users',
      docs: '/api/docs',
      sites: '/api/sites',
      assets: '/api/assets',
      channels: '/api/channels',
      changes: '/api/changes',
      arrays: '/api/arrays',
      transformations: '/api/transformations',
      jobs: '/api/jobs',
      sources: '/api/sources',
      ingest: '/api/ingest',
      uploads: '/api/uploads',
      events: '/api/events',
    },
  }));

  app.get('/api/health', async (): Promise<HealthReport> => {
    await options.store.ping();
    return { ok: true, version: options.version, backend: options.store.backend };
  });

  if (hasClient) {
    await app.register(fastifyStatic, {
      root: options.clientDir,
      wildcard: true,
      // Our own cache policy below replaces send's default max-age=0.
      cacheControl: false,
      setHeaders(reply, filePath) {
        // Hashed build assets never change; everything else (index.html, sw.js, manifest) must be
        // revalidated so a deploy reaches users and the service worker can update.
        const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  return app;
}
