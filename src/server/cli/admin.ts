/**
 * `npm run admin -- <command>`: user management from a shell on the server, on the database the
 * server uses (DATA_DIR's SQLite, or DATABASE_URL), with the server running or not.
 *
 *   reset-password [--user admin] [--password-stdin]
 *       sets a new password (ADMIN_PASSWORD, else read from stdin with --password-stdin, else
 *       asked twice on a terminal), checked against the password policy; ends the user's
 *       sessions and lifts a sign-in lock
 *   create-user --user NAME --role admin|engineer|technician [--sites a,b] [--password-stdin]
 *       the password read from stdin with --password-stdin, else asked on a terminal, else
 *       generated and printed once
 *   list-users [--json]
 *
 * Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 wrong usage.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { loadConfig } from '../config';
import { openStore } from '../store/open-store';
import { roles, type Role } from '../auth/accounts';
import { LoginThrottle } from '../auth/login-throttle';
import { passwordProblem } from '../auth/password-policy';
import type { Store } from '../store/store';
import { HttpError } from '../errors';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const USAGE = `usage: npm run admin -- <command>
  reset-password [--user admin] [--password-stdin]    new password from ADMIN_PASSWORD, stdin or a prompt
  create-user --user NAME --role admin|engineer|technician [--sites a,b] [--password-stdin]
  list-users [--json]
The database is the server's: DATA_DIR (SQLite) or DATABASE_URL (PostgreSQL).`;

/** A refusal the CLI reports as one line and exit status 1 (2 for usage). */
export class CliError extends Error {
  override name = 'CliError';
  readonly status: number;
  constructor(message: string, status = 1) {
    super(message);
    this.status = status;
  }
}

