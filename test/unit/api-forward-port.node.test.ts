// GET /api tells the app the port of the fluentd forward protocol: the Sources view's `<match>`
// block showed 24224 whatever FORWARD_PORT said.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;

beforeAll(async () => {
  // FORWARD_PORT=0: the system picks a free port, so it is not 24224.
  test = await startTestServer();
});

afterAll(async () => {
  await test.stop();
});

it('Sources <match> block showed port 24224 when FORWARD_PORT is another: GET /api says the real port', async () => {
  const port = test.server.forwardPort;
  expect(port).toBeGreaterThan(0);
  expect(port).not.toBe(24224);
  const response = await fetch(`${test.server.url}/api`, { headers: { accept: 'application/json' } });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { forward_port?: unknown }).forward_port).toBe(port);
});
