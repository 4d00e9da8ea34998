// Readings and pins on a technician's tablet, in real Chromium over real IndexedDB against the
// real companion server (test/support/browser-test-server.ts, with its reading applier):
// - readings recorded offline on a pinned site travel as reading documents, so losing the pin's
//   signature database (the old flow then let keep_remote replace readings appended to the local
//   array) loses nothing: they reach the server's manual channel and come back down in its array;
// - pins follow assignments: an automatic pin of each open work order's asset (its parts' arrays
//   too, with the size on the device), gone when the work is done, manual pins left alone.
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { PinService, manualChannelOf, pendingReadings, recordReading } from '../../src/controllers';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { ReplicateStorage, StorageError, createStorage, type Storage } from '../../src/storage';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

const stamp = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
let counter = 0;
const unique = (name: string): string => `${name}-${stamp}-${++counter}`;

/** The server as this device reaches it: `offline` makes every call fail as a lost network does. */
class Reachable extends PassThroughStorage {
  offline = false;
  constructor(sub: Storage) {
    super(sub);
    const fail = () => Promise.reject(new StorageError('unavailable', 'The server cannot be reached.'));
    for (const name of ['get', 'put', 'post', 'remove', 'allDocs', 'putAttachment', 'getAttachment', 'removeAttachment', 'allAttachments', 'changes'] as const) {
      const through = (this[name] as (...args: unknown[]) => Promise<unknown>).bind(this);
      Object.defineProperty(this, name, { value: (...args: unknown[]) => (this.offline ? fail() : through(...args)) });
    }
    if (sub.bulkDocs) Object.defineProperty(this, 'bulkDocs', { value: (writes: Parameters<NonNullable<Storage['bulkDocs']>>[0]) => (this.offline ? fail() : sub.bulkDocs!(writes)) });
  }
}

/** A site with a technician on the server, and that technician's tablet (as src/main.ts composes it). */
async function setUp(assets: Array<{ id: string; title: string; parent?: string }>) {
  const site = `site/${unique('pins')}`;
  const username = unique('tech');
  const admin = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
  await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(site)}`, { type: 'site', title: `Pins ${stamp}`, kind: 'wind_farm' });
  for (const asset of assets) {
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(asset.id)}`, { type: 'asset', site, title: asset.title, asset_type: asset.parent ? 'gearbox' : 'turbine', ...(asset.parent ? { parent: asset.parent } : {}) });
  }
  await serverExpect(201, admin, 'POST', '/api/users', { username, password: `${username}-password`, role: 'technician', sites: [site] });
  const token = await login(username, `${username}-password`);
  const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: unique('pins-local'), index: ['type', 'site', 'asset', 'kind'] } } });
  const server = new Reachable(createStorage({ type: 'http', url: TEST_SERVER_URL, token }));
  const replica = new ReplicateStorage(local, server, createStorage({ type: 'indexeddb', database: unique('pins-signatures') }), { query: 'NOT kind:"fl-channel-array"' });
  const prefix = unique('pin');
  const signaturesFor = (pinSite: string, asset?: string): Storage => createStorage({ type: 'indexeddb', database: asset ? `${prefix}-${pinSite}-asset-${asset}` : `${prefix}-${pinSite}` });
  const pins = new PinService({ local, remote: server, device: createStorage({ type: 'indexeddb', database: unique('pins-device') }), signaturesFor });
  /** One sync as SyncService runs it: records, then pins. */
  const sync = async () => {
    await replica.sync();
    await pins.syncAll();
  };
  return { site, username, admin, token, local, server, replica, pins, signaturesFor, sync };
}

/** The values and times of an array. */
async function samples(storage: Storage, id: string): Promise<Array<[number, number]>> {
  const array = await ChannelArray.open(storage, id);
  const { times, values } = await array.read(0, array.length);
  return Array.from(times, (time, index) => [time, values[index]!]);
}

