/**
 * Who may do what. admin: everything. engineer: reads every site; writes transformations, alarms
 * and work orders. technician: reads and writes only documents of the sites assigned to them.
 * A document belongs to the site in its `site` field (a site document to itself).
 */
import type { FastifyRequest } from 'fastify';
import type { User } from '../auth/accounts';
import { HttpError } from '../errors';

const engineerWritable = new Set(['transformation', 'alarm', 'alarm_rule', 'work_order']);

/** The signed-in user; 401 when there is none. */
export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw new HttpError(401, 'unauthorized', 'sign in first: POST /api/session {username, password}, then send the token as "Authorization: Bearer <token>"');
  return request.user;
}

export function requireAdmin(request: FastifyRequest): User {
  const user = requireUser(request);
  if (user.role !== 'admin') throw new HttpError(403, 'forbidden', 'only an admin may do this');
  return user;
}

export function canRead(user: User, site: string | null): boolean {
  return user.role !== 'technician' || (site !== null && user.sites.includes(site));
}

export function canWrite(user: User, site: string | null, type: unknown): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'engineer') return typeof type === 'string' && engineerWritable.has(type);
  return site !== null && user.sites.includes(site) && type !== 'site';
}

/** 403 unless `user` may read documents of `site`. */
export function checkRead(user: User, site: string | null): void {
  if (!canRead(user, site)) throw new HttpError(403, 'forbidden', 'this document belongs to a site you are not assigned to');
}
