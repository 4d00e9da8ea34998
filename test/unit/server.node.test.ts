import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isHealthReport } from '../../src/core';
import { loadConfig } from '../../src/server';
import { packageVersion, projectRoot, startServer, type RunningServer, type StartOptions } from '../../src/server/main';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/server/store/sqlite-store';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres } from '../support/postgres';

let dataDir: string;
let server: RunningServer | undefined;

/** A client folder with a minimal index.html, so deep-link fallback can be checked without a build. */
function fakeClient(dir: string): string {
  const client = path.join(dir, 'client');
  fs.mkdirSync(path.join(client, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(client, 'index.html'), '<!doctype html><title>Fieldline</title><fl-app></fl-app>');
  fs.writeFileSync(path.join(client, 'assets', 'app-1234.js'), 'console.log(1)');
  return client;
}

async function start(extraEnv: NodeJS.ProcessEnv = {}, extend?: StartOptions['extend']): Promise<RunningServer> {
  const config = loadConfig({ PORT: '0', FORWARD_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: fakeClient(dataDir), DEMO: '0', ...extraEnv }, projectRoot);
  server = await startServer(config, { logLevel: 'silent', ...(extend ? { extend } : {}) });
  return server;
}

beforeEach(() => {
  dataDir = makeTempDir();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('companion server', () => {
  it('GET /api/health reports ok, the package version and the sqlite backend', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(isHealthReport(body)).toBe(true);
    expect(body).toEqual({ ok: true, version: packageVersion(), backend: 'sqlite' });
    expect(fs.existsSync(path.join(dataDir, SQLITE_FILE_NAME))).toBe(true);
  });

  it('GET /api links to the health resource and says whether the server runs the simulated fleet', async () => {
    const { url } = await start({ DEMO: '0' });
    const body = (await (await fetch(`${url}/api`)).json()) as { links: Record<string, string>; demo: boolean };
    expect(body.links.health).toBe('/api/health');
    expect(body.demo).toBe(false);
    await server!.close();
    const withDemo = await start({ DEMO: '1', DEMO_DAYS: '0' });
    expect(((await (await fetch(`${withDemo.url}/api`)).json()) as { demo: boolean }).demo).toBe(true);
  });

  it('unknown API routes get 404 with a JSON {error, detail}', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/no-such-thing?x=1`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ error: 'not_found', detail: 'no route for GET /api/no-such-thing' });
  });

  it('deep links into the app get the shell; other misses get JSON 404', async () => {
    const { url } = await start();
    const page = await fetch(`${url}/channels/vibration-x`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<fl-app>');
    const asset = await fetch(`${url}/assets/missing.js`);
    expect(asset.status).toBe(404);
    expect(((await asset.json()) as { error: string }).error).toBe('not_found');
  });

  it('hashed assets are cached forever, the shell is always revalidated', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/assets/app-1234.js`)).headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/index.html`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('malformed JSON bodies get 400 JSON and the server keeps serving', async () => {
    const { url, app } = await start();
    app.log.level = 'silent';
    for (const body of ['{"unterminated', 'not json at all', '']) {
      const response = await fetch(`${url}/api/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(response.status).toBe(400);
      const error = (await response.json()) as { error: string; detail: string };
      expect(error.error).toBe('bad_request');
      expect(error.detail.length).toBeGreaterThan(0);
    }
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('a failing route answers 500 without leaking the stack, and the server keeps serving', async () => {
    const { url } = await start({}, (app) => {
      app.get('/api/boom', async () => {
        throw new Error('secret internals at /srv/db.ts:42');
      });
    });
    const response = await fetch(`${url}/api/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal', detail: 'internal server error' });
    expect(text).not.toContain('secret');
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('closing lets an in-flight request finish, then closes the database', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const arrived = new Promise<void>((resolve) => (entered = resolve));
    const running = await start({}, (app) => {
      app.get('/api/slow', async () => {
        entered();
        await gate;
        return { done: true };
      });
    });
    const inFlight = fetch(`${running.url}/api/slow`);
    await arrived;
    let closedYet = false;
    const closed = running.close().then(() => {
      closedYet = true;
    });
    // Closing has begun once the listener stops accepting; the request in hand keeps it open.
    await vi.waitFor(() => expect(running.app.server.listening).toBe(false));
    expect(closedYet).toBe(false);
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closed;
    await expect(running.store.ping()).rejects.toThrow(/not open/);
    server = undefined;
  });


  it('closing does not wait on a connection that never sent a request (it held the close until the headers timeout)', async () => {
    // A headers timeout far past the bound below: only the close itself can end the silent socket.
    const running = await start({ HTTP_HEADERS_TIMEOUT_MS: '120000', HTTP_REQUEST_TIMEOUT_MS: '300000' });
    const port = (running.app.server.address() as { port: number }).port;
    const silent = net.connect(port, '127.0.0.1');
    await once(silent, 'connect');
    // The server has the connection before the close begins (a request on another socket comes after it).
    expect((await fetch(`${running.url}/api/health`)).status).toBe(200);
    const outcome = await Promise.race([running.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 20_000))]);
    expect(outcome).toBe('closed');
    await once(silent, 'close');
    server = undefined;
  }, 30_000);
  it('runs on PostgreSQL when DATABASE_URL is set', async () => {
    const postgres = await startPostgres();
    try {
      const { url } = await start({ DATABASE_URL: postgres.url });
      expect(await (await fetch(`${url}/api/health`)).json()).toEqual({ ok: true, version: packageVersion(), backend: 'postgres' });
      await server!.close();
      server = undefined;
    } finally {
      postgres.stop();
    }
  });

  it('a DATABASE_URL that cannot be reached stops the start with the reason', async () => {
    await expect(start({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED|connect/);
  });

  it('migrations run once: reopening keeps the data and the schema version', async () => {
    const first = await SqliteStore.open(dataDir);
    const version = await first.schemaVersion();
    await first.close();
    const second = await SqliteStore.open(dataDir);
    expect(await second.schemaVersion()).toBe(version);
    await second.close();
    expect(version).toBeGreaterThan(0);
  });
});

describe('server process', () => {
  it('stops cleanly on SIGTERM: exit code 0 and the SQLite WAL checkpointed away', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: projectRoot,
      env: { ...process.env, PORT: '0', FORWARD_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', CLIENT_DIR: path.join(dataDir, 'none'), DEMO: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        const match = /on (http:\/\/[\d.:]+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on('data', (data: Buffer) => (output += data.toString()));
      child.once('exit', () => reject(new Error(`server exited early:\n${output}`)));
    });
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect(fs.existsSync(path.join(dataDir, `${SQLITE_FILE_NAME}-wal`))).toBe(true);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    // better-sqlite3 removes the WAL file only when the database was closed properly.
    expect(fs.existsSync(path.join(dataDir, `${SQLITE_FILE_NAME}-wal`))).toBe(false);
  });
});