describe('readings recorded offline on a pinned site', () => {
  it('survive a lost pin signature database: they reach the manual channel on the server and come back down, never drawn twice', async () => {
    const asset = `asset/${unique('t')}/t01`;
    const { site, username, admin, local, server, replica, pins, signaturesFor, sync } = await setUp([{ id: asset, title: 'Turbine T01' }]);
    const t0 = Date.now() - 3_600_000;
    // Online: the first reading makes the server's manual channel; the site is pinned.
    await recordReading(replica, { site, asset, at: t0, values: { oil_temp: 55 }, units: { oil_temp: '°C' }, by: username });
    await replica.sync();
    await replica.sync(); // the channel document the applier wrote comes down
    const channel = await manualChannelOf(replica, asset, 'oil_temp');
    expect(channel).toBeDefined();
    await pins.pin({ site, days: 30 });
    await pins.syncAll();
    expect(await samples(local, channel!.array)).toEqual([[t0, 55]]);
    expect(await pendingReadings(replica, { asset, field: 'oil_temp' })).toEqual([]);

    // Offline: two readings on the tablet; the device shows them as pending.
    server.offline = true;
    const first = await recordReading(replica, { site, asset, at: t0 + 60_000, values: { oil_temp: 61 }, by: username });
    const second = await recordReading(replica, { site, asset, at: t0 + 180_000, values: { oil_temp: 62.5 }, by: username });
    await expect(replica.sync()).rejects.toMatchObject({ code: 'unavailable' });
    expect((await pendingReadings(replica, { asset, field: 'oil_temp' })).map((reading) => reading.id)).toEqual([first, second]);
    // Meanwhile the server's array moves on (another technician's reading), and the pin's
    // signature database is lost: the next pin sync sees both sides as changed.
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(`reading/${crypto.randomUUID()}`)}`, { type: 'reading', site, asset, at: t0 + 120_000, values: { oil_temp: 58 }, by: 'someone-else' });
    await signaturesFor(site).destroy();

    server.offline = false;
    await sync();
    const expected: Array<[number, number]> = [
      [t0, 55],
      [t0 + 60_000, 61],
      [t0 + 120_000, 58],
      [t0 + 180_000, 62.5],
    ];
    expect(await samples(server, channel!.array)).toEqual(expected);
    expect(await samples(local, channel!.array)).toEqual(expected);
    // In the array now, so no longer pending (a chart draws them once); the documents stay.
    expect(await pendingReadings(replica, { asset, field: 'oil_temp' })).toEqual([]);
    expect(await replica.get(first)).toMatchObject({ type: 'reading', values: { oil_temp: 61 } });
    // Nothing of the device's copy went up: the server's array is the applier's alone.
    expect(await replica.pendingCount()).toBe(0);
  });
});

describe('pins follow assignments', () => {
  it("keep an automatic 7-day pin of each open work order's asset with its parts (size shown), drop it when the work is done, and leave manual pins", async () => {
    const stampSlug = unique('f');
    const t01 = `asset/${stampSlug}/t01`;
    const gearbox = `asset/${stampSlug}/t01-gearbox`;
    const t02 = `asset/${stampSlug}/t02`;
    const { site, username, admin, local, replica, pins, sync } = await setUp([
      { id: t01, title: 'Turbine T01' },
      { id: gearbox, title: 'Gearbox', parent: t01 },
      { id: t02, title: 'Turbine T02' },
    ]);
    const at = Date.now() - 600_000;
    for (const asset of [t01, gearbox, t02]) await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(`reading/${crypto.randomUUID()}`)}`, { type: 'reading', site, asset, at, values: { oil_level: 80 }, by: 'someone-else' });
    const order = `work_order/${crypto.randomUUID()}`;
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(order)}`, { type: 'work_order', site, asset: t01, title: 'Oil change', notes: '', status: 'assigned', assignee: username });
    const other = `work_order/${crypto.randomUUID()}`;
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(other)}`, { type: 'work_order', site, asset: t02, title: 'Someone else’s', notes: '', status: 'assigned', assignee: 'someone-else' });
    let changes = 0;
    pins.addEventListener('change', () => changes++);

    await replica.sync(); // the work orders and the manual channels come down
    await pins.followAssignments(username);
    const [auto] = await pins.status();
    expect(auto).toMatchObject({ site, asset: t01, days: 7, auto: true, work_orders: [order] });
    expect(auto!.estimated_bytes).toBeGreaterThan(0);
    expect(changes).toBeGreaterThan(0);
    await sync();
    const arrays = await Promise.all([t01, gearbox, t02].map(async (asset) => (await manualChannelOf(local, asset, 'oil_level'))!.array));
    const onDevice = async () => new Set((await local.allDocs({ query: 'kind:"fl-channel-array"' })).rows.map((row) => row.id));
    // The turbine's and its gearbox's arrays, not the other turbine's.
    expect(await onDevice()).toEqual(new Set([arrays[0], arrays[1]]));
    const synced = (await pins.status())[0]!;
    expect(synced).toMatchObject({ asset: t01, auto: true, arrays: 2 });
    expect(synced.bytes).toBeGreaterThan(0);
    expect(synced.last_sync).toBeGreaterThan(0);
    expect(await samples(local, arrays[1]!)).toEqual([[at, 80]]);

    // A manual pin of the other turbine; then the work order is done.
    await pins.pin({ site, asset: t02, days: 30 });
    await sync();
    expect(await onDevice()).toEqual(new Set(arrays));
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(order)}`, { type: 'work_order', site, asset: t01, title: 'Oil change', notes: '', status: 'done', assignee: username });
    await sync();
    expect((await pins.status()).map((pin) => [pin.asset, pin.auto])).toEqual([[t02, false]]);
    // The automatic pin's arrays are freed; the manual pin's stay.
    expect(await onDevice()).toEqual(new Set([arrays[2]]));
  });
});
