/** Reads the session from `Authorization: Bearer <token>` or the HttpOnly cookie into request.user. */
import type { FastifyInstance } from 'fastify';
import type { User } from '../auth/accounts';
import type { Store } from '../store/store';

export const SESSION_COOKIE = 'fl_session';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | undefined;
    sessionToken: string | undefined;
  }
}

export function installAuth(app: FastifyInstance, store: Store): void {
  app.decorateRequest('user', undefined);
  app.decorateRequest('sessionToken', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : request.cookies?.[SESSION_COOKIE];
    if (!token) return;
    request.sessionToken = token;
    request.user = await store.accounts.session(token);
  });
}
