// A technician's offline day on a 768×1024 tablet (issue 15, item 7): three work orders assigned
// to them (seeded on the server by an engineer's hand: checklists with a pass/fail item, a value
// item feeding a manual-reading channel, a text item) sync in the morning; offline they start
// each one, answer its checklist (one value out of limits, confirmed; a fail with a note), record
// hours and a part on one, take two photos (camera
// files through the page's input: JPEGs made in the page, one tagged EXIF Orientation=6) and mark
// it done; the app reloads offline with everything still there; back online the server holds it
// all — work orders with results, photos and history, the reading documents and the manual
// channels' samples, and photos byte-identical to the device's IndexedDB copy (sha256). Then an
// engineer at a desk (1366×900) verifies one and reopens another with a comment. Screenshots of
// the page at both sizes go to test-results/screenshots/work-order/.
import crypto from 'node:crypto';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startE2eServer, type E2eServer } from './support/server';
import { MainViews } from './pages/main-views';
import { SyncPage } from './pages/sync-page';
import { WorkOrderPage, type PhotoFile } from './pages/work-order-page';
import { withExif } from '../test/support/exif-jpeg';

const ADMIN_PASSWORD = 'e2e admin password';
const SITE = { id: 'site/riverside', title: 'Riverside Pumping Station' };
const TECHNICIAN = { username: 'tara', password: 'tara-riverside-password' };
const ENGINEER = { username: 'erin', password: 'erin-engineer-password' };
const FIELD = 'bearing_temp';
const PUMPS = [1, 2, 3].map((n) => ({ id: `asset/riverside/p${n}`, title: `Pump P${n}` }));
const ORDERS = PUMPS.map((pump, index) => ({ id: `work_order/e2e-day-${index + 1}`, title: `Quarterly inspection ${pump.title}`, asset: pump.id }));
/** The bearing temperature read at each pump (the third one is out of limits: asked, confirmed). */
const TEMPERATURES = [61.5, 58, 86];

const screenshots = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots', 'work-order');

let server: E2eServer;
let adminToken: string;

async function api(method: string, path: string, body?: unknown, token = adminToken): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function expectOk(answer: Promise<Response>): Promise<void> {
  const response = await answer;
  expect(response.ok, `${response.status} ${await response.clone().text()}`).toBe(true);
}

/** The server's copy of a document (as the admin reads it), undefined while it has none. */
async function serverDoc(id: string): Promise<Record<string, unknown> | undefined> {
  const answer = await api('GET', `/api/docs/${encodeURIComponent(id)}`);
  return answer.ok ? ((await answer.json()) as Record<string, unknown>) : undefined;
}

interface StoredOrder {
  status: string;
  results?: Record<string, { value: unknown; by: string; reading?: string }>;
  photos?: Record<string, { bytes: number; width: number; height: number; by: string }>;
  history?: Array<{ id: string; action: string; by: string }>;
}

