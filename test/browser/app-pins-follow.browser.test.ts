// The shell makes the pins follow whoever signs in (real Chromium, real IndexedDB): once <fl-app>
// knows the signed-in technician, the pin service keeps an automatic pin of the asset of each of
// their open work orders. The session route is answered by a stand-in with the real route's body.
import { afterEach, describe, expect, it } from 'vitest';
import { defineGadgets, type FlApp } from '../../src/gadgets';
import { PinService, SyncService } from '../../src/controllers';
import { ReplicateStorage, createStorage, type Doc, type Storage } from '../../src/storage';

defineGadgets();

const stamp = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
let app: FlApp | undefined;
let sync: SyncService | undefined;

afterEach(() => {
  sync?.stop();
  app?.remove();
  localStorage.removeItem('fieldline-user');
});

describe('<fl-app> and pins that follow assignments', () => {
  it("follows the signed-in technician's open work orders", async () => {
    const remote = createStorage({ type: 'memory' });
    await remote.put('work_order/w1', { type: 'work_order', site: 'site/north', asset: 'asset/north/t01', title: 'Oil change', notes: '', status: 'assigned', assignee: 'tina' } as Doc);
    await remote.put('work_order/w2', { type: 'work_order', site: 'site/north', asset: 'asset/north/t02', title: 'Not hers', notes: '', status: 'assigned', assignee: 'tom' } as Doc);
    const local = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: `app-pins-${stamp}`, index: ['type', 'site', 'asset', 'kind'] } } });
    const replica = new ReplicateStorage(local, remote, createStorage({ type: 'memory' }), { query: 'NOT kind:"fl-channel-array"' });
    const signatures = new Map<string, Storage>();
    const pins = new PinService({ local, remote, device: createStorage({ type: 'memory' }), signaturesFor: (site, asset) => signatures.get(`${site} ${asset}`) ?? signatures.set(`${site} ${asset}`, createStorage({ type: 'memory' })).get(`${site} ${asset}`)! });
    await replica.sync(); // the work orders are on the tablet
    sync = new SyncService({ replica, pins, renewSession: async () => 'ok', debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: `app-pins-last-sync-${stamp}` });
    history.replaceState(null, '', '#/sites');
    app = document.createElement('fl-app');
    app.api = async (input) => {
      const url = String(input);
      const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url === '/api') return json(200, { name: 'fieldline', demo: false });
      if (url === '/api/session') return json(200, { user: { username: 'tina', role: 'technician', sites: ['site/north'] }, expires_at: Date.now() + 3_600_000 });
      return json(404, { error: 'not_found', detail: url });
    };
    app.storage = replica;
    app.sync = sync;
    document.body.append(app);
    await expect.poll(async () => (await pins.status()).map((pin) => [pin.asset, pin.auto, pin.work_orders]), { timeout: 10_000 }).toEqual([['asset/north/t01', true, ['work_order/w1']]]);
  });
});
