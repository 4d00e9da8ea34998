// The cross-site checks against what real Chromium sends. On plain http to a LAN name (no
// Sec-Fetch-* headers there: not a trustworthy origin) the app's own same-origin fetches still
// sign in and write with the cookie — by Origin, also under the app's Referrer-Policy
// no-referrer — while a page on another port of the same host (same site, so the SameSite=Strict
// cookie goes along) is refused.
// (A no-cors fetch from there would be refused too, but Cross-Origin-Resource-Policy hides its answer.) `fieldline.test` is mapped to 127.0.0.1 inside Chromium.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchArgs, chromiumPath } from '../support/chromium';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
let browser: Browser;
let appOrigin: string;
/** Another web server on the same host: a page there is same-site with the app, not same-origin. */
let elsewhere: http.Server;

beforeAll(async () => {
  test = await startTestServer();
  appOrigin = `http://fieldline.test:${new URL(test.server.url).port}`;
  elsewhere = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumLaunchArgs, '--host-resolver-rules=MAP fieldline.test 127.0.0.1'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => elsewhere?.close(resolve));
  await test?.stop();
});

describe('cookie sessions in Chromium over plain http', () => {
  it("the app's own pages sign in and write; a page on another port of the host is refused", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A page of the app's origin, served by the server with its headers (Referrer-Policy no-referrer).
    const landing = await page.goto(`${appOrigin}/api/health`);
    expect(landing?.headers()['referrer-policy']).toBe('no-referrer');
    const seen: Array<Record<string, string>> = [];
    page.on('request', (request) => void request.allHeaders().then((headers) => seen.push(headers)));
    const statuses = await page.evaluate(async (password) => {
      const signIn = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      const write = await fetch('/api/docs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'note', from: 'app' }) });
      return [signIn.status, write.status];
    }, ADMIN_PASSWORD);
    expect(statuses).toEqual([200, 201]);
    // The Origin path was the one taken: Chromium sent no Sec-Fetch-Site to this origin.
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(2);
    for (const headers of seen) {
      expect(headers['sec-fetch-site']).toBeUndefined();
      expect(headers.origin).toBe(appOrigin);
    }

    const other = await context.newPage();
    await other.goto(`http://fieldline.test:${(elsewhere.address() as AddressInfo).port}/page.html`);
    // What a forging page can do without a preflight: a text/plain form POST in the top frame.
    const target = `${appOrigin}/api/sources/nope/rebuild`;
    const answered = other.waitForResponse((response) => response.url() === target);
    await other.evaluate((action) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.enctype = 'text/plain'; // a body Fastify parses, so the route runs (old servers answered 404 here)
      form.action = action;
      form.innerHTML = '<input name="x" value="y">';
      document.body.append(form);
      form.submit();
    }, target);
    const response = await answered;
    // 403, not 401 (the cookie did go along) nor 404 (what the admin's request got before: it ran).
    expect(response.status()).toBe(403);
    expect((await response.request().allHeaders()).cookie).toMatch(/fl_session=/);
    await context.close();
  });
});
