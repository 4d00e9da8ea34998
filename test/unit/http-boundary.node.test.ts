// The HTTP boundary: bodies refused before they are read (no session, no write access, no source
// token), the shared memory budget of large bodies, event limits applied while decoding, request
// timeouts against trickling clients, how attachments are served, and cross-site request checks
// on cookie sessions. Real server on 127.0.0.1, raw sockets where fetch would hide the timing.
import net from 'node:net';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, projectRoot } from '../../src/server';
import { MAX_EVENTS, countCsvRows, parseCsv, parseJsonLines, parseMsgpack } from '../../src/server/ingest/parse';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

/** A raw HTTP/1.1 connection: what the server sent back, and whether it closed the connection. */
interface RawConnection {
  socket: net.Socket;
  received(): string;
  closed(): boolean;
  /** Bytes this side managed to write before the server closed. */
  written(): number;
}

function connect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(connection));
    let text = '';
    let closed = false;
    let written = 0;
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined); // a reset after the server closed is expected here
    const write = socket.write.bind(socket);
    socket.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const connection: RawConnection = { socket, received: () => text, closed: () => closed, written: () => written };
    socket.once('error', reject);
  });
}

/** Sends `head` (request line + headers) and then body bytes of `total` as fast as the socket takes them, until the server closes. */
async function pushBody(connection: RawConnection, head: string, total: number): Promise<void> {
  connection.socket.write(head);
  const piece = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < total && !connection.closed() && !connection.socket.destroyed; sent += piece.length) {
    if (!connection.socket.write(piece)) await new Promise((resolve) => connection.socket.once('drain', resolve).once('close', resolve));
  }
}

const MiB = 1024 * 1024;

describe('bodies are refused before they are read', () => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  let source: { tag: string; token: string };

  beforeAll(async () => {
    test = await startTestServer();
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    expect((await call('admin', 'PUT', '/api/docs/inspection-08', { type: 'inspection', site: 'site/T08' })).status).toBe(200);
    source = (await (await call('admin', 'POST', '/api/sources', { tag: 'boundary.t07', site: 'site/T07' })).json()) as typeof source;
  });

  afterAll(async () => {
    await test.stop();
  });

  // 200 MiB announced, and the client goes on sending: the answer must come after the headers
  // (the old server read the whole body into a Buffer first, then said 401) and the server must
  // close the connection instead of draining the rest.
  it.each([
    ['an anonymous attachment PUT', () => 'PUT /api/docs/inspection-08/attachments/big.bin HTTP/1.1\r\n', 401],
    ["a technician's attachment PUT to another site's document", () => `PUT /api/docs/inspection-08/attachments/big.bin HTTP/1.1\r\nAuthorization: Bearer ${tokens.tom}\r\n`, 403],
    ['an ingest batch with a wrong source token', () => `POST /api/ingest?reference=${source.tag} HTTP/1.1\r\nAuthorization: Bearer not-the-token\r\n`, 401],
    ['an anonymous upload piece', () => 'PUT /api/uploads/nope/data?offset=0 HTTP/1.1\r\n', 401],
    ['an upload piece for an upload that is not the caller’s', () => `PUT /api/uploads/nope/data?offset=0 HTTP/1.1\r\nAuthorization: Bearer ${tokens.tom}\r\n`, 404],
    ['an anonymous bulk_docs', () => 'POST /api/bulk_docs HTTP/1.1\r\n', 401],
  ])('%s is answered after its headers and the connection closed', async (_name, requestLine, status) => {
    const total = 200 * MiB;
    const connection = await connect(test.server.url);
    const head = `${requestLine()}Host: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${total}\r\n\r\n`;
    const pushing = pushBody(connection, head, total);
    await expect.poll(() => connection.closed(), { timeout: 10_000 }).toBe(true);
    await pushing;
    expect(connection.received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(connection.received()).toMatch(/\r\nconnection: close\r\n/i);
    // The client got stopped well before the end of its 200 MiB.
    expect(connection.written()).toBeLessThan(total / 2);
  });

  it('a body the caller may send is still read and stored (known length and chunked)', async () => {
    expect((await call('admin', 'PUT', '/api/docs/inspection-07', { type: 'inspection', site: 'site/T07' })).status).toBe(200);
    const bytes = Buffer.alloc(3 * MiB + 17);
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 31) & 0xff;
    expect((await call('tom', 'PUT', '/api/docs/inspection-07/attachments/known.bin', new Uint8Array(bytes))).status).toBe(204);
    const chunked = await fetch(`${test.server.url}/api/docs/inspection-07/attachments/chunked.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.tom}`, 'content-type': 'application/octet-stream' },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 256 * 1024) controller.enqueue(new Uint8Array(bytes.subarray(at, at + 256 * 1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(204);
    for (const name of ['known.bin', 'chunked.bin']) {
      const back = Buffer.from(await (await call('tom', 'GET', `/api/docs/inspection-07/attachments/${name}`)).arrayBuffer());
      expect(back.equals(bytes), name).toBe(true);
    }
  });
});

describe('the memory budget of large bodies', () => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);

  beforeAll(async () => {
    test = await startTestServer({ HTTP_BODY_MEMORY_MB: '1' });
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    expect((await call('admin', 'PUT', '/api/docs/report', { type: 'inspection' })).status).toBe(200);
  });

  afterAll(async () => {
    await test.stop();
  });

  it('a body that does not fit while another is held gets 503 with Retry-After; it fits once that one is stored', async () => {
    const size = 700 * 1024;
    // Two uploads of 700 KiB in a 1 MiB budget, each held open after its first 100 KiB: whichever
    // the server takes first holds its bytes, the other is refused after its headers.
    const uploads = await Promise.all(['a', 'b'].map(() => connect(test.server.url)));
    uploads.forEach((upload, index) => {
      upload.socket.write(`PUT /api/docs/report/attachments/${index}.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens.admin}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`);
      upload.socket.write(Buffer.alloc(100 * 1024, index + 1));
    });
    await expect.poll(() => uploads.filter((upload) => upload.received().startsWith('HTTP/1.1 503 ')).length, { timeout: 10_000 }).toBe(1);
    const refused = uploads.find((upload) => upload.received().startsWith('HTTP/1.1 503 '))!;
    const held = uploads.find((upload) => upload !== refused)!;
    expect(refused.received()).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(refused.received()).toContain('"error":"unavailable"');
    // Below a MiB the rest of a refused body is drained (the connection stays): this client gives up.
    refused.socket.destroy();
    expect(held.received()).toBe('');
    held.socket.write(Buffer.alloc(size - 100 * 1024, 1));
    await expect.poll(() => held.received(), { timeout: 10_000 }).toMatch(/^HTTP\/1\.1 204 /);
    held.socket.destroy();
    // Its bytes are given back once it is answered: the next one fits.
    expect((await call('admin', 'PUT', '/api/docs/report/attachments/after.bin', new Uint8Array(size))).status).toBe(204);
  });

  it('a body larger than the whole budget is 413, not "try again"', async () => {
    const response = await call('admin', 'PUT', '/api/docs/report/attachments/huge.bin', new Uint8Array(MiB + 1));
    expect(response.status).toBe(413);
  });
});

