/**
 * Slows password guessing, in the database (table sign_in_failures) so every server process
 * shares the counts and a restart forgives nothing. Two counters per attempt:
 *
 * - per client address (request.ip: the socket's, or the client's behind a TRUST_PROXY proxy;
 *   IPv6 by /64, which one subscriber gets whole): 10 failures, then 15 minutes off, then one more
 *   try per 15 minutes while the failures go on. Stops one machine trying many names.
 * - per username, whatever the address: 10 failures, then a lock of 1 minute doubling with each
 *   further failure up to 1 hour. Stops a botnet guessing one account from many addresses. The
 *   lock only ever slows: it never lasts beyond an hour, and the right password after it signs in
 *   (and forgets the failures), so an attacker can make the admin wait but not shut them out
 *   for good; at worst the real admin waits out one lock.
 *
 * Only failures count, but each attempt is booked as a failure BEFORE the password is checked and
 * taken back when it was right: a burst of parallel guesses otherwise all pass the check while
 * the first one is still hashing. A quiet window (15 minutes) after the last failure or the end
 * of a lock forgets a counter.
 */
import type { Query, Row, SqlDriver } from '../store/sql/driver';

export interface ThrottleRule {
  /** Failures after which the key is locked. */
  limit: number;
  /** Quiet time after which a counter is forgotten. */
  windowMs: number;
  /** How long the lock lasts after failure number `limit + over`. */
  lockMs(over: number): number;
}

const MINUTE = 60_000;

export const addressRule: ThrottleRule = { limit: 10, windowMs: 15 * MINUTE, lockMs: () => 15 * MINUTE };
export const accountRule: ThrottleRule = { limit: 10, windowMs: 15 * MINUTE, lockMs: (over) => Math.min(60 * MINUTE, MINUTE * 2 ** Math.min(over, 30)) };

type Scope = 'ip' | 'account';

interface Counter {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
  forgetAt: number;
}

const empty: Counter = { failures: 0, lastFailureAt: 0, lockedUntil: 0, forgetAt: 0 };

/** The counter after one more failure at `now`. */
export function afterFailure(counter: Counter, rule: ThrottleRule, now: number): Counter {
  const failures = now >= counter.forgetAt ? 1 : counter.failures + 1;
  const lockedUntil = failures >= rule.limit ? now + rule.lockMs(failures - rule.limit) : 0;
  return { failures, lastFailureAt: now, lockedUntil, forgetAt: Math.max(now, lockedUntil) + rule.windowMs };
}

/** A booked attempt, to settle with succeeded() when the password was right. */
export interface Attempt {
  readonly address: string;
  readonly username: string;
  /** The address counter before and after this attempt was booked. */
  readonly addressBefore: Counter;
  readonly addressAfter: Counter;
}

export type AttemptResult = { attempt: Attempt; retryAfterMs?: undefined } | { attempt?: undefined; retryAfterMs: number; reason: 'address' | 'account' };

/**
 * The key for a client address: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64
 * (a home or cloud customer gets a whole /64, so single addresses would not slow anyone).
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = ip.includes('::') ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function toCounter(row: Row | undefined): Counter {
  if (!row) return empty;
  return { failures: Number(row.failures), lastFailureAt: Number(row.last_failure_at), lockedUntil: Number(row.locked_until), forgetAt: Number(row.forget_at) };
}

/** Reads a counter with its row locked until the transaction ends (PostgreSQL; SQLite is serial anyway). */
async function lockCounter(query: Query, scope: Scope, key: string): Promise<Counter> {
  await query('INSERT INTO sign_in_failures (scope, key, failures, last_failure_at, locked_until, forget_at) VALUES (?, ?, 0, 0, 0, 0) ON CONFLICT (scope, key) DO NOTHING', [scope, key]);
  // A no-op UPDATE takes the row lock portably (no SELECT … FOR UPDATE in SQLite), so two
  // processes booking the same key count one after the other.
  await query('UPDATE sign_in_failures SET failures = failures WHERE scope = ? AND key = ?', [scope, key]);
  const [row] = await query('SELECT failures, last_failure_at, locked_until, forget_at FROM sign_in_failures WHERE scope = ? AND key = ?', [scope, key]);
  return toCounter(row);
}

async function writeCounter(query: Query, scope: Scope, key: string, counter: Counter): Promise<void> {
  await query('UPDATE sign_in_failures SET failures = ?, last_failure_at = ?, locked_until = ?, forget_at = ? WHERE scope = ? AND key = ?', [
    counter.failures,
    counter.lastFailureAt,
    counter.lockedUntil,
    counter.forgetAt,
    scope,
    key,
  ]);
}

export class LoginThrottle {
  readonly #driver: SqlDriver;
  readonly #now: () => number;
  readonly #address: ThrottleRule;
  readonly #account: ThrottleRule;

  constructor(driver: SqlDriver, options: { now?: () => number; address?: ThrottleRule; account?: ThrottleRule } = {}) {
    this.#driver = driver;
    this.#now = options.now ?? Date.now;
    this.#address = options.address ?? addressRule;
    this.#account = options.account ?? accountRule;
  }

  /**
   * Books a password attempt for `username` from `ip` as a failure, or refuses it (with how long
   * to wait) when either counter is locked. Call succeeded() when the password turns out right.
   */
  async begin(ip: string, username: string): Promise<AttemptResult> {
    const now = this.#now();
    const address = addressKey(ip);
    return this.#driver.transaction(async (query) => {
      // Counters nobody has failed on for a window are forgotten, so the table stays as small as
      // the current guessing; the index makes this one range delete.
      await query('DELETE FROM sign_in_failures WHERE forget_at <= ?', [now]);
      // Always account before address: one lock order in every process, so no deadlock.
      const account = await lockCounter(query, 'account', username);
      const byAddress = await lockCounter(query, 'ip', address);
      if (byAddress.lockedUntil > now) return { retryAfterMs: byAddress.lockedUntil - now, reason: 'address' as const };
      if (account.lockedUntil > now) return { retryAfterMs: account.lockedUntil - now, reason: 'account' as const };
      const addressAfter = afterFailure(byAddress, this.#address, now);
      await writeCounter(query, 'account', username, afterFailure(account, this.#account, now));
      await writeCounter(query, 'ip', address, addressAfter);
      return { attempt: { address, username, addressBefore: byAddress, addressAfter } };
    });
  }

  /**
   * The password was right: the username's failures are forgotten, and the address's booked
   * failure is taken back (restored exactly unless another failure came in meanwhile, then just
   * one fewer).
   */
  async succeeded(attempt: Attempt): Promise<void> {
    await this.#driver.transaction(async (query) => {
      await query("DELETE FROM sign_in_failures WHERE scope = 'account' AND key = ?", [attempt.username]);
      const now = await lockCounter(query, 'ip', attempt.address);
      const untouched = now.failures === attempt.addressAfter.failures && now.lastFailureAt === attempt.addressAfter.lastFailureAt;
      if (untouched) await writeCounter(query, 'ip', attempt.address, attempt.addressBefore);
      else await writeCounter(query, 'ip', attempt.address, { ...now, failures: Math.max(0, now.failures - 1), lockedUntil: now.failures - 1 >= this.#address.limit ? now.lockedUntil : 0 });
    });
  }

  /** Forgets a username's failures (an admin reset its password). */
  async forgetAccount(username: string): Promise<void> {
    await this.#driver.transaction((query) => query("DELETE FROM sign_in_failures WHERE scope = 'account' AND key = ?", [username]));
  }
}
