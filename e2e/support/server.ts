/** Starts the real companion server for e2e tests: built PWA (copied), temporary DATA_DIR, free port. */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { makeTempDir } from '../../test/support/temp-dir';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface E2eServer {
  url: string;
  /** The fluentd forward protocol port. */
  forwardPort: number;
  /** The embedded MQTT broker's port. */
  mqttPort: number;
  /** The server's copy of the built client (tests may change it, e.g. to deploy a new version). */
  clientDir: string;
  stop(): Promise<void>;
  /** Kills the server process (SIGKILL, as a crash would), keeping its data and port. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (after `kill`). */
  restart(): Promise<void>;
}

/** The admin's password on the shared e2e server (global-setup.ts). */
export const E2E_ADMIN_PASSWORD = 'e2e admin password';

export async function startE2eServer(env: NodeJS.ProcessEnv = {}): Promise<E2eServer> {
  const built = path.join(root, 'dist', 'client');
  if (!fs.existsSync(path.join(built, 'index.html'))) throw new Error('e2e needs the built PWA: run `npm run build` first');
  const workDir = makeTempDir('fieldline-e2e-');
  const clientDir = path.join(workDir, 'client');
  fs.cpSync(built, clientDir, { recursive: true });
  let server: ReturnType<typeof spawn>;
  let log = '';
  let forwardPort = 0;
  let mqttPort = 0;
  const launch = (port: string) => {
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: root,
      env: { ...process.env, HOST: '127.0.0.1', PORT: port, FORWARD_PORT: '0', MQTT_PORT: '0', DATA_DIR: path.join(workDir, 'data'), CLIENT_DIR: clientDir, LOG_LEVEL: 'info', DEMO: '0', DEMO_YEARS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    log = '';
    return new Promise<string>((resolve, reject) => {
      // A bound for a server that never starts, not a timing: with DEMO=1 the fleet's first start
      // (schema, sites, sources) on a busy 2-core machine took more than 20 s.
      const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${log}`)), 60_000);
      server.stdout!.on('data', (data: Buffer) => {
        log += data.toString();
        const match = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (match?.[1]) {
          forwardPort = Number(/forward protocol on port (\d+)/.exec(log)?.[1] ?? 0);
          mqttPort = Number(/MQTT on port (\d+)/.exec(log)?.[1] ?? 0);
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      server.stderr!.on('data', (data: Buffer) => (log += data.toString()));
      server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
    });
  };
  const url = await launch('0');
  return {
    url,
    get forwardPort() {
      return forwardPort;
    },
    get mqttPort() {
      return mqttPort;
    },
    clientDir,
    async kill() {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGKILL');
        await once(server, 'exit');
      }
    },
    async restart() {
      await launch(new URL(url).port);
    },
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        await once(server, 'exit');
      }
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
