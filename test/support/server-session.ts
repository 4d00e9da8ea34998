/** Starts an in-process companion server on a temp data folder and signs in (tests only). */
import fs from 'node:fs';
import { loadConfig, projectRoot, startServer, type RunningServer } from '../../src/server';
import { makeTempDir } from './temp-dir';

export const ADMIN_PASSWORD = 'correct horse battery';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  /** Signs in and returns the bearer token. */
  login(username: string, password: string): Promise<string>;
  /** Stops the server; `keepData` leaves the folder for a restart on the same data. */
  stop(keepData?: boolean): Promise<void>;
}

export async function startTestServer(env: NodeJS.ProcessEnv = {}, dataDir = makeTempDir('fieldline-server-')): Promise<TestServer> {
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: `${dataDir}/no-client`, ADMIN_PASSWORD, ...env }, projectRoot);
  const server = await startServer(config, { logLevel: 'silent' });
  return {
    server,
    dataDir,
    async login(username, password) {
      const response = await fetch(`${server.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    },
    async stop(keepData = false) {
      await server.close();
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
