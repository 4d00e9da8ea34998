/**
 * Sign in and out: POST /api/session → {token, expires_at} (+ HttpOnly cookie); GET /api/session
 * → {user, expires_at} renews the session; DELETE /api/session.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { SESSION_MS } from '../../auth/accounts';
import { SESSION_COOKIE } from '../auth-hook';
import { sessionRequestSchema } from '../../../core';

function setSessionCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/api', maxAge: SESSION_MS / 1000 });
}

export async function sessionRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { accounts } = options.store;
  app.post(
    '/api/session',
    {
      // Slows password guessing: 10 attempts per minute per address.
      config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: { body: sessionRequestSchema },
    },
    async (request, reply) => {
      const { username, password } = request.body as { username: string; password: string };
      const user = await accounts.check(username, password);
      if (!user) throw new HttpError(401, 'unauthorized', 'wrong username or password');
      const session = await accounts.startSession(user.username);
      setSessionCookie(reply, session.token);
      return { token: session.token, expires_at: session.expires_at, user };
    },
  );

  // The app calls this when it comes back online: the session slides, so a technician who signed in
  // before working offline stays signed in as long as they return before it runs out.
  app.get('/api/session', async (request, reply) => {
    const renewed = request.user && request.sessionToken ? await accounts.renewSession(request.sessionToken) : undefined;
    if (!renewed) throw new HttpError(401, 'unauthorized', 'not signed in');
    // The cookie's Max-Age slides too; a caller using the bearer token gets no cookie it did not have.
    if (request.cookies?.[SESSION_COOKIE] === request.sessionToken) setSessionCookie(reply, request.sessionToken!);
    return { user: renewed.user, expires_at: renewed.expires_at };
  });

  app.delete('/api/session', async (request, reply) => {
    if (request.sessionToken) await accounts.endSession(request.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/api' });
    return reply.status(204).send();
  });
}
