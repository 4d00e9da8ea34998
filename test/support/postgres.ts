/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder (trust auth), started on a
 * free port, stopped and deleted afterwards. No configured server needed. As root, the server
 * binaries run as the `postgres` user (initdb refuses root).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from './free-port';

export interface Postgres {
  url: string;
  /** Stops the server and deletes the cluster. */
  stop(): void;
  /**
   * Stops the server but keeps the cluster, to start it again on the same port (an outage):
   * `fast` ends sessions cleanly (clients get 57P01 admin_shutdown), `immediate` like a crash.
   */
  stopServer(mode?: 'fast' | 'immediate'): void;
  /** Starts the cluster stopped by stopServer again, on the same port; resolves once it accepts connections. */
  startServer(): void;
  /** stopServer then startServer. */
  restart(mode?: 'fast' | 'immediate'): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => fs.existsSync(path.join(root, name, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server binaries are missing: on Debian `sudo apt-get install -y postgresql` (.ci/run does this)');
  return path.join(root, newest, 'bin');
}


/** Starts a fresh cluster; call `stop()` when done. */
export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const run = (command: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { stdio: 'pipe' }) : execFileSync(path.join(bin, command), args, { stdio: 'pipe' });
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const start = () => run('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', path.join(dir, 'log'), '-w', 'start']);
  let running = false;
  const stopServer = (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    running = false;
  };
  const startServer = () => {
    if (running) return;
    start();
    running = true;
  };
  startServer();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stopServer,
    startServer,
    restart(mode) {
      stopServer(mode);
      startServer();
    },
    stop() {
      try {
        stopServer('immediate');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
