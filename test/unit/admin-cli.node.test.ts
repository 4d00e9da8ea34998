// `npm run admin -- <command>` as a child process against a real data folder (SQLite, with the
// server running on it) and a throwaway PostgreSQL; and the warning a restart gives when
// ADMIN_PASSWORD no longer matches the admin account (main.ts as a child process).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_MISSING, ADMIN_PASSWORD_DIFFERS, ensureAdmin } from '../../src/server/auth/admin-bootstrap';
import { PostgresStore, SqliteStore, projectRoot } from '../../src/server';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

const tsx = ['--import', 'tsx'];
const cli = path.join(projectRoot, 'src/server/cli/admin.ts');

/** Runs a node child (tsx) to its end, with `input` on stdin (closed at once when absent). */
function run(args: readonly string[], env: NodeJS.ProcessEnv, input?: string, command = process.execPath): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

const admin = (args: readonly string[], env: NodeJS.ProcessEnv, input?: string) => run([...tsx, cli, ...args], env, input);

const NEW_PASSWORD = 'a brand new admin passphrase';

describe('the admin CLI on SQLite, beside the running server', () => {
  let test: TestServer;
  let env: NodeJS.ProcessEnv;
  const signIn = (username: string, password: string) =>
    fetch(`${test.server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const session = (token: string) => fetch(`${test.server.url}/api/session`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    test = await startTestServer();
    env = { DATA_DIR: test.dataDir };
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('resets the admin password from ADMIN_PASSWORD: sessions end, the new one signs in, the old one no longer', async () => {
    const before = await test.login('admin', ADMIN_PASSWORD);
    const ran = await admin(['reset-password'], { ...env, ADMIN_PASSWORD: NEW_PASSWORD });
    expect(ran.stderr).toBe('');
    expect(ran).toMatchObject({ status: 0, stdout: expect.stringContaining('The password of "admin" is reset') });
    expect((await session(before)).status).toBe(401);
    expect((await signIn('admin', ADMIN_PASSWORD)).status).toBe(401);
    expect((await signIn('admin', NEW_PASSWORD)).status).toBe(200);
  }, 60_000);

  it('refuses a password the policy refuses, an unknown user, and no password at all, changing nothing', async () => {
    const weak = await admin(['reset-password'], { ...env, ADMIN_PASSWORD: 'short' });
    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    const nobody = await admin(['reset-password', '--user', 'nobody'], { ...env, ADMIN_PASSWORD: NEW_PASSWORD });
    expect(nobody).toMatchObject({ status: 1, stderr: expect.stringContaining('no user "nobody"') });
    const none = await admin(['reset-password'], env);
    expect(none).toMatchObject({ status: 1, stderr: expect.stringContaining('no password given') });
    expect((await signIn('admin', NEW_PASSWORD)).status).toBe(200);
  }, 60_000);

  it('creates users (password from stdin, or generated and printed once) and lists them', async () => {
    const made = await admin(['create-user', '--user', 'eve', '--role', 'engineer', '--password-stdin'], env, 'engineers passphrase 7\n');
    expect(made).toMatchObject({ status: 0, stdout: expect.stringContaining('Created engineer "eve"') });
    expect((await signIn('eve', 'engineers passphrase 7')).status).toBe(200);
    const generated = await admin(['create-user', '--user', 'tom', '--role', 'technician', '--sites', 'site/north,site/south'], env);
    expect(generated.status).toBe(0);
    const password = /Password \(shown once\): (\S+)/.exec(generated.stdout)?.[1];
    expect(password).toBeDefined();
    const tom = await signIn('tom', password!);
    expect(tom.status).toBe(200);
    expect(((await tom.json()) as { user: unknown }).user).toEqual({ username: 'tom', role: 'technician', sites: ['site/north', 'site/south'] });
    const listed = await admin(['list-users', '--json'], env);
    expect(JSON.parse(listed.stdout)).toEqual([
      { username: 'admin', role: 'admin', sites: [], disabled: false },
      { username: 'eve', role: 'engineer', sites: [], disabled: false },
      { username: 'tom', role: 'technician', sites: ['site/north', 'site/south'], disabled: false },
    ]);
    const table = await admin(['list-users'], env);
    expect(table.stdout.split('\n')[3]).toMatch(/^tom\s+technician\s+enabled\s+site\/north,site\/south$/);
    const taken = await admin(['create-user', '--user', 'eve', '--role', 'engineer'], env);
    expect(taken).toMatchObject({ status: 1, stderr: expect.stringContaining('user "eve" exists') });
  }, 120_000);

  it("resets another user's password from stdin", async () => {
    const ran = await admin(['reset-password', '--user', 'eve', '--password-stdin'], env, 'another engineers phrase');
    expect(ran.status).toBe(0);
    expect((await signIn('eve', 'another engineers phrase')).status).toBe(200);
  }, 60_000);

  it('answers wrong usage with status 2 and the usage', async () => {
    for (const args of [[], ['frobnicate'], ['create-user', '--user', 'x', '--role', 'wizard'], ['list-users', '--colour']]) {
      const ran = await admin(args, env);
      expect(ran.status, args.join(' ')).toBe(2);
      expect(ran.stderr).toContain('usage: npm run admin');
    }
  }, 60_000);

  it('runs as `npm run admin`', async () => {
    const ran = await run(['run', '--silent', 'admin', '--', 'list-users'], env, undefined, 'npm');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toMatch(/^USER\s+ROLE/);
  }, 60_000);
});

describe('the admin CLI on PostgreSQL (DATABASE_URL)', () => {
  let postgres: Postgres;
  let test: TestServer;
  beforeAll(async () => {
    postgres = await startPostgres();
    test = await startTestServer({ DATABASE_URL: postgres.url });
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
    postgres?.stop();
  });

  it('resets the admin password and lists users there', async () => {
    const env = { DATABASE_URL: postgres.url };
    expect((await admin(['reset-password'], { ...env, ADMIN_PASSWORD: NEW_PASSWORD })).status).toBe(0);
    const signIn = await fetch(`${test.server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: NEW_PASSWORD }) });
    expect(signIn.status).toBe(200);
    expect(JSON.parse((await admin(['list-users', '--json'], env)).stdout)).toEqual([{ username: 'admin', role: 'admin', sites: [], disabled: false }]);
  }, 60_000);
});

