/**
 * Composition root of the browser app: picks the local storage, registers the gadgets and the
 * service worker, and starts sync. It only composes; behaviour lives in the layers it wires
 * together. (The simulated fleet runs on the server and arrives here like real data: sync, pins.)
 */
import { Workbox } from 'workbox-window';
import { defineGadgets } from './gadgets';
import { mergePolicyFor } from './core';
import { ReplicateStorage, createStorage } from './storage';
import { DEVICE_SCOPE, DeviceAlarmEvaluator, LiveService, PinService, SyncService, Uploader, forgetBrowserDemo } from './controllers';

defineGadgets();

// Where this device keeps its data: IndexedDB, with indexes for what the app queries by. Gadgets
// read and write it directly (offline first); sync copies it to and from the server.
const local = createStorage({
  type: 'query',
  sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: 'fieldline', index: ['type', 'site', 'asset', 'kind'] } },
});
// The server this app came from (the session cookie authenticates).
const server = createStorage({ type: 'http', url: location.origin });

// Records (sites, assets, work orders, inspections with their photos) sync both ways; channel
// arrays only through pins (they can be huge); documents scoped to this device never leave it.
// Work orders and maintenance plans changed here and on the server merge field by field.
const storage = new ReplicateStorage(local, server, createStorage({ type: 'indexeddb', database: 'fieldline-sync' }), {
  query: `NOT kind:"fl-channel-array" AND NOT scope:${DEVICE_SCOPE}`,
  merge: mergePolicyFor,
});
const pins = new PinService({
  local,
  remote: server,
  device: createStorage({ type: 'indexeddb', database: 'fieldline-device' }),
  // One signature database per pin: a site's, or an asset's (pins that follow assignments).
  signaturesFor: (site, asset) => createStorage({ type: 'indexeddb', database: asset ? `fieldline-pin-${site}-asset-${asset}` : `fieldline-pin-${site}` }),
});
const sync = new SyncService({ replica: storage, pins });

// CSV imports waiting to go to the server (and, offline, their files) live in their own database.
const uploader = new Uploader({ outbox: createStorage({ type: 'indexeddb', database: 'fieldline-outbox' }) });

// The server's live events (samples appended, documents changed): charts and tiles tail them.
const live = new LiveService();

// Alarm rules evaluated here too, for readings recorded on this device and not yet in the server's
// arrays: provisional alarms, shown until the server's own arrive.
const deviceAlarms = new DeviceAlarmEvaluator({ storage: local });

const app = document.querySelector('fl-app');
if (app) {
  app.storage = storage;
  app.uploader = uploader;
  app.serverStorage = server;
  app.sync = sync;
  app.live = live;
  app.provisionalAlarms = deviceAlarms;
}
sync.start();
live.start();
deviceAlarms.connect({ sync, changes: [storage] });
void uploader.resumeAll();

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const workbox = new Workbox('/sw.js');
  // A new version installed and waiting: ask the user, never reload under their feet.
  workbox.addEventListener('waiting', () => {
    if (app) app.updateAvailable = true;
  });
  app?.addEventListener('fl-update-accept', () => {
    workbox.addEventListener('controlling', () => location.reload());
    workbox.messageSkipWaiting();
  });
  workbox.register().catch((error: unknown) => console.warn('service worker registration failed', error));
}

registerServiceWorker();
// The demo an earlier version wrote into this browser goes (the fleet now comes from the server).
void forgetBrowserDemo(local).catch((error: unknown) => console.warn('could not remove the old browser demo', error));