describe('event limits apply while decoding', () => {
  // A valid batch of MAX_EVENTS + 1 events followed by bytes that are not valid. Decoded whole
  // first (the old way), the garbage is found before the count: 400. Counted while decoding,
  // the limit comes first: 413, without decoding the rest.
  it('msgpack: stops at the limit', () => {
    const one = pack([1_700_000_000, { v: 1 }]);
    const body = Buffer.alloc(one.length * (MAX_EVENTS + 1) + 1);
    for (let index = 0; index <= MAX_EVENTS; index++) one.copy(body, index * one.length);
    body[body.length - 1] = 0x92; // an array of two values that never come: decoding it fails
    expect(() => parseMsgpack(body)).toThrow(expect.objectContaining({ status: 413 }));
    expect(parseMsgpack(body.subarray(0, one.length * 3))).toHaveLength(3);
  });

  it('CSV: counts rows before parsing them', () => {
    const rows = '1700000000,1\n'.repeat(MAX_EVENTS + 1);
    expect(() => parseCsv(`time,v\n${rows}1700000001\n`)).toThrow(expect.objectContaining({ status: 413 }));
    expect(() => parseCsv(`time,v\n${rows.slice(0, 13 * 5)}1700000001\n`)).toThrow(expect.objectContaining({ status: 400 }));
    // Quoted line breaks and blank lines are no rows; every kind of line break ends one.
    expect(countCsvRows('1,"a\nb"\n\n  \n2,c\r\n3,d\r4,e', 100)).toBe(4);
    expect(countCsvRows('1,a\n2,b\n3,c\n', 1)).toBe(2);
  });

  it('JSON lines: the limit before the rest is parsed', () => {
    const lines = '[1700000000,{"v":1}]\n'.repeat(MAX_EVENTS + 1);
    expect(() => parseJsonLines(`${lines}not json\n`)).toThrow(expect.objectContaining({ status: 413 }));
    expect(parseJsonLines('\n[1700000000,{"v":1}]\r\n\n{"time":1700000001,"v":2}')).toHaveLength(2);
    expect(() => parseJsonLines('[1700000000,{"v":1}]\n\nnope\n')).toThrow(/line 2 is not JSON/);
  });
});

