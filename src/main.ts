/**
 * Composition root of the browser app: registers the gadgets and the service worker. It only
 * composes; behaviour lives in the layers it wires together.
 */
import { Workbox } from 'workbox-window';
import { defineGadgets } from './gadgets';

defineGadgets();

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const workbox = new Workbox('/sw.js');
  const app = document.querySelector('fl-app');
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
