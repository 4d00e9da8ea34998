/**
 * Users and sessions in the server database. Session tokens are random 256-bit values; only their
 * SHA-256 is stored, so a leaked database holds no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SqlDriver } from '../store/sql/driver';
import { HttpError } from '../errors';
import { hashPassword, verifyPassword } from './passwords';

import { roleNames } from '../../core';

export type Role = (typeof roleNames)[number];
export const roles: readonly Role[] = roleNames;

export interface User {
  username: string;
  role: Role;
  /** Sites a technician may read and write (ignored for other roles). */
  sites: string[];
}

/**
 * How long a session lasts without renewal. Each GET /api/session (the app calls it before every
 * sync) renews it, so this is the longest a technician can stay offline and come back still
 * signed in: two weeks covers a field campaign; after it, the app asks to sign in and keeps the
 * changes made offline until then.
 */
export const SESSION_MS = 14 * 24 * 60 * 60 * 1000;

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

function toUser(row: Record<string, unknown>): User {
  return { username: String(row.username), role: row.role as Role, sites: JSON.parse(String(row.sites)) as string[] };
}

export class Accounts {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  async count(): Promise<number> {
    const [row] = await this.#driver.transaction((query) => query('SELECT COUNT(*) AS count FROM users'));
    return Number(row?.count ?? 0);
  }

  /** Creates a user (409 when the name is taken). */
  async create(user: User, password: string): Promise<User> {
    const hash = await hashPassword(password);
    return this.#driver.transaction(async (query) => {
      const [existing] = await query('SELECT username FROM users WHERE username = ?', [user.username]);
      if (existing) throw new HttpError(409, 'conflict', `user ${JSON.stringify(user.username)} exists`);
      await query('INSERT INTO users (username, password_hash, role, sites, created_at) VALUES (?, ?, ?, ?, ?)', [
        user.username,
        hash,
        user.role,
        JSON.stringify(user.sites),
        new Date().toISOString(),
      ]);
      return user;
    });
  }

  async list(): Promise<User[]> {
    const rows = await this.#driver.transaction((query) => query('SELECT username, role, sites FROM users ORDER BY username'));
    return rows.map(toUser);
  }

  /** The user when the password is right, else undefined (same time either way). */
  async check(username: string, password: string): Promise<User | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT username, role, sites, password_hash FROM users WHERE username = ?', [username]));
    // Hash even for unknown users so timing does not tell which names exist.
    const ok = await verifyPassword(password, row ? String(row.password_hash) : 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    return row && ok ? toUser(row) : undefined;
  }

  async startSession(username: string, now = Date.now()): Promise<{ token: string; expires_at: number }> {
    const token = randomBytes(32).toString('base64url');
    const expires = now + SESSION_MS;
    await this.#driver.transaction(async (query) => {
      await query('DELETE FROM sessions WHERE expires_at < ?', [now]);
      await query('INSERT INTO sessions (token_hash, username, expires_at) VALUES (?, ?, ?)', [tokenHash(token), username, expires]);
    });
    return { token, expires_at: expires };
  }

  /** The user of a live session, or undefined. */
  async session(token: string, now = Date.now()): Promise<User | undefined> {
    const [row] = await this.#driver.transaction((query) =>
      query('SELECT u.username, u.role, u.sites FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?', [tokenHash(token), now]),
    );
    return row ? toUser(row) : undefined;
  }

  /**
   * Slides a live session: it now lasts SESSION_MS from `now`, so someone who keeps coming back
   * before it runs out stays signed in. An expired or ended session is not revived (undefined).
   */
  async renewSession(token: string, now = Date.now()): Promise<{ user: User; expires_at: number } | undefined> {
    const expires = now + SESSION_MS;
    return this.#driver.transaction(async (query) => {
      await query('UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND expires_at > ?', [expires, tokenHash(token), now]);
      const [row] = await query(
        'SELECT u.username, u.role, u.sites, s.expires_at FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?',
        [tokenHash(token), now],
      );
      return row ? { user: toUser(row), expires_at: Number(row.expires_at) } : undefined;
    });
  }

  async endSession(token: string): Promise<void> {
    await this.#driver.transaction((query) => query('DELETE FROM sessions WHERE token_hash = ?', [tokenHash(token)]));
  }
}
