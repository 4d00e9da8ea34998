/** Users (admin only): GET /api/users, POST /api/users {username, password, role, sites}. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store';
import { roles, type Role } from '../../auth/accounts';
import { requireAdmin } from '../access';

export async function userRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { accounts } = options.store;
  app.get('/api/users', async (request) => {
    requireAdmin(request);
    return { users: await accounts.list() };
  });
  app.post(
    '/api/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' },
            password: { type: 'string', minLength: 8, maxLength: 1000 },
            role: { type: 'string', enum: [...roles] },
            sites: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 10_000 },
          },
        },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { username: string; password: string; role: Role; sites?: string[] };
      const user = await accounts.create({ username: body.username, role: body.role, sites: body.sites ?? [] }, body.password);
      return reply.status(201).send({ user });
    },
  );
}
