/**
 * Graceful shutdown without waiting on quiet connections. Node's `server.close()` waits for every
 * connection, and `closeIdleConnections()` (what Fastify calls) only closes those between two
 * requests: a connection that was opened and never sent a request — a browser's speculative
 * connection, a pooled socket opened for a request that was then cancelled, or a client that
 * connects and says nothing on purpose — holds the close until the headers timeout cuts it (up to
 * HTTP_HEADERS_TIMEOUT_MS plus Node's checking interval). At close, such connections are
 * destroyed; connections with a request in flight finish it, as before.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Counts requests in flight per connection of `server`; returns what destroys the quiet ones. */
export function trackQuietConnections(server: Server): { closeQuiet(): void } {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    // Arriving while the server closes (between the last check and the listener closing).
    if (closing) return void socket.destroy();
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (!inFlight.has(socket)) return;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
  });
  return {
    closeQuiet() {
      closing = true;
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
    },
  };
}
