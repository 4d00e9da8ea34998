/**
 * The simulated fleet's forward protocol client against the real forward server on loopback:
 * acks awaited, a chunk without ack resent under its chunk id (stored once), the shared-key
 * handshake (FORWARD_SECURITY=1) answered and a wrong key refused; and the server's shutdown not
 * held up by an agent that hangs up at the same moment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ForwardClient, ForwardClientClosed } from '../../src/server/demo/forward-client';
import { Sources } from '../../src/server/ingest/sources';
import { startTestServer, type TestServer } from '../support/server-session';

describe('the forward protocol client of the simulated fleet', () => {
  let test: TestServer | undefined;
  afterEach(async () => {
    await test?.stop();
    test = undefined;
  });

  it('resends a chunk whose ack does not come (an unknown tag), and it is stored once when the source exists', async () => {
    test = await startTestServer();
    const retries: string[] = [];
    const client = new ForwardClient({ host: '127.0.0.1', port: test.server.forwardPort, tag: 'agent.late', ackTimeoutMs: 300, minBackoffMs: 50, maxBackoffMs: 200, onRetry: (reason) => retries.push(reason) });
    const time = Date.now() - 1000;
    const sent = client.send([
      { time, record: { temp: 21.5 } },
      { time: time + 1, record: { temp: 21.6 } },
    ]);
    // Refused (no ack) until the source is registered.
    await expect.poll(() => retries.length, { timeout: 10_000 }).toBeGreaterThan(1);
    const source = await new Sources(test.server.store.driver).create({ tag: 'agent.late' });
    await sent;
    expect(client.stats.resent).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/no ack within 300 ms/);
    expect(await new Sources(test.server.store.driver).eventsStored(source.id)).toBe(2);
    client.close();
  });

  it('answers the shared-key handshake (FORWARD_SECURITY=1); a wrong key is refused and retried, never stored', async () => {
    test = await startTestServer({ FORWARD_SECURITY: '1' });
    const registry = new Sources(test.server.store.driver);
    const source = await registry.create({ tag: 'agent.secure' });
    const good = new ForwardClient({ host: '127.0.0.1', port: test.server.forwardPort, tag: 'agent.secure', sharedKey: source.shared_key });
    await good.send([{ time: Date.now() - 1000, record: { temp: 1 } }]);
    expect(await registry.eventsStored(source.id)).toBe(1);
    good.close();
    const reasons: string[] = [];
    const bad = new ForwardClient({ host: '127.0.0.1', port: test.server.forwardPort, tag: 'agent.secure', sharedKey: 'not the key', minBackoffMs: 50, onRetry: (reason) => reasons.push(reason) });
    const refused = bad.send([{ time: Date.now() - 500, record: { temp: 2 } }]);
    await expect.poll(() => reasons.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(reasons[0]).toMatch(/refused the handshake: shared key mismatch/);
    bad.close();
    await expect(refused).rejects.toBeInstanceOf(ForwardClientClosed);
    expect(await registry.eventsStored(source.id)).toBe(1);
  });

  it('the server stops while the agents of the fleet hang up at that moment (the forward server waited for them forever)', async () => {
    test = await startTestServer({ DEMO: '1', DEMO_DAYS: '0' });
    await test.server.fleet!.start();
    await expect.poll(() => test!.server.fleet!.liveChunks, { timeout: 20_000, interval: 100 }).toBeGreaterThan(10);
    const server = test.server;
    test = undefined;
    const closed = server.close().then(() => 'closed');
    const bound = new Promise((resolve) => setTimeout(() => resolve('still open after 10 s'), 10_000));
    expect(await Promise.race([closed, bound])).toBe('closed');
  });
});
