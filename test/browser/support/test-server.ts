/**
 * The real companion server of the browser tests, as the page reaches it: under a prefix of the
 * test page's own origin (test/support/browser-test-server.ts starts it and forwards; the two
 * strings below are the same there). Sign in with `login` and call it with bearer tokens.
 */
export const TEST_SERVER_URL = `${location.origin}/fieldline-test-server`;
export const TEST_SERVER_ADMIN_PASSWORD = 'browser tests admin password';

/** Calls the test server's API as the holder of `token` (JSON in and out); resolves the response. */
export function serverCall(token: string | undefined, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${TEST_SERVER_URL}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** Signs in and resolves the bearer token (throws with the server's answer when it fails). */
export async function login(username: string, password: string): Promise<string> {
  const response = await serverCall(undefined, 'POST', '/api/session', { username, password });
  if (!response.ok) throw new Error(`signing in ${username} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Like serverCall, but throws unless the status is `status`; resolves the JSON body (if any). */
export async function serverExpect<T = unknown>(status: number, token: string | undefined, method: string, path: string, body?: unknown): Promise<T> {
  const response = await serverCall(token, method, path, body);
  const text = await response.text();
  if (response.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
