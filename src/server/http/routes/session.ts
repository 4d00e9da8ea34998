/** Sign in and out: POST /api/session → {token, expires_at} (+ HttpOnly cookie), DELETE /api/session. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { SESSION_MS } from '../../auth/accounts';
import { SESSION_COOKIE } from '../auth-hook';
import { sessionRequestSchema } from '../../../core';

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
      reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'strict', path: '/api', maxAge: SESSION_MS / 1000 });
      return { token: session.token, expires_at: session.expires_at, user };
    },
  );

  app.get('/api/session', async (request) => {
    if (!request.user) throw new HttpError(401, 'unauthorized', 'not signed in');
    return { user: request.user };
  });

  app.delete('/api/session', async (request, reply) => {
    if (request.sessionToken) await accounts.endSession(request.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/api' });
    return reply.status(204).send();
  });
}
