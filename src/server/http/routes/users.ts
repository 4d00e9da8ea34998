/**
 * Users: GET /api/users, POST /api/users {username, password, role, sites}, PATCH
 * /api/users/:username {role?, sites?, disabled?} (admin only); PUT /api/users/:username/password
 * {password, current_password?} (oneself with the current password, or an admin resetting
 * another's); DELETE /api/users/:username/sessions (an admin, or oneself: sign out everywhere);
 * DELETE /api/sessions (admin: sign everyone out, every user's every session but the caller's own).
 * GET /api/people?site=<site id> (anyone who reads the site): who can be assigned work there.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store';
import type { Role, UserChanges } from '../../auth/accounts';
import { LoginThrottle } from '../../auth/login-throttle';
import { HttpError } from '../../errors';
import { canRead, requireAdmin, requireUser } from '../access';
import { SESSION_COOKIE } from '../auth-hook';
import { tooManyAttempts } from './session';
import { passwordChangeSchema, userCreateSchema, userParamsSchema, userUpdateSchema } from '../../../core';

/** GET /api/people?site=<site id>: the site is required, one non-blank id. */
const peopleQuerySchema = {
  type: 'object',
  required: ['site'],
  properties: { site: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' } },
} as const;

export async function userRoutes(app: FastifyInstance, options: { store: Store; now?: () => number }): Promise<void> {
  const { accounts } = options.store;
  const throttle = new LoginThrottle(options.store.driver, options.now ? { now: options.now } : {});

  app.get('/api/users', async (request) => {
    requireAdmin(request);
    return { users: await accounts.list() };
  });

  // Who a work order in a site can be assigned to: any signed-in user who reads the site asks
  // (technicians only for their own sites), since assigning and reassigning happen on tablets too.
  app.get('/api/people', { schema: { querystring: peopleQuerySchema } }, async (request) => {
    const user = requireUser(request);
    const { site } = request.query as { site: string };
    if (!canRead(user, site)) throw new HttpError(403, 'forbidden', `you are not assigned to site ${JSON.stringify(site)}: only people who work there see who can be assigned`);
    return { people: await accounts.assignable(site) };
  });

  app.post(
    '/api/users',
    {
      schema: { body: userCreateSchema },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { username: string; password: string; role: Role; sites?: string[] };
      const user = await accounts.create({ username: body.username, role: body.role, sites: body.sites ?? [] }, body.password);
      return reply.status(201).send({ user });
    },
  );

  app.patch('/api/users/:username', { schema: { params: userParamsSchema, body: userUpdateSchema } }, async (request) => {
    requireAdmin(request);
    const { username } = request.params as { username: string };
    const changes = request.body as UserChanges;
    // Fastify's validator drops unknown properties instead of refusing them, so a body of only
    // unknown ones arrives empty: say so rather than answer 200 for changing nothing.
    if (changes.role === undefined && changes.sites === undefined && changes.disabled === undefined) {
      throw new HttpError(400, 'bad_request', 'nothing to change: give role, sites or disabled');
    }
    return { user: await accounts.update(username, changes) };
  });

  app.put('/api/users/:username/password', { schema: { params: userParamsSchema, body: passwordChangeSchema } }, async (request, reply) => {
    const me = requireUser(request);
    const { username } = request.params as { username: string };
    const body = request.body as { password: string; current_password?: string };
    if (username === me.username) {
      // Even an admin proves the current password for their own: a session left open on a
      // tablet must not be enough to take the account over. Wrong guesses count like sign-ins.
      if (body.current_password === undefined) throw new HttpError(400, 'bad_request', 'current_password is required to change your own password');
      const booked = await throttle.begin(request.ip, username);
      if (!booked.attempt) return tooManyAttempts(reply, booked);
      if (!(await accounts.check(username, body.current_password))) throw new HttpError(403, 'forbidden', 'the current password is wrong');
      await throttle.succeeded(booked.attempt);
      // Other devices are signed out; this one stays signed in.
      await accounts.setPassword(username, body.password, request.sessionToken);
    } else {
      requireAdmin(request);
      // A reset ends every session of the user and lifts a lock, so they sign in with it at once.
      await accounts.setPassword(username, body.password);
      await throttle.forgetAccount(username);
    }
    return reply.status(204).send();
  });

  // "Sign everyone out" (a lost tablet, a leaked password list): the admin's own session stays.
  app.delete('/api/sessions', async (request) => {
    requireAdmin(request);
    return { ended: await accounts.endAllSessions(request.sessionToken) };
  });

  app.delete('/api/users/:username/sessions', { schema: { params: userParamsSchema } }, async (request, reply) => {
    const me = requireUser(request);
    const { username } = request.params as { username: string };
    if (username !== me.username) requireAdmin(request);
    const ended = await accounts.endSessions(username);
    if (username === me.username) reply.clearCookie(SESSION_COOKIE, { path: '/api' });
    return { ended };
  });
}