describe('request timeouts', () => {
  let test: TestServer;

  beforeAll(async () => {
    test = await startTestServer({ HTTP_REQUEST_TIMEOUT_MS: '1500', HTTP_HEADERS_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await test.stop();
  });

  /** Writes one byte every `everyMs` until the connection is closed (or `max` bytes). */
  function trickle(connection: RawConnection, bytes: string, everyMs: number): Promise<void> {
    return new Promise((resolve) => {
      let index = 0;
      const timer = setInterval(() => {
        if (connection.closed() || index >= bytes.length) {
          clearInterval(timer);
          resolve();
          return;
        }
        connection.socket.write(bytes[index++]!);
      }, everyMs);
    });
  }

  it('a body trickling in a byte at a time is cut off at the request timeout, while normal requests work', async () => {
    const connection = await connect(test.server.url);
    connection.socket.write('POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n');
    // 200 bytes at one per 300 ms would take a minute; the socket never idles long.
    const trickling = trickle(connection, `{"username":"admin","password":"${'x'.repeat(200)}`, 300);
    expect((await fetch(`${test.server.url}/api/health`)).status).toBe(200);
    await expect.poll(() => connection.closed(), { timeout: 10_000 }).toBe(true);
    await trickling;
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${test.server.url}/api/health`)).status).toBe(200);
  });

  it('headers trickling in are cut off at the headers timeout', async () => {
    const connection = await connect(test.server.url);
    const trickling = trickle(connection, `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'y'.repeat(200)}`, 200);
    await expect.poll(() => connection.closed(), { timeout: 10_000 }).toBe(true);
    await trickling;
    expect(connection.written()).toBeLessThan(100);
  });

  it('timeouts are validated where the configuration is read', () => {
    const load = (env: Record<string, string>) => loadConfig(env, projectRoot);
    expect(load({}).http).toEqual({ requestTimeoutMs: 300_000, headersTimeoutMs: 30_000, bodyMemoryBytes: 512 * MiB });
    expect(load({ HTTP_REQUEST_TIMEOUT_MS: '600000', HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_BODY_MEMORY_MB: '64' }).http).toEqual({ requestTimeoutMs: 600_000, headersTimeoutMs: 20_000, bodyMemoryBytes: 64 * MiB });
    expect(load({ HTTP_REQUEST_TIMEOUT_MS: '10000' }).http.headersTimeoutMs).toBe(10_000);
    const refused: Array<Record<string, string>> = [{ HTTP_REQUEST_TIMEOUT_MS: '0' }, { HTTP_REQUEST_TIMEOUT_MS: '5 min' }, { HTTP_HEADERS_TIMEOUT_MS: '-1' }, { HTTP_REQUEST_TIMEOUT_MS: '20000', HTTP_HEADERS_TIMEOUT_MS: '30000' }, { HTTP_BODY_MEMORY_MB: '0' }, { HTTP_BODY_MEMORY_MB: '1.5' }];
    for (const env of refused) {
      expect(() => load(env), JSON.stringify(env)).toThrow(ConfigError);
    }
  });
});

describe('attachments are served so they never run as the app', () => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);

  beforeAll(async () => {
    test = await startTestServer();
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    expect((await call('admin', 'PUT', '/api/docs/report', { type: 'inspection' })).status).toBe(200);
  });

  afterAll(async () => {
    await test.stop();
  });

  async function served(name: string, contentType: string, headers: Record<string, string> = {}): Promise<Response> {
    expect((await call('admin', 'PUT', `/api/docs/report/attachments/${encodeURIComponent(name)}`, '<b>content</b>', { 'content-type': contentType })).status).toBe(204);
    return call('admin', 'GET', `/api/docs/report/attachments/${encodeURIComponent(name)}`, undefined, headers);
  }

  it.each([
    ['report.html', 'text/html', 'attachment', 'text/html'],
    ['drawing.svg', 'image/svg+xml', 'attachment', 'image/svg+xml'],
    ['manual.pdf', 'application/pdf', 'attachment', 'application/pdf'],
    ['r.js', 'text/javascript', 'attachment', 'text/javascript'],
    ['page.xhtml', 'Application/XHTML+XML; charset=utf-8', 'attachment', 'application/xhtml+xml'],
    ['photo.png', 'image/png', 'inline', 'image/png'],
    ['photo.jpg', 'IMAGE/JPEG; foo=bar', 'inline', 'image/jpeg'],
  ])('%s (%s) is sent as %s', async (name, stored, disposition, servedType) => {
    const response = await served(name, stored);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^${disposition}; filename="${name.replace('.', '\\.')}"`));
    expect(response.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-type')?.toLowerCase()).toContain(servedType.toLowerCase());
  });

  it("is never loaded as a page's script, style or frame; fetch() and navigation still get it", async () => {
    for (const destination of ['script', 'style', 'worker', 'serviceworker', 'iframe', 'object', 'embed']) {
      expect((await served('r.js', 'text/javascript', { 'sec-fetch-dest': destination })).status, destination).toBe(403);
    }
    for (const destination of ['empty', 'document', 'image']) {
      expect((await served('r.js', 'text/javascript', { 'sec-fetch-dest': destination })).status, destination).toBe(200);
    }
  });
});