describe('a restart with another ADMIN_PASSWORD', () => {
  let dataDir: string;
  beforeAll(async () => {
    const test = await startTestServer();
    dataDir = test.dataDir;
    await test.stop(true);
  }, 60_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** Starts main.ts, waits for its "listening" line, stops it; everything it logged. */
  async function start(env: NodeJS.ProcessEnv): Promise<string> {
    const child = spawn(process.execPath, [...tsx, path.join(projectRoot, 'src/server/main.ts')], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, CLIENT_DIR: path.join(dataDir, 'no-client'), PORT: '0', FORWARD_PORT: '0', DEMO: '0', JOB_THREADS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
      const take = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Fieldline \S+ on http/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('close', () => reject(new Error(`exited before listening:\n${output}`)));
    });
    child.kill('SIGTERM');
    await exited;
    return output;
  }

  it('warns at start that it was NOT applied and how to reset it; the password stays', async () => {
    const output = await start({ ADMIN_PASSWORD: NEW_PASSWORD });
    expect(output).toContain(ADMIN_PASSWORD_DIFFERS);
    // Nothing changed: the CLI, not the environment, resets it.
    const listed = await admin(['list-users', '--json'], { DATA_DIR: dataDir });
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
  }, 90_000);

  it('says nothing when it matches, or is not set', async () => {
    for (const env of [{ ADMIN_PASSWORD }, {}]) {
      const output = await start(env);
      expect(output).not.toContain('ADMIN_PASSWORD is set');
    }
  }, 120_000);

  it('several processes starting together on one database make one admin, and none fails', async () => {
    // On PostgreSQL (SQLite connections of one process would wait for each other synchronously).
    const postgres = await startPostgres();
    const stores = [await PostgresStore.open(postgres.url, { schema: 'race' }), await PostgresStore.open(postgres.url, { schema: 'race' }), await PostgresStore.open(postgres.url, { schema: 'race' })];
    try {
      // Each sees no users yet and creates admin (hashing the password first, so all of them are
      // past the count when the first inserts): one INSERT wins, the others find it and check it.
      const outcomes = await Promise.all(stores.map((store) => ensureAdmin(store.accounts, ADMIN_PASSWORD)));
      expect(outcomes).toEqual([undefined, undefined, undefined]);
      expect(await stores[0]!.accounts.count()).toBe(1);
      await expect(stores[1]!.accounts.create({ username: 'admin', role: 'admin', sites: [] }, ADMIN_PASSWORD)).rejects.toMatchObject({ status: 409 });
    } finally {
      for (const store of stores) await store.close();
      postgres.stop();
    }
  }, 60_000);

  it('says so when users exist and none is called admin', async () => {
    const store = await SqliteStore.open(makeTempDir('fieldline-no-admin-'));
    try {
      await store.accounts.create({ username: 'root', role: 'admin', sites: [] }, ADMIN_PASSWORD);
      expect(await ensureAdmin(store.accounts, ADMIN_PASSWORD)).toBe(ADMIN_MISSING);
      expect(await ensureAdmin(store.accounts, undefined)).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 30_000);
});
