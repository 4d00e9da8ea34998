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
  /** Creates a user through the API as admin (password `<username>-password`) and signs them in. */
  addUser(adminToken: string, username: string, role: 'admin' | 'engineer' | 'technician', sites?: readonly string[]): Promise<string>;
  /** Stops the server; `keepData` leaves the folder for a restart on the same data. */
  stop(keepData?: boolean): Promise<void>;
}

export async function startTestServer(env: NodeJS.ProcessEnv = {}, dataDir = makeTempDir('fieldline-server-')): Promise<TestServer> {
  // No simulated fleet unless a test asks for it (DEMO=1): it would fill every test's database; and
  // no years of hourly history before it unless the test asks for them (DEMO_YEARS).
  const config = loadConfig({ PORT: '0', FORWARD_PORT: '0', MQTT_PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: `${dataDir}/no-client`, ADMIN_PASSWORD, DEMO: '0', DEMO_YEARS: '0', ...env }, projectRoot);
  const server = await startServer(config, { logLevel: 'silent' });
  const testServer: TestServer = {
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
    async addUser(adminToken, username, role, sites = []) {
      const response = await fetch(`${server.url}/api/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: `${username}-password`, role, sites }),
      });
      if (response.status !== 201) throw new Error(`creating ${username} failed: ${response.status} ${await response.text()}`);
      return testServer.login(username, `${username}-password`);
    },
    async stop(keepData = false) {
      await server.close();
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testServer;
}

/**
 * Calls the API as one of the signed-in users named in `tokens` (undefined: anonymous). Bodies:
 * a Uint8Array goes as octet-stream, a string as is, anything else as JSON.
 */
export function apiCaller(test: () => TestServer, tokens: Record<string, string | undefined>) {
  return (who: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> => {
    const token = tokens[who];
    const binary = body instanceof Uint8Array;
    const all: Record<string, string> = { ...headers };
    if (token) all.authorization = `Bearer ${token}`;
    if (body !== undefined && typeof body !== 'string' && !all['content-type']) all['content-type'] = binary ? 'application/octet-stream' : 'application/json';
    return fetch(`${test().server.url}${path}`, {
      method,
      headers: all,
      ...(body === undefined ? {} : { body: binary ? (body as Uint8Array<ArrayBuffer>) : typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  };
}
