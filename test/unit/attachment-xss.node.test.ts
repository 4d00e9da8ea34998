// Stored XSS through attachments, in real Chromium against the real server: a technician uploads
// an HTML report (inline script and <script src="r.js">), an SVG with a script, and HTML sent as
// an image; an admin, signed in with the session cookie, opens each link. None of their scripts
// may run as the app — each would create an admin account. A control page on the same origin
// shows that a script there does reach the API with the admin's cookie (so "nothing happened"
// means blocked, not broken), and that it cannot load an attachment as a script.
import { chromium, type Browser, type BrowserContext } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchArgs, chromiumPath } from '../support/chromium';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let test: TestServer;
let browser: Browser;
let admin: BrowserContext;
const tokens: Record<string, string | undefined> = {};
const call = apiCaller(() => test, tokens);
const DOC = '/api/docs/inspection-07/attachments';

/** A script that, run with the admin's session, creates the admin `username` and marks the page. */
const attack = (username: string): string =>
  `window.__ran = (window.__ran || []).concat(${JSON.stringify(username)});` +
  `fetch('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ${JSON.stringify(username)}, password: 'correct horse battery staple', role: 'admin' }) });`;

async function users(): Promise<string[]> {
  const response = await call('admin', 'GET', '/api/users');
  expect(response.status).toBe(200);
  const body = (await response.json()) as { users: Array<{ username: string }> };
  return body.users.map((user) => user.username);
}

beforeAll(async () => {
  test = await startTestServer();
  tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
  expect((await call('admin', 'PUT', '/api/docs/inspection-07', { type: 'inspection', site: 'site/T07' })).status).toBe(200);
  const uploads: Array<[string, string, string]> = [
    ['report.html', 'text/html', `<!doctype html><title>Report</title><p>Inspection report</p><script>${attack('evil-inline')}</script><script src="r.js"></script>`],
    ['r.js', 'text/javascript', attack('evil-src')],
    ['drawing.svg', 'image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg"><script>${attack('evil-svg')}</script></svg>`],
    ['photo.png', 'Image/PNG; x=1', `<html><script>${attack('evil-sniffed')}</script></html>`],
  ];
  for (const [name, type, body] of uploads) expect((await call('tom', 'PUT', `${DOC}/${name}`, body, { 'content-type': type })).status).toBe(204);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumLaunchArgs });
  admin = await browser.newContext({ acceptDownloads: true });
  // Signs in the way the app does: the session cookie lands in the browser context.
  expect((await admin.request.post(`${test.server.url}/api/session`, { data: { username: 'admin', password: ADMIN_PASSWORD } })).status()).toBe(200);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await test?.stop();
});

/** Loads a same-origin page (fulfilled by the browser, not the server) that runs `attack(username)`, and more. */
async function controlPage(username: string, extra = ''): Promise<string[]> {
  const page = await admin.newPage();
  await page.route(`${test.server.url}/control-${username}.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${attack(username)}</script>${extra}` }));
  await page.goto(`${test.server.url}/control-${username}.html`);
  await expect.poll(users, { timeout: 10_000 }).toContain(username);
  const ran = await page.evaluate(() => (window as unknown as { __ran?: string[] }).__ran ?? []);
  await page.close();
  return ran;
}

describe('attachments opened by a signed-in admin', () => {
  it('a script on the app’s origin reaches the API with the cookie, but cannot load an attachment as a script', async () => {
    const ran = await controlPage('control-1', `<script src="${DOC}/r.js"></script>`);
    expect(ran).toEqual(['control-1']);
  });

  it('report.html, r.js and the SVG are downloads; the disguised PNG shows as an image; no script of theirs runs', async () => {
    for (const name of ['report.html', 'r.js', 'drawing.svg']) {
      const page = await admin.newPage();
      const download = page.waitForEvent('download', { timeout: 10_000 });
      // A navigation that turns into a download rejects (net::ERR_ABORTED); the download is the signal.
      await page.goto(`${test.server.url}${DOC}/${name}`).catch((error: Error) => expect(error.message).toMatch(/ERR_ABORTED|Download is starting/));
      expect((await download).suggestedFilename()).toBe(name);
      await page.close();
    }
    const page = await admin.newPage();
    const response = await page.goto(`${test.server.url}${DOC}/photo.png`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('image/png');
    expect(await page.evaluate(() => (window as unknown as { __ran?: string[] }).__ran ?? [])).toEqual([]);
    await page.close();
    // Anything those pages started has had its turn once a later page's request has arrived.
    await controlPage('control-2');
    expect((await users()).filter((username) => username.startsWith('evil'))).toEqual([]);
  });
});
