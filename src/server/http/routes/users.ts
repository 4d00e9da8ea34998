/** Users (admin only): GET /api/users, POST /api/users {username, password, role, sites}. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store';
import type { Role } from '../../auth/accounts';
import { requireAdmin } from '../access';
import { userCreateSchema } from '../../../core';

export async function userRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { accounts } = options.store;
  app.get('/api/users', async (request) => {
    requireAdmin(request);
    return { users: await accounts.list() };
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
}
