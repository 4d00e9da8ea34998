/**
 * Sign in and out: POST /api/session → {token, expires_at} (+ HttpOnly cookie); GET /api/session
 * → {user, expires_at} renews the session; DELETE /api/session. Sign-in is throttled per client
 * address and per username by counting failures (auth/login-throttle.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/store';
import { HttpError } from '../../errors';
import { SESSION_MS } from '../../auth/accounts';
import { LoginThrottle } from '../../auth/login-throttle';
import { SESSION_COOKIE } from '../auth-hook';
import { apiErrorBody, sessionRequestSchema } from '../../../core';

/**
 * Sets the session cookie; `Secure` when the request came over HTTPS (request.protocol honours
 * X-Forwarded-Proto only from a TRUST_PROXY proxy), so a TLS front end gets a cookie the browser
 * never sends in clear, while plain http on a LAN keeps working.
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/api', maxAge: SESSION_MS / 1000, secure: request.protocol === 'https' });
}

/** Answers 429 with Retry-After (whole seconds, rounded up) for a refused sign-in attempt. */
export function tooManyAttempts(reply: FastifyReply, refused: { retryAfterMs: number; reason: 'address' | 'account' }): FastifyReply {
  const seconds = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
  const detail =
    refused.reason === 'address'
      ? `too many failed sign-ins from this address: try again in ${seconds} s`
      : `too many failed sign-ins for this user: try again in ${seconds} s (the wait doubles with each further failure, up to an hour)`;
  return reply.status(429).header('retry-after', String(seconds)).send(apiErrorBody('too_many_requests', detail));
}

export async function sessionRoutes(app: FastifyInstance, options: { store: Store; now?: () => number }): Promise<void> {
  const { accounts } = options.store;
  const throttle = new LoginThrottle(options.store.driver, options.now ? { now: options.now } : {});
  app.post(
    '/api/session',
    {
      schema: { body: sessionRequestSchema },
    },
    async (request, reply) => {
      const { username, password } = request.body as { username: string; password: string };
      const booked = await throttle.begin(request.ip, username);
      if (!booked.attempt) return tooManyAttempts(reply, booked);
      const checked = await accounts.check(username, password);
      if (!checked) throw new HttpError(401, 'unauthorized', 'wrong username or password');
      await throttle.succeeded(booked.attempt);
      // Told only to someone who knows the password, so it reveals nothing to a guesser.
      if (checked.disabled) throw new HttpError(403, 'forbidden', 'this account is disabled: ask an admin');
      const session = await accounts.startSession(checked.user.username);
      setSessionCookie(request, reply, session.token);
      return { token: session.token, expires_at: session.expires_at, user: checked.user };
    },
  );

  // The app calls this when it comes back online: the session slides, so a technician who signed in
  // before working offline stays signed in as long as they return before it runs out.
  app.get('/api/session', async (request, reply) => {
    const renewed = request.user && request.sessionToken ? await accounts.renewSession(request.sessionToken) : undefined;
    if (!renewed) throw new HttpError(401, 'unauthorized', 'not signed in');
    // The cookie's Max-Age slides too; a caller using the bearer token gets no cookie it did not have.
    if (request.cookies?.[SESSION_COOKIE] === request.sessionToken) setSessionCookie(request, reply, request.sessionToken!);
    return { user: renewed.user, expires_at: renewed.expires_at };
  });

  app.delete('/api/session', async (request, reply) => {
    if (request.sessionToken) await accounts.endSession(request.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/api' });
    return reply.status(204).send();
  });
}
