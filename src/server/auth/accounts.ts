/**
 * Users and sessions in the server database. Session tokens are random 256-bit values; only their
 * SHA-256 is stored, so a leaked database holds no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Query, SqlDriver } from '../store/sql/driver';
import { HttpError } from '../errors';
import { hashPassword, verifyPassword } from './passwords';
import { passwordProblem } from './password-policy';

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

/** A user as the admin sees it in the list. */
export interface UserInfo extends User {
  /** A disabled user cannot sign in and their sessions no longer work. */
  disabled: boolean;
}

/** What an admin may change about a user (PATCH /api/users/:username). */
export interface UserChanges {
  role?: Role;
  sites?: string[];
  disabled?: boolean;
}

/** The outcome of a password check. */
export type PasswordCheck = { user: User; disabled: boolean } | undefined;

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** 400 unless `password` meets the policy (see password-policy.ts). */
export function checkPasswordPolicy(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new HttpError(400, 'bad_request', problem);
}

// Hashed when the user does not exist, so timing does not tell which names do.
const decoyHash = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

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

  /** Creates a user (409 when the name is taken, 400 when the password is too weak). */
  async create(user: User, password: string): Promise<User> {
    checkPasswordPolicy(password, user.username);
    const hash = await hashPassword(password);
    return this.#driver.transaction(async (query) => {
      // One statement: two processes (or requests) creating the same name get one row and one 409.
      const created = await query('INSERT INTO users (username, password_hash, role, sites, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING RETURNING username', [
        user.username,
        hash,
        user.role,
        JSON.stringify(user.sites),
        new Date().toISOString(),
      ]);
      if (created.length === 0) throw new HttpError(409, 'conflict', `user ${JSON.stringify(user.username)} exists`);
      return user;
    });
  }

  /**
   * Who can be given work in `site`: the enabled technicians assigned to it and every enabled
   * engineer and admin (they work in any site), as {name, role}, by name (case-insensitive, the
   * same order on SQLite and PostgreSQL, whose collations differ).
   */
  async assignable(site: string): Promise<Array<{ name: string; role: Role }>> {
    const rows = await this.#driver.transaction((query) => query('SELECT username, role, sites FROM users WHERE disabled = 0'));
    const people = rows
      .map(toUser)
      .filter((user) => user.role !== 'technician' || user.sites.includes(site))
      .map((user) => ({ name: user.username, role: user.role }));
    const key = (name: string) => name.toLowerCase();
    return people.sort((a, b) => (key(a.name) < key(b.name) ? -1 : key(a.name) > key(b.name) ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every user with their disabled state (never a password hash). */
  async list(): Promise<UserInfo[]> {
    const rows = await this.#driver.transaction((query) => query('SELECT username, role, sites, disabled FROM users ORDER BY username'));
    return rows.map((row) => ({ ...toUser(row), disabled: Number(row.disabled) !== 0 }));
  }

  /**
   * Whether the password is right (undefined when not, or when there is no such user; the same
   * time either way). A disabled user with the right password comes back with `disabled: true`.
   */
  async check(username: string, password: string): Promise<PasswordCheck> {
    const [row] = await this.#driver.transaction((query) => query('SELECT username, role, sites, disabled, password_hash FROM users WHERE username = ?', [username]));
    const ok = await verifyPassword(password, row ? String(row.password_hash) : decoyHash);
    return row && ok ? { user: toUser(row), disabled: Number(row.disabled) !== 0 } : undefined;
  }

  /**
   * Changes a user's role, sites or disabled state (404 when unknown). Sessions join the user on
   * every request, so a new role or sites apply to the next request; disabling also ends every
   * session. Refuses (409) to leave no enabled admin.
   */
  async update(username: string, changes: UserChanges): Promise<UserInfo> {
    return this.#driver.transaction(async (query) => {
      const [row] = await query('SELECT username, role, sites, disabled FROM users WHERE username = ?', [username]);
      if (!row) throw new HttpError(404, 'not_found', `no user ${JSON.stringify(username)}`);
      const before: UserInfo = { ...toUser(row), disabled: Number(row.disabled) !== 0 };
      const after: UserInfo = { ...before, ...changes };
      if (before.role === 'admin' && !before.disabled && (after.role !== 'admin' || after.disabled)) await this.#keepAnAdmin(query, username);
      await query('UPDATE users SET role = ?, sites = ?, disabled = ? WHERE username = ?', [after.role, JSON.stringify(after.sites), after.disabled ? 1 : 0, username]);
      if (after.disabled && !before.disabled) await query('DELETE FROM sessions WHERE username = ?', [username]);
      return after;
    });
  }

  /** 409 unless an enabled admin other than `username` remains. */
  async #keepAnAdmin(query: Query, username: string): Promise<void> {
    // Lock the enabled admins' rows (a no-op UPDATE, portable) so two processes demoting the
    // last two admins at once count one after the other instead of both seeing the other remain.
    await query("UPDATE users SET role = role WHERE role = 'admin' AND disabled = 0");
    const [other] = await query("SELECT COUNT(*) AS count FROM users WHERE role = 'admin' AND disabled = 0 AND username <> ?", [username]);
    if (Number(other?.count ?? 0) === 0) throw new HttpError(409, 'conflict', `${JSON.stringify(username)} is the last enabled admin: make another admin first`);
  }

  /**
   * Sets a new password (400 when too weak, 404 when the user is unknown) and ends the user's
   * sessions except `keepToken`'s (the one changing its own password stays signed in).
   */
  async setPassword(username: string, password: string, keepToken?: string): Promise<void> {
    checkPasswordPolicy(password, username);
    const hash = await hashPassword(password);
    await this.#driver.transaction(async (query) => {
      const [row] = await query('SELECT username FROM users WHERE username = ?', [username]);
      if (!row) throw new HttpError(404, 'not_found', `no user ${JSON.stringify(username)}`);
      await query('UPDATE users SET password_hash = ? WHERE username = ?', [hash, username]);
      await query('DELETE FROM sessions WHERE username = ? AND token_hash <> ?', [username, keepToken === undefined ? '' : tokenHash(keepToken)]);
    });
  }

  /** Ends every session of `username` (404 when unknown); how many there were. */
  async endSessions(username: string): Promise<number> {
    return this.#driver.transaction(async (query) => {
      const [row] = await query('SELECT username FROM users WHERE username = ?', [username]);
      if (!row) throw new HttpError(404, 'not_found', `no user ${JSON.stringify(username)}`);
      const [counted] = await query('SELECT COUNT(*) AS count FROM sessions WHERE username = ?', [username]);
      await query('DELETE FROM sessions WHERE username = ?', [username]);
      return Number(counted?.count ?? 0);
    });
  }

  /**
   * Ends every session of every user except `keepToken`'s (the admin who asks stays signed in:
   * signing themselves out too would only make them sign in again); how many ended.
   */
  async endAllSessions(keepToken?: string): Promise<number> {
    return this.#driver.transaction(async (query) => {
      const keep = keepToken === undefined ? '' : tokenHash(keepToken);
      const [counted] = await query('SELECT COUNT(*) AS count FROM sessions WHERE token_hash <> ?', [keep]);
      await query('DELETE FROM sessions WHERE token_hash <> ?', [keep]);
      return Number(counted?.count ?? 0);
    });
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

  /** The user of a live session (as the user is now: role and sites read each time), or undefined. */
  async session(token: string, now = Date.now()): Promise<User | undefined> {
    // disabled = 0 too: disabling ends the sessions, and this keeps it so if one is started
    // concurrently by another process.
    const [row] = await this.#driver.transaction((query) =>
      query('SELECT u.username, u.role, u.sites FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0', [tokenHash(token), now]),
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
        'SELECT u.username, u.role, u.sites, s.expires_at FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0',
        [tokenHash(token), now],
      );
      return row ? { user: toUser(row), expires_at: Number(row.expires_at) } : undefined;
    });
  }

  async endSession(token: string): Promise<void> {
    await this.#driver.transaction((query) => query('DELETE FROM sessions WHERE token_hash = ?', [tokenHash(token)]));
  }
}
