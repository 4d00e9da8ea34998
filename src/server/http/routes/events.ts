/**
 * GET /api/events: the live event stream (Server-Sent Events) of what the caller may read.
 *
 *   event: samples   data {array, channel?, site, length, last: {time, value}}
 *   event: doc       data {id, site, type?, deleted?: true}
 *   event: reset     data {}   the position given cannot be resumed: reload what you show
 *   id: <position>   on every event; `id:` alone (no event) moves the position past events the
 *                    caller may not see, so a resume after a quiet hour still finds its place
 *
 * Resume with the `Last-Event-ID` header (EventSource sends it when it reconnects) or the
 * `last_event_id` query parameter (clients that cannot set headers). Comment lines every
 * `heartbeatMs` keep proxies from closing an idle stream; each heartbeat checks the session again
 * (signed out, revoked, expired, user disabled or moved to other sites: the stream ends or
 * follows the new sites). A sign-out, "sign everyone out", or a change of the user (role, sites,
 * disabled, password) through this process ends the streams concerned at once. Server shutdown
 * ends every stream first, so closing never waits on them.
 *
 * The stream is a Node stream sent through Fastify: the compression hook only touches string and
 * Buffer answers, so nothing buffers it, and `X-Accel-Buffering: no` asks nginx not to either.
 * Node's request timeout (HTTP_REQUEST_TIMEOUT_MS) bounds receiving a request, not answering it:
 * a stream outlives it. Backpressure: the next event is read from the bus only when the socket
 * took the last one, so a slow client holds a cursor, never a queue (see live/publisher.ts).
 */
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { User } from '../../auth/accounts';
import type { Store } from '../../store/store';
import { canRead, requireUser } from '../access';
import type { LiveMessage } from '../../../core/live-events';
import type { LivePublisher, LiveSubscription } from '../../live/publisher';
import { HttpError } from '../../errors';

export interface EventRoutesOptions {
  store: Store;
  live: LivePublisher;
  /** Comment lines (and session checks) this often (default 15 s). */
  heartbeatMs?: number;
}

/** A position is short text; anything longer is no position of ours (then: reset). */
const MAX_POSITION_LENGTH = 200;

/** One open stream. */
interface Stream {
  user: User;
  token: string | undefined;
  end(): void;
  /** The HTTP response, cut at shutdown when its client does not take the end (see preClose). */
  response: ServerResponse;
}

/**
 * How long shutdown waits for streams to finish after ending them. A client that stopped reading
 * never takes the end (the socket pushes back), so its response never finishes and Fastify's
 * close would wait for it forever: after this, such responses are destroyed.
 */
const SHUTDOWN_GRACE_MS = 1000;

/** Whether `user` may see `message`. */
function visible(user: User, message: LiveMessage): boolean {
  return canRead(user, message.data.site);
}