/** What the commands read and write besides the database: the process's, or a test's. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Parsed {
  command: string | undefined;
  flags: Map<string, string | true>;
}

const valued = new Set(['--user', '--role', '--sites']);
const switches = new Set(['--password-stdin', '--json']);

/** Parses `command --flag value --switch`; unknown or repeated flags are usage errors. */
export function parseArgs(argv: readonly string[]): Parsed {
  const flags = new Map<string, string | true>();
  let command: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (valued.has(arg)) {
      const value = argv[++index];
      if (value === undefined || value.startsWith('--')) throw new CliError(`${arg} needs a value\n${USAGE}`, 2);
      if (flags.has(arg)) throw new CliError(`${arg} given twice`, 2);
      flags.set(arg, value);
    } else if (switches.has(arg)) flags.set(arg, true);
    else if (arg.startsWith('--') || command !== undefined) throw new CliError(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`, 2);
    else command = arg;
  }
  return { command, flags };
}

/** The whole of stdin (a piped password), without its final line break; bounded at 10 kB. */
async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.length > 10_000) throw new CliError('the password on stdin is longer than 10 000 characters');
  }
  return text.replace(/\r?\n$/, '');
}

/** Asks for a password on the terminal without echoing it. */
async function prompt(io: CliIo, question: string): Promise<string> {
  const output = process.stderr;
  const lines = createInterface({ input: io.stdin, output, terminal: true });
  // Echo nothing of what is typed: readline writes through _writeToOutput.
  const muted = lines as unknown as { _writeToOutput: (text: string) => void };
  let asked = false;
  muted._writeToOutput = (text: string) => {
    if (!asked) output.write(text);
  };
  try {
    return await new Promise<string>((resolve) => {
      lines.question(question, (answer) => resolve(answer));
      asked = true;
    });
  } finally {
    output.write('\n');
    lines.close();
  }
}

/** The new password: ADMIN_PASSWORD (when allowed), stdin, or asked twice on a terminal; undefined: none of these. */
async function newPassword(io: CliIo, flags: Parsed['flags'], fromEnv: boolean): Promise<string | undefined> {
  if (fromEnv && io.env.ADMIN_PASSWORD) return io.env.ADMIN_PASSWORD;
  if (flags.has('--password-stdin')) return readStdin(io.stdin);
  if (!io.stdin.isTTY) return undefined;
  const first = await prompt(io, 'New password: ');
  const second = await prompt(io, 'Again: ');
  if (first !== second) throw new CliError('the two passwords differ; nothing was changed');
  return first;
}

function checkedPassword(password: string, username: string): string {
  const problem = passwordProblem(password, username);
  if (problem) throw new CliError(`${problem}; nothing was changed`);
  return password;
}

function username(flags: Parsed['flags'], fallback?: string): string {
  const name = flags.get('--user') ?? fallback;
  if (typeof name !== 'string') throw new CliError(`--user is required\n${USAGE}`, 2);
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new CliError(`--user ${JSON.stringify(name)}: a username has 1 to 64 letters, digits and _ . @ -`, 2);
  return name;
}

/** Tells a refusal of the account code (an HttpError: 404 no such user, 409 taken) as a CliError. */
function asCliError(error: unknown): never {
  if (error instanceof HttpError && error.status < 500) throw new CliError(`${error.message}; nothing was changed`);
  throw error;
}

async function resetPassword(store: Store, io: CliIo, flags: Parsed['flags']): Promise<void> {
  const user = username(flags, 'admin');
  if (!(await store.accounts.list()).some((account) => account.username === user)) throw new CliError(`no user ${JSON.stringify(user)}; nothing was changed`);
  const password = await newPassword(io, flags, true);
  if (password === undefined) throw new CliError('no password given: set ADMIN_PASSWORD, pipe it with --password-stdin, or run this on a terminal');
  await store.accounts.setPassword(user, checkedPassword(password, user)).catch(asCliError);
  await new LoginThrottle(store.driver).forgetAccount(user);
  io.out(`The password of ${JSON.stringify(user)} is reset; the user's sessions were ended (every device signs in again).`);
}

async function createUser(store: Store, io: CliIo, flags: Parsed['flags']): Promise<void> {
  const user = username(flags);
  const role = flags.get('--role');
  if (typeof role !== 'string' || !roles.includes(role as Role)) throw new CliError(`--role must be one of ${roles.join(', ')}\n${USAGE}`, 2);
  const sitesFlag = flags.get('--sites');
  const sites = typeof sitesFlag === 'string' ? [...new Set(sitesFlag.split(',').map((site) => site.trim()).filter(Boolean))] : [];
  const given = await newPassword(io, flags, false);
  // 16 random base64url characters: well past the password policy.
  const password = given ?? randomBytes(12).toString('base64url');
  await store.accounts.create({ username: user, role: role as Role, sites }, checkedPassword(password, user)).catch(asCliError);
  io.out(`Created ${role} ${JSON.stringify(user)}${sites.length ? ` for sites ${sites.join(', ')}` : ''}.`);
  if (given === undefined) io.out(`Password (shown once): ${password}`);
}

async function listUsers(store: Store, io: CliIo, flags: Parsed['flags']): Promise<void> {
  const users = await store.accounts.list();
  if (flags.has('--json')) {
    io.out(JSON.stringify(users));
    return;
  }
  const rows = [['USER', 'ROLE', 'STATE', 'SITES'], ...users.map((user) => [user.username, user.role, user.disabled ? 'disabled' : 'enabled', user.role === 'technician' ? user.sites.join(',') || '-' : '(all)'])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) io.out(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
}

/** Runs one command; resolves with the exit status. */
export async function runAdminCli(argv: readonly string[], io: CliIo): Promise<number> {
  let store: Store | undefined;
  try {
    const { command, flags } = parseArgs(argv);
    const commands: Record<string, (store: Store, io: CliIo, flags: Parsed['flags']) => Promise<void>> = Object.assign(Object.create(null) as object, {
      'reset-password': resetPassword,
      'create-user': createUser,
      'list-users': listUsers,
    });
    const run = command === undefined ? undefined : commands[command];
    if (!run) throw new CliError(command === undefined ? USAGE : `unknown command ${JSON.stringify(command)}\n${USAGE}`, 2);
    // ADMIN_PASSWORD is this CLI's input, checked against the user it is for, not loadConfig's rule for "admin".
    const config = loadConfig({ ...io.env, ADMIN_PASSWORD: '' }, projectRoot);
    store = await openStore(config);
    await run(store, io, flags);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`fieldline admin: ${error.message}`);
      return error.status;
    }
    io.err(`fieldline admin: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await store?.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runAdminCli(process.argv.slice(2), { env: process.env, stdin: process.stdin, out: (line) => console.log(line), err: (line) => console.error(line) }).then((status) => process.exit(status));
}