describe('cross-site requests on cookie sessions', () => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  let cookie: string;
  let origin: string;

  beforeAll(async () => {
    test = await startTestServer();
    origin = test.server.url;
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    const signIn = await fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  });

  afterAll(async () => {
    await test.stop();
  });

  let serial = 0;
  /** POST /api/docs (creates a document) with these headers; the status and error code. */
  async function post(headers: Record<string, string>, contentType = 'application/json'): Promise<{ status: number; error?: string }> {
    const response = await fetch(`${origin}/api/docs`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: JSON.stringify({ type: 'note', n: serial++ }) });
    const body = (await response.json()) as { error?: string };
    return { status: response.status, ...(body.error ? { error: body.error } : {}) };
  }

  it('refuses cookie requests from other origins, by Sec-Fetch-Site or Origin, before reading the body', async () => {
    const csrf = { status: 403, error: 'csrf' };
    expect(await post({ cookie, origin: 'http://evil.example' }, 'text/plain')).toEqual(csrf);
    expect(await post({ cookie, origin: 'http://127.0.0.1:1' })).toEqual(csrf);
    expect(await post({ cookie, origin: 'null' })).toEqual(csrf);
    expect(await post({ cookie, 'sec-fetch-site': 'cross-site', origin })).toEqual(csrf);
    // Same site is not same origin: another port of the same host.
    expect(await post({ cookie, 'sec-fetch-site': 'same-site' })).toEqual(csrf);
    expect(await post({ cookie })).toEqual(csrf);
    // Bodiless state changes too.
    const rebuild = await fetch(`${origin}/api/sources/x/rebuild`, { method: 'POST', headers: { cookie, origin: 'http://evil.example' } });
    expect(rebuild.status).toBe(403);
    const signOut = await fetch(`${origin}/api/session`, { method: 'DELETE', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(signOut.status).toBe(403);
  });

  it('lets the app’s own pages and bearer-token clients through', async () => {
    expect((await post({ cookie, 'sec-fetch-site': 'same-origin', origin })).status).toBe(201);
    expect((await post({ cookie, origin })).status).toBe(201); // plain http on a LAN: no Sec-Fetch-*
    expect((await post({ cookie, origin: origin.toUpperCase().replace('HTTP', 'http') })).status).toBe(201);
    expect((await post({ authorization: `Bearer ${tokens.admin}` })).status).toBe(201);
    expect((await post({ authorization: `Bearer ${tokens.admin}`, cookie, origin: 'http://evil.example' })).status).toBe(201);
    // Reads are not checked.
    expect((await fetch(`${origin}/api/docs`, { headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });

  it('refuses a sign-in from another origin (login CSRF), not one from a program', async () => {
    const signIn = (headers: Record<string, string>) =>
      fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    expect((await signIn({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await signIn({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await signIn({ origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await signIn({})).status).toBe(200);
  });

  it('behind TRUST_PROXY, compares with the host and scheme the proxy was asked for', async () => {
    const proxied = await startTestServer({ TRUST_PROXY: '127.0.0.1' });
    try {
      const signIn = await fetch(`${proxied.server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
      const proxiedCookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const through = (origin: string) =>
        fetch(`${proxied.server.url}/api/docs`, {
          method: 'POST',
          headers: { cookie: proxiedCookie, origin, 'x-forwarded-host': 'fieldline.example', 'x-forwarded-proto': 'https', 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'note' }),
        });
      expect((await through('https://fieldline.example')).status).toBe(201);
      expect((await through('http://fieldline.example')).status).toBe(403);
      expect((await through(proxied.server.url)).status).toBe(403);
    } finally {
      await proxied.stop();
    }
  });
});
