/**
 * A real companion server for the browser tests (Vitest's browser project): a Vite plugin that,
 * on the first request under `/fieldline-test-server/`, starts `src/server/main.ts` in a child
 * process (temporary DATA_DIR, free port, no fleet, admin password BROWSER_TEST_ADMIN_PASSWORD —
 * test/browser/support/test-server.ts says it to the page) and forwards that prefix to it, prefix
 * removed. The page reaches the server on its own origin, so no CORS is involved; tests sign in
 * with bearer tokens (the CSRF check is for cookies). A prefix of its own, not `/api`: other
 * browser tests rely on `/api` not answering (offline, signed out). Nothing starts unless a test
 * asks, and the server stops with Vite's.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Plugin } from 'vite';
import { makeTempDir } from './temp-dir.ts';

/** The path prefix the page calls the test server under. */
export const BROWSER_TEST_SERVER_PREFIX = '/fieldline-test-server';
/** The admin's password on that server (the same string is in test/browser/support/test-server.ts). */
export const BROWSER_TEST_ADMIN_PASSWORD = 'browser tests admin password';

const root = path.resolve(import.meta.dirname, '..', '..');

interface Running {
  port: number;
  child: ChildProcess;
  dataDir: string;
}

function launch(): Promise<Running> {
  const dataDir = makeTempDir('fieldline-browser-server-');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', FORWARD_PORT: '0', DATA_DIR: path.join(dataDir, 'data'), CLIENT_DIR: path.join(dataDir, 'no-client'), ADMIN_PASSWORD: BROWSER_TEST_ADMIN_PASSWORD, DEMO: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Should Vitest end without closing Vite's server, the child does not outlive it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  let log = '';
  return new Promise<Running>((resolve, reject) => {
    // A bound for a server that never starts (not a timing): a busy 2-core machine is slow to boot tsx.
    const timer = setTimeout(() => reject(new Error(`the browser tests' server did not start within 60 s:\n${log}`)), 60_000);
    child.stdout!.on('data', (data: Buffer) => {
      log += data.toString();
      const match = / on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), child, dataDir });
      }
    });
    child.stderr!.on('data', (data: Buffer) => (log += data.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the browser tests' server exited with ${code}:\n${log}`));
    });
  });
}

/** The Vite plugin (see the module comment). */
export function browserTestServer(): Plugin {
  let running: Promise<Running> | undefined;
  const stop = async () => {
    const server = await running?.catch(() => undefined);
    running = undefined;
    if (!server) return;
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  };
  return {
    name: 'fieldline-browser-test-server',
    configureServer(vite) {
      vite.httpServer?.once('close', () => void stop());
      vite.middlewares.use(BROWSER_TEST_SERVER_PREFIX, (request, response) => {
        running ??= launch();
        running.then(
          ({ port }) => {
            const headers = { ...request.headers, host: `127.0.0.1:${port}` };
            const forwarded = http.request({ host: '127.0.0.1', port, method: request.method, path: request.url || '/', headers }, (answer) => {
              response.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(response);
            });
            forwarded.on('error', (error) => {
              response.statusCode = 502;
              response.end(JSON.stringify({ error: 'unavailable', detail: error.message }));
            });
            request.pipe(forwarded);
          },
          (error: unknown) => {
            response.statusCode = 503;
            response.end(JSON.stringify({ error: 'unavailable', detail: String(error) }));
          },
        );
      });
    },
  };
}