const sha256 = (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** A camera-like JPEG made in the page (a gradient with noise, so it does not compress to nothing). */
async function cameraJpeg(page: Page, width: number, height: number, seed: number): Promise<Uint8Array> {
  const base64 = await page.evaluate(
    async ({ width, height, seed }) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d')!;
      const gradient = context.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, `hsl(${seed * 70}, 60%, 40%)`);
      gradient.addColorStop(1, `hsl(${seed * 70 + 120}, 60%, 70%)`);
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
      let state = seed * 7919;
      for (let index = 0; index < 4000; index++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        context.fillStyle = `rgba(${state & 255}, ${(state >> 8) & 255}, ${(state >> 16) & 255}, 0.6)`;
        context.fillRect(state % width, (state >> 3) % height, 24, 24);
      }
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 })).arrayBuffer());
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text);
    },
    { width, height, seed },
  );
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/** The sha256 of an attachment as this device's IndexedDB holds it (the app's records database, read directly). */
async function deviceSha256(page: Page, id: string, name: string): Promise<string> {
  return page.evaluate(
    async ({ id, name }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        // The indexeddb storage names its databases `fieldline:<database>`; the app's records are in 'fieldline'.
        const request = indexedDB.open('fieldline:fieldline');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const read = <T>(store: string, query: IDBValidKey | IDBKeyRange, all = false) =>
        new Promise<T>((resolve, reject) => {
          const request = all ? db.transaction(store).objectStore(store).getAll(query) : db.transaction(store).objectStore(store).get(query);
          request.onsuccess = () => resolve(request.result as T);
          request.onerror = () => reject(request.error);
        });
      const record = await read<{ version: string; length: number }>('attachments', [id, name]);
      const pieces = await read<Blob[]>('pieces', IDBKeyRange.bound([id, name, record.version, 0], [id, name, record.version, Infinity]), true);
      db.close();
      const bytes = await new Blob(pieces).arrayBuffer();
      if (bytes.byteLength !== record.length) throw new Error(`the device's copy of ${name} is ${bytes.byteLength} bytes, not ${record.length}`);
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    },
    { id, name },
  );
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startE2eServer({ ADMIN_PASSWORD, DEMO: '0' });
  const session = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  adminToken = ((await session.json()) as { token: string }).token;
  await expectOk(api('PUT', `/api/docs/${encodeURIComponent(SITE.id)}`, { type: 'site', title: SITE.title }));
  for (const pump of PUMPS) await expectOk(api('PUT', `/api/docs/${encodeURIComponent(pump.id)}`, { type: 'asset', site: SITE.id, title: pump.title, asset_type: 'pump' }));
  expect((await api('POST', '/api/users', { ...TECHNICIAN, role: 'technician', sites: [SITE.id] })).status).toBe(201);
  expect((await api('POST', '/api/users', { ...ENGINEER, role: 'engineer', sites: [] })).status).toBe(201);
  // The engineer plans the day: three inspections assigned to the technician.
  const engineer = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ENGINEER) });
  const engineerToken = ((await engineer.json()) as { token: string }).token;
  const created = new Date().toISOString();
  for (const [index, order] of ORDERS.entries()) {
    await expectOk(
      api(
        'PUT',
        `/api/docs/${encodeURIComponent(order.id)}`,
        {
          type: 'work_order',
          site: SITE.id,
          asset: order.asset,
          title: order.title,
          notes: '',
          kind: 'inspection',
          status: 'assigned',
          assignee: TECHNICIAN.username,
          priority: index === 0 ? 'high' : 'medium',
          estimated_hours: 1.5,
          checklist: [
            { id: 'seal', label: 'Shaft seal tight', kind: 'pass_fail' },
            { id: 'bearing', label: 'Bearing temperature', kind: 'value', unit: '°C', min: 10, max: 80, field: FIELD },
            { id: 'remarks', label: 'Remarks', kind: 'text' },
          ],
          history: [{ id: crypto.randomUUID(), at: created, by: ENGINEER.username, action: 'created' }],
          created_at: created,
          created_by: ENGINEER.username,
          updated_at: created,
          updated_by: ENGINEER.username,
        },
        engineerToken,
      ),
    );
  }
});

test.afterAll(async () => {
  await server?.stop();
});

