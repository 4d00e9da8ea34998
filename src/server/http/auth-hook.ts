/**
 * Reads the session from `Authorization: Bearer <token>` or the HttpOnly cookie into request.user,
 * and refuses a body from a caller without a session before a byte of it is read.
 */
import type { FastifyInstance } from 'fastify';
import type { User } from '../auth/accounts';
import type { Store } from '../store/store';
import { HttpError } from '../errors';

export const SESSION_COOKIE = 'fl_session';

/** Where the session token came from: a Bearer header (scripts, tests) or the browser's cookie. */
export type SessionSource = 'bearer' | 'cookie';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | undefined;
    sessionToken: string | undefined;
    sessionFrom: SessionSource | undefined;
  }
}

/**
 * Routes that take a body from callers without a session: signing in, and ingestion (a data
 * source's token, which that route checks in its own preParsing hook). Every other route answers
 * 401 to an anonymous caller anyway, so its body is not worth reading: a 200 MiB attachment sent
 * without a session is refused after its headers.
 */
const anonymousBodyRoutes = new Set(['POST /api/session', 'POST /api/ingest']);

/** Decorates requests with the session's user and refuses anonymous bodies early (see above). */
export function installAuth(app: FastifyInstance, store: Store): void {
  app.decorateRequest('user', undefined);
  app.decorateRequest('sessionToken', undefined);
  app.decorateRequest('sessionFrom', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const token = bearer || request.cookies?.[SESSION_COOKIE];
    if (!token) return;
    request.sessionToken = token;
    request.sessionFrom = bearer ? 'bearer' : 'cookie';
    request.user = await store.accounts.session(token);
  });
  // preParsing runs before the content-type parser reads the body. Unknown routes (404) have no
  // url and read nothing either way.
  app.addHook('preParsing', async (request) => {
    if (request.user || !request.routeOptions.url) return;
    if (anonymousBodyRoutes.has(`${request.method} ${request.routeOptions.url}`)) return;
    if (!hasBody(request.headers)) return;
    throw new HttpError(401, 'unauthorized', 'sign in first: POST /api/session {username, password}, then send the token as "Authorization: Bearer <token>"');
  });
}

/** Whether a request announces a body (a length above zero, or chunked). */
export function hasBody(headers: { 'content-length'?: string | undefined; 'transfer-encoding'?: string | undefined }): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}
