/**
 * Composition root of the browser app: picks the local storage, registers the gadgets and the
 * service worker, and seeds the demo on a first start when the server has it enabled. It only
 * composes; behaviour lives in the layers it wires together.
 */
import { Workbox } from 'workbox-window';
import { defineGadgets } from './gadgets';
import { ReplicateStorage, createStorage } from './storage';
import { DEVICE_SCOPE, PinService, SyncService, Uploader, demoSeeded, seedDemo } from './controllers';

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
// arrays only through pins (they can be huge); the demo stays on this device.
const storage = new ReplicateStorage(local, server, createStorage({ type: 'indexeddb', database: 'fieldline-sync' }), {
  query: `NOT kind:"fl-channel-array" AND NOT scope:${DEVICE_SCOPE}`,
});
const pins = new PinService({
  local,
  remote: server,
  device: createStorage({ type: 'indexeddb', database: 'fieldline-device' }),
  signaturesFor: (site) => createStorage({ type: 'indexeddb', database: `fieldline-pin-${site}` }),
});
const sync = new SyncService({ replica: storage, pins });

// CSV imports waiting to go to the server (and, offline, their files) live in their own database.
const uploader = new Uploader({ outbox: createStorage({ type: 'indexeddb', database: 'fieldline-outbox' }) });

const app = document.querySelector('fl-app');
if (app) {
  app.storage = storage;
  app.uploader = uploader;
  app.serverStorage = server;
  app.sync = sync;
}
sync.start();
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

/** Seeds the demo when the server says so (DEMO=1) and this device does not have it yet. */
async function seedDemoIfWanted(): Promise<void> {
  if (await demoSeeded(storage)) return;
  let demo = false;
  try {
    const response = await fetch('/api', { headers: { accept: 'application/json' } });
    demo = response.ok && ((await response.json()) as { demo?: unknown }).demo === true;
  } catch {
    return; // offline on a first start: try again next time
  }
  if (!demo) return;
  await seedDemo(storage, (progress) => {
    if (app) app.seeding = progress;
  });
  if (app) app.seeding = null;
}

registerServiceWorker();
void seedDemoIfWanted().catch((error: unknown) => {
  console.error('demo seeding failed', error);
  if (app) app.seeding = null;
});