test("a technician's offline day on a tablet: three inspections with results, readings and photos, reloaded offline, synced whole; an engineer verifies and reopens", async ({ browser }) => {
  test.setTimeout(420_000);
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  const page = await context.newPage();
  const views = new MainViews(page);
  const sync = new SyncPage(page);
  const order = new WorkOrderPage(page);

  // Morning, online: sign in; the service worker takes the page; the day's work orders sync in.
  await views.open(server.url);
  await views.signIn(TECHNICIAN.username, TECHNICIAN.password);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
  await sync.waitUpToDate(30_000);
  for (const [index, wanted] of ORDERS.entries()) {
    await order.go(wanted.id, wanted.title);
    await expect(order.gadget.locator('[data-fact="asset"]')).toContainText(PUMPS[index]!.title);
    await expect(order.status).toHaveAttribute('data-status', 'assigned');
  }
  // The photos the technician will take (made now: the page can draw them; files, not network).
  const photos: PhotoFile[][] = [];
  for (let index = 0; index < ORDERS.length; index++) {
    photos.push([
      { name: `IMG_${index}1.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(withExif(await cameraJpeg(page, 3000, 2000, index * 2 + 1), { orientation: 6, dateTimeOriginal: '2026:12:02 09:1' + index + ':00' })) },
      { name: `IMG_${index}2.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(await cameraJpeg(page, 2000, 1500, index * 2 + 2)) },
    ]);
  }

  // Offline for the day.
  await context.setOffline(true);
  await expect(page.locator('fl-app').getByRole('status', { name: 'Connection' })).toHaveText('Offline');
  for (const [index, wanted] of ORDERS.entries()) {
    await order.go(wanted.id, wanted.title);
    await order.transition('Start', 'in_progress');
    if (index === 1) await order.noteFor('Shaft seal tight', 'Seal weeping: new seal ordered.');
    await order.passFail('Shaft seal tight', index === 1 ? 'Fail' : 'Pass');
    await order.enterValue('Bearing temperature', TEMPERATURES[index]!, { confirmOutOfLimits: TEMPERATURES[index]! > 80 });
    await order.enterText('Remarks', `Pump P${index + 1}: checked and cleaned.`);
    await order.addPhotos(photos[index]!, 2);
    await expect(order.photoErrors).toHaveCount(0);
    if (index === 0) await order.editDetails({ actualHours: 1.25, addParts: [{ name: 'Shaft seal kit', quantity: 1 }], notes: 'Seal kit fitted.' });
    await order.transition('Mark done', 'done');
  }
  await page.screenshot({ path: path.join(screenshots, '768x1024-done-offline.png'), fullPage: true });
  // Nothing reached the server yet.
  expect(((await serverDoc(ORDERS[0]!.id)) as unknown as StoredOrder).status).toBe('assigned');

  // Reload offline: the app starts from the service worker and everything recorded is still here.
  await page.reload();
  await expect(views.navigation).toBeVisible({ timeout: 30_000 });
  for (const [index, wanted] of ORDERS.entries()) {
    await order.go(wanted.id, wanted.title);
    await expect(order.status).toHaveAttribute('data-status', 'done');
    await expect(order.thumbnails).toHaveCount(2);
    await expect(order.item('Bearing temperature').locator('[data-result]')).toHaveAttribute('data-value', String(TEMPERATURES[index]));
    await expect(order.item('Remarks').locator('[data-result]')).toHaveAttribute('data-value', `Pump P${index + 1}: checked and cleaned.`);
  }

  await order.go(ORDERS[0]!.id, ORDERS[0]!.title);
  await page.screenshot({ path: path.join(screenshots, '768x1024-top.png') });
  await order.photos.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshots, '768x1024-photos.png') });

  // Back online: everything syncs.
  await context.setOffline(false);
  await sync.waitUpToDate(60_000);
  for (const [index, wanted] of ORDERS.entries()) {
    await expect
      .poll(async () => ((await serverDoc(wanted.id)) as unknown as StoredOrder | undefined)?.status, { timeout: 60_000, message: `${wanted.title} done on the server` })
      .toBe('done');
    const doc = (await serverDoc(wanted.id)) as unknown as StoredOrder;
    expect(doc.results?.seal?.value).toBe(index === 1 ? 'fail' : 'pass');
    if (index === 1) expect((doc.results?.seal as { note?: string } | undefined)?.note).toBe('Seal weeping: new seal ordered.');
    expect(doc.results?.bearing?.value).toBe(TEMPERATURES[index]);
    expect(doc.results?.remarks?.value).toBe(`Pump P${index + 1}: checked and cleaned.`);
    for (const result of Object.values(doc.results ?? {})) expect(result.by).toBe(TECHNICIAN.username);
    // History: created, started, three answers, two photos, done — each entry once.
    const actions = (doc.history ?? []).map((entry) => entry.action);
    expect(actions).toEqual(['created', 'status', 'checklist', 'checklist', 'checklist', 'photo', 'photo', ...(index === 0 ? ['edited'] : []), 'status']);
    if (index === 0) expect(doc).toMatchObject({ actual_hours: 1.25, notes: 'Seal kit fitted.', parts: [{ name: 'Shaft seal kit', quantity: 1 }] });
    expect(new Set((doc.history ?? []).map((entry) => entry.id)).size).toBe(actions.length);
    // The reading the value item wrote, on the server.
    const readingId = doc.results!.bearing!.reading!;
    expect(readingId).toMatch(/^reading\//);
    expect(await serverDoc(readingId)).toMatchObject({ type: 'reading', site: SITE.id, asset: PUMPS[index]!.id, values: { [FIELD]: TEMPERATURES[index] }, by: TECHNICIAN.username, work_order: wanted.id, item: 'bearing' });
    // Photos: two, image/jpeg, byte-identical to what the device stored.
    const names = Object.keys(doc.photos ?? {});
    expect(names).toHaveLength(2);
    const listed = (await (await api('GET', `/api/docs/${encodeURIComponent(wanted.id)}/attachments`)).json()) as Record<string, { length: number; content_type: string }>;
    for (const name of names) {
      expect(listed[name]?.content_type).toBe('image/jpeg');
      const bytes = new Uint8Array(await (await api('GET', `/api/docs/${encodeURIComponent(wanted.id)}/attachments/${encodeURIComponent(name)}`)).arrayBuffer());
      expect(bytes.length).toBe(doc.photos![name]!.bytes);
      expect(bytes.length).toBeLessThanOrEqual(400 * 1024);
      expect(sha256(bytes), `${name} of ${wanted.title} byte-identical on the server`).toBe(await deviceSha256(page, wanted.id, name));
    }
    // The Orientation=6 photo (3000×2000 landscape bytes) was stored upright: 1067×1600.
    expect(Object.values(doc.photos!).map((meta) => [meta.width, meta.height]).sort()).toEqual([[1067, 1600], [1600, 1200]].sort());
  }
  // The readings reached the pumps' manual-reading channels (found by asset, field and manual: true).
  await expect
    .poll(
      async () => {
        const channels = (await (await api('GET', '/api/channels')).json()) as { rows: Array<{ doc?: { asset?: string; field?: string; manual?: boolean; array?: string } }> };
        const manual = channels.rows.filter((row) => row.doc?.manual === true && row.doc.field === FIELD);
        const lengths = await Promise.all(PUMPS.map(async (pump) => {
          const channel = manual.find((row) => row.doc?.asset === pump.id);
          if (!channel?.doc?.array) return 0;
          const meta = (await (await api('GET', `/api/arrays/${encodeURIComponent(channel.doc.array)}`)).json()) as { length?: number };
          return meta.length ?? 0;
        }));
        return lengths;
      },
      { timeout: 30_000, message: 'one sample per pump in its manual bearing temperature channel' },
    )
    .toEqual([1, 1, 1]);
  await context.close();

  // The engineer, at a desk, reviews the done work: verifies one, reopens another with a comment.
  // (At a desk: 1366×900.)
  const review = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const reviewPage = await review.newPage();
  const engineerViews = new MainViews(reviewPage);
  const engineerSync = new SyncPage(reviewPage);
  const reviewed = new WorkOrderPage(reviewPage);
  await engineerViews.open(server.url);
  await engineerViews.signIn(ENGINEER.username, ENGINEER.password);
  await engineerSync.waitUpToDate(30_000);
  await reviewed.go(ORDERS[0]!.id, ORDERS[0]!.title);
  await expect(reviewed.thumbnails).toHaveCount(2, { timeout: 30_000 });
  await reviewPage.screenshot({ path: path.join(screenshots, '1366x900-review.png'), fullPage: true });
  await reviewPage.screenshot({ path: path.join(screenshots, '1366x900-review-top.png') });
  await reviewed.transition('Verify', 'verified');
  await reviewed.go(ORDERS[2]!.id, ORDERS[2]!.title);
  await reviewed.action('Reopen').click();
  await reviewPage.screenshot({ path: path.join(screenshots, '1366x900-reopen-dialog.png') });
  await reviewPage.keyboard.press('Escape');
  await expect(reviewed.gadget.locator('sl-dialog[data-reopen]')).not.toHaveAttribute('open', '');
  await reviewed.reopen('Bearing at 86 °C: replace the bearing before closing.');
  await expect.poll(async () => ((await serverDoc(ORDERS[0]!.id)) as unknown as StoredOrder).status, { timeout: 30_000 }).toBe('verified');
  await expect.poll(async () => ((await serverDoc(ORDERS[2]!.id)) as unknown as StoredOrder).status, { timeout: 30_000 }).toBe('in_progress');
  const reopened = (await serverDoc(ORDERS[2]!.id)) as unknown as StoredOrder & { history: Array<{ action: string; by: string; comment?: string }> };
  expect(reopened.history.at(-1)).toMatchObject({ action: 'reopened', by: ENGINEER.username, comment: 'Bearing at 86 °C: replace the bearing before closing.' });
  const verified = (await serverDoc(ORDERS[0]!.id)) as Record<string, unknown>;
  expect(verified.verified_by).toBe(ENGINEER.username);
  await review.close();
});