/** An SSE message: `id`, `event`, and the JSON data on one line (JSON.stringify never writes a newline). */
function frame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Adds GET /api/events and its hooks to `app` itself (not as an encapsulated plugin: the
 * sign-out hook must see the session and user routes' responses).
 */
export function installEventRoutes(app: FastifyInstance, options: EventRoutesOptions): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new Set<Stream>();

  // Shutdown: Fastify waits for every response to end, and a stream never does by itself.
  app.addHook('preClose', async () => {
    const open = [...streams];
    for (const stream of open) stream.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([Promise.all(open.map((stream) => finished(stream.response).catch(() => undefined))), grace]);
    clearTimeout(timer);
    for (const stream of open) if (!stream.response.writableFinished) stream.response.destroy();
  });

  // Sign-outs and changes of a user through this process end the streams they concern at once
  // (other processes' are found at the next heartbeat's session check). A changed user (role,
  // sites, disabled) reconnects and is judged again; its position still resumes.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 400) return;
    const route = `${request.method} ${request.routeOptions.url}`;
    const username = (request.params as { username?: string } | undefined)?.username;
    const ending =
      route === 'DELETE /api/session'
        ? (stream: Stream) => stream.token === request.sessionToken
        : route === 'DELETE /api/sessions' // everyone signed out but the admin who asked
          ? (stream: Stream) => stream.token !== request.sessionToken
          : route === 'DELETE /api/users/:username/sessions' || route === 'PATCH /api/users/:username'
            ? (stream: Stream) => stream.user.username === username
            : route === 'PUT /api/users/:username/password' // the other sessions end; the caller's stays
              ? (stream: Stream) => stream.user.username === username && stream.token !== request.sessionToken
              : undefined;
    if (!ending || request.sessionToken === undefined) return;
    for (const stream of [...streams]) if (ending(stream)) stream.end();
  });

  app.get<{ Querystring: { last_event_id?: string } }>('/api/events', async (request: FastifyRequest<{ Querystring: { last_event_id?: string } }>, reply) => {
    let user = requireUser(request);
    const header = request.headers['last-event-id'];
    const from = (typeof header === 'string' && header !== '' ? header : undefined) ?? request.query.last_event_id;
    if (from !== undefined && typeof from !== 'string') throw new HttpError(400, 'bad_request', 'last_event_id must be given once');
    const token = request.sessionToken;
    const body = new PassThrough();
    // Set below, once `stream` and `pump` exist (both refer to them).
    let subscription: LiveSubscription | undefined = undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined = undefined;
    let waiting = false; // for the socket to drain
    let ended = false;

    const stream: Stream = {
      user,
      token,
      response: reply.raw,
      end() {
        if (ended) return;
        ended = true;
        streams.delete(stream);
        clearInterval(heartbeat);
        subscription?.close();
        body.end();
      },
    };

    /** Writes what waits until the socket pushes back or nothing is left. */
    const pump = () => {
      if (ended || waiting || !subscription) return;
      let skipped = false;
      for (;;) {
        const read = subscription.next();
        if (read === undefined) break;
        let text: string;
        if ('reset' in read) text = frame(read.id, 'reset', {});
        else if (visible(user, read.message)) text = frame(read.id, read.message.event, read.message.data);
        else {
          skipped = true;
          continue;
        }
        skipped = false;
        if (!body.write(text)) {
          waiting = true;
          body.once('drain', () => {
            waiting = false;
            pump();
          });
          return;
        }
      }
      // The last events were not for this caller: move its position past them anyway.
      if (skipped && !body.write(`id: ${subscription.position}\n\n`)) {
        waiting = true;
        body.once('drain', () => {
          waiting = false;
          pump();
        });
      }
    };

    heartbeat = setInterval(() => {
      void (async () => {
        // The session as it is now: ended elsewhere, expired, or the user's sites changed.
        const now = token === undefined ? undefined : await options.store.accounts.session(token).catch(() => user);
        if (!now) return stream.end();
        user = now;
        stream.user = now;
        if (!ended && !waiting) body.write(': ping\n\n');
      })();
    }, heartbeatMs);

    streams.add(stream);
    subscription = options.live.subscribe(from !== undefined && from.length <= MAX_POSITION_LENGTH ? from : from === undefined ? undefined : '', pump);
    // The client went away (either side's close: which comes first depends on the Node version).
    request.raw.on('close', () => stream.end());
    reply.raw.on('close', () => stream.end());
    body.on('error', () => stream.end());

    void reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no')
      // A stream's connection is never reused (its end is the connection's end), and a server
      // closing must not wait for a keep-alive timeout on it.
      .header('connection', 'close');
    // The position first, so a client that reconnects before any event resumes from here; the
    // retry hint keeps EventSource's reconnects quick after a restart.
    // (A resumed stream's first line is its first event or its reset: nothing may move past those.)
    body.write(from === undefined ? `retry: 2000\nid: ${subscription.position}\n\n` : 'retry: 2000\n\n');
    pump();
    return reply.send(body);
  });
}
