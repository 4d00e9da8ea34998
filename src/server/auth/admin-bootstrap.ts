/**
 * The `admin` account at start. First start (no users): created with ADMIN_PASSWORD, or with a
 * generated password printed once. Later starts never change it: ADMIN_PASSWORD only seeds the
 * first start. When it is set and no longer matches, the server says so (a warning at start)
 * instead of ignoring it silently, and points at the way to reset it on purpose
 * (`npm run admin -- reset-password`).
 *
 * Why not reset it to ADMIN_PASSWORD: the environment is seen by more people and tools than the
 * admin account (compose files, CI variables, process listings, a host's orchestration), so
 * making it authoritative would let whoever can edit it take the account over silently, at the
 * next restart, with no trace in the app; and a stale value left in a compose file would undo, at
 * every restart, a password the admin changed in the app. The CLI needs a shell on the server
 * with access to its data (DATA_DIR or DATABASE_URL), and it says what it did.
 */
import { randomBytes } from 'node:crypto';
import type { Accounts } from './accounts';
import { HttpError } from '../errors';
import { passwordProblem } from './password-policy';

/** What to log when ADMIN_PASSWORD is set but the stored admin account does not have it. */
export const ADMIN_PASSWORD_DIFFERS =
  'ADMIN_PASSWORD is set but the admin account already exists with another password; it was NOT changed. Reset it with `npm run admin -- reset-password`';

/** What to log when ADMIN_PASSWORD is set, users exist, and none is called admin. */
export const ADMIN_MISSING =
  'ADMIN_PASSWORD is set but users exist and none is called "admin"; it was NOT used. Create one with `npm run admin -- create-user --user admin --role admin`';

/**
 * Creates `admin` on a first start; on later ones, checks ADMIN_PASSWORD (when set) against the
 * account. Resolves with a warning to log, or undefined.
 */
export async function ensureAdmin(accounts: Accounts, password: string | undefined): Promise<string | undefined> {
  if ((await accounts.count()) > 0) return checkAdmin(accounts, password);
  // 16 random base64url characters: well past the password policy.
  const chosen = password ?? randomBytes(12).toString('base64url');
  // loadConfig checks ADMIN_PASSWORD already; a config built another way gets the same rule here,
  // named after the variable rather than a bare 400.
  const problem = passwordProblem(chosen, 'admin');
  if (problem) throw new Error(`ADMIN_PASSWORD: ${problem}`);
  try {
    await accounts.create({ username: 'admin', role: 'admin', sites: [] }, chosen);
  } catch (error) {
    // Another server process sharing the database created it first (they start together).
    if (error instanceof HttpError && error.status === 409) return checkAdmin(accounts, password);
    throw error;
  }
  if (!password) {
    console.log(`\nFieldline: created user "admin" with password ${chosen}\n(shown once; set ADMIN_PASSWORD to choose it)\n`);
  }
  return undefined;
}

/** Users exist: checks ADMIN_PASSWORD (when set) against the admin account. */
async function checkAdmin(accounts: Accounts, password: string | undefined): Promise<string | undefined> {
  if (password === undefined) return undefined;
  const checked = await accounts.check('admin', password);
  if (checked) return undefined;
  const exists = (await accounts.list()).some((user) => user.username === 'admin');
  return exists ? ADMIN_PASSWORD_DIFFERS : ADMIN_MISSING;
}
