// <fl-app> in real Chromium: navigation by role, the header (who is signed in, sign out, online,
// simulated data, theme), route parameters, the unsaved-changes guard and the toast helper.
// The server's session routes are answered by `server` below (a stand-in with the real routes'
// statuses and bodies), so each test decides who is signed in.
/// <reference types="@vitest/browser-playwright" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { LitElement, html } from 'lit';
import { defineGadgets, type FlApp } from '../../src/gadgets';
import { adminScreens } from '../../src/gadgets/fl-app';
import { RouteController, SyncService, UnsavedChangesController, hrefOf, unsavedChanges, type SessionUser } from '../../src/controllers';
import { ReplicateStorage, createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { toast, toastFailed, toastSaved } from '../../src/gadgets/design/toast';

defineGadgets();

interface FakeServer {
  user: SessionUser | undefined;
  demo: boolean;
  requests: string[];
}

let server: FakeServer;
let app: FlApp;

/** Answers like the companion server's GET/DELETE /api/session and GET /api. */
const api: typeof fetch = async (input, init) => {
  const url = String(input);
  const method = init?.method ?? 'GET';
  server.requests.push(`${method} ${url}`);
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  if (url === '/api') return json(200, { name: 'fieldline', demo: server.demo });
  if (url === '/api/session' && method === 'GET') return server.user ? json(200, { user: server.user, expires_at: Date.now() + 3600_000 }) : json(401, { error: 'unauthorized', detail: 'not signed in' });
  if (url === '/api/session' && method === 'DELETE') {
    server.user = undefined;
    return new Response(null, { status: 204 });
  }
  return json(404, { error: 'not_found', detail: url });
};

function shadow(): ShadowRoot {
  return app.shadowRoot!;
}

const navLabels = () => [...shadow().querySelectorAll('nav[aria-label="Main"] a')].map((link) => link.textContent?.trim());
const heading = () => shadow().querySelector('main h2')?.textContent?.trim();

async function settle(): Promise<void> {
  await app.updateComplete;
  await new Promise((resolve) => requestAnimationFrame(resolve));
  await app.updateComplete;
}

async function mount(user: SessionUser | undefined, options: { demo?: boolean; hash?: string; storage?: Storage; sync?: SyncService } = {}): Promise<void> {
  server = { user, demo: options.demo ?? false, requests: [] };
  localStorage.removeItem('fieldline-user');
  history.replaceState(null, '', options.hash ?? '#/sites');
  app = document.createElement('fl-app');
  app.api = api;
  app.storage = options.storage;
  app.sync = options.sync;
  document.body.append(app);
  await vi.waitFor(() => expect(server.requests).toContain('GET /api/session'));
  await settle();
}

/** Changes the hash the way a link does and waits for the shell to show it. */
async function go(hash: string): Promise<void> {
  const changed = new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
  location.hash = hash;
  await changed;
  await settle();
}

const technician: SessionUser = { username: 'tina', role: 'technician', sites: ['site/north'] };
const engineer: SessionUser = { username: 'erin', role: 'engineer', sites: [] };
const admin: SessionUser = { username: 'ada', role: 'admin', sites: [] };

beforeEach(() => {
  localStorage.removeItem('fieldline-theme');
});

afterEach(() => {
  app?.remove();
  for (const leftover of document.querySelectorAll('sl-dialog, .sl-toast-stack')) leftover.remove();
  history.replaceState(null, '', '#');
});

describe('<fl-app> navigation follows the role', () => {
  it('a technician sees their sites, my work, work orders, plans, import (into their sites) and sync: no channels, sources, review or admin', async () => {
    await mount(technician);
    await vi.waitFor(() => expect(navLabels()).toEqual(['Sites', 'My work', 'Alarms', 'Work orders', 'Plans', 'Import', 'Sync']));
    expect(shadow().querySelector('nav a[aria-current="page"]')?.textContent?.trim()).toBe('Sites');
    expect(heading()).toBe('Sites');
    expect(shadow().querySelector('fl-sites')).not.toBeNull();
  });

  it('an engineer gets channels and sources but no import (the server lets only technicians and admins upload); an admin everything', async () => {
    await mount(engineer);
    await vi.waitFor(() => expect(navLabels()).toEqual(['Sites', 'My work', 'Alarms', 'Alarm rules', 'Channels', 'Explore', 'Models', 'Work orders', 'To review', 'Plans', 'Sources', 'Sync']));
    app.remove();
    await mount(admin);
    await vi.waitFor(() => expect(navLabels()).toEqual(['Sites', 'My work', 'Alarms', 'Alarm rules', 'Channels', 'Explore', 'Models', 'Work orders', 'To review', 'Plans', 'Import', 'Sources', 'Sync', 'Admin']));
  });

  it('a screen beyond the role, opened by its address, says who it is for instead of showing it', async () => {
    await mount(technician, { hash: '#/sources' });
    await vi.waitFor(() => expect(shadow().querySelector('main')?.textContent).toContain('This screen is for engineers and admins'));
    expect(shadow().querySelector('fl-sources')).toBeNull();
  });

  it('signed out: the sites view offers the sign-in, and only what needs no role is listed', async () => {
    await mount(undefined);
    await vi.waitFor(() => expect(shadow().querySelector('main fl-sign-in')).not.toBeNull());
    expect(navLabels()).toEqual(['Sites', 'My work', 'Alarms', 'Work orders', 'Plans', 'Import', 'Sync']);
    expect(shadow().querySelector('[data-user]')).toBeNull();
  });
});

describe('<fl-app> on a tablet: navigation, review and what waits to sync', () => {
  afterEach(async () => {
    await page.viewport(1024, 768);
  });

  it('at 768 px an admin\'s dozen entries wrap instead of scrolling sideways, each a 44 px target', async () => {
    await page.viewport(768, 1024);
    await mount(admin);
    await vi.waitFor(() => expect(navLabels()).toHaveLength(14));
    const nav = shadow().querySelector<HTMLElement>('nav[aria-label="Main"]')!;
    // Before: one row with overflow-x: auto, so Sources, Sync and Admin sat off screen.
    expect(nav.scrollWidth).toBeLessThanOrEqual(nav.clientWidth);
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(768);
    const bounds = nav.getBoundingClientRect();
    for (const link of nav.querySelectorAll('a')) {
      const box = link.getBoundingClientRect();
      expect(box.right, link.textContent ?? '').toBeLessThanOrEqual(bounds.right + 0.5);
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
    await page.screenshot({ path: '../../test-results/screenshots/my-work/nav-admin-768x1024.png', element: app });
  });

  it('engineers\' "To review" opens the done work orders, is the current entry there, and counts them', async () => {
    const storage = createStorage({ type: 'memory' });
    for (const [id, status] of [['a', 'done'], ['b', 'done'], ['c', 'open'], ['d', 'verified']] as const) {
      await storage.put(`work_order/${id}`, { type: 'work_order', site: 'site/north', title: `Order ${id}`, status, notes: '' });
    }
    await mount(engineer, { storage });
    const review = () => [...shadow().querySelectorAll<HTMLAnchorElement>('nav[aria-label="Main"] a')].find((link) => link.textContent?.trim() === 'To review')!;
    const orders = () => [...shadow().querySelectorAll<HTMLAnchorElement>('nav[aria-label="Main"] a')].find((link) => link.textContent?.trim() === 'Work orders')!;
    await vi.waitFor(() => expect(review()).toBeDefined());
    expect(review().getAttribute('href')).toBe('#/work-orders?q=status%3Adone');
    await vi.waitFor(() => expect(review().querySelector('fl-review-count')?.shadowRoot?.querySelector('[data-count]')?.textContent).toBe('2'));
    await go('#/work-orders?q=status%3Adone');
    expect(review().getAttribute('aria-current')).toBe('page');
    expect(orders().getAttribute('aria-current')).toBe('false');
    expect(heading()).toBe('Work orders');
    await go('#/work-orders');
    expect(review().getAttribute('aria-current')).toBe('false');
    expect(orders().getAttribute('aria-current')).toBe('page');
  });

  it('the header says how many changes and photos wait to sync, visibly at 768 px, and "Up to date" once they went', async () => {
    await page.viewport(768, 1024);
    const remote = createStorage({ type: 'memory' });
    const local = createStorage({ type: 'indexeddb', database: uniqueName('app-sync') });
    const replica = new ReplicateStorage(local, remote, createStorage({ type: 'memory' }));
    const sync = new SyncService({ replica, renewSession: async () => 'ok', debounceMs: 50, intervalMs: 3_600_000, lastSyncKey: uniqueName('last-sync') });
    try {
      await mount(technician, { storage: replica, sync });
      const badge = () => shadow().querySelector('fl-sync-status')!.shadowRoot!.querySelector('a')!;
      await replica.put('work_order/x', { type: 'work_order', site: 'site/north', title: 'Written offline', status: 'open', notes: '' });
      await replica.put('work_order/y', { type: 'work_order', site: 'site/north', title: 'Also offline', status: 'open', notes: '' });
      await sync.refreshCounts();
      await vi.waitFor(() => expect(badge().textContent?.replace(/\s+/g, ' ').trim()).toBe('2 changes waiting'));
      // A photo taken on one of them: counted in the same pass.
      await replica.putAttachment('work_order/x', 'photo/p1.jpg', new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }), 'image/jpeg');
      await sync.refreshCounts();
      await vi.waitFor(() => expect(badge().textContent?.replace(/\s+/g, ' ').trim()).toBe('2 changes waiting, 1 photo'));
      expect(sync.status.pendingPhotos).toBe(1);
      const waiting = badge().querySelector<HTMLElement>('[data-waiting]')!;
      const box = waiting.getBoundingClientRect();
      expect(box.width).toBeGreaterThan(0);
      expect(box.right).toBeLessThanOrEqual(768);
      expect(box.bottom).toBeLessThanOrEqual(shadow().querySelector('header')!.getBoundingClientRect().bottom);
      await page.screenshot({ path: '../../test-results/screenshots/my-work/header-waiting-768x1024.png', element: shadow().querySelector('header')! });
      expect(await sync.syncNow()).toBe(true);
      await vi.waitFor(() => expect(badge().textContent?.trim()).toBe('Up to date'));
    } finally {
      sync.stop();
    }
  });
});

describe('<fl-app> header', () => {
  it('shows who is signed in with their role, and "Sign out" ends the session on the server', async () => {
    await mount(admin);
    const user = () => shadow().querySelector('[data-user]');
    await vi.waitFor(() => expect(user()?.textContent).toContain('ada'));
    expect(user()?.textContent).toContain('Admin');
    (shadow().querySelector('[data-sign-out]') as HTMLElement).click();
    await vi.waitFor(() => expect(server.requests).toContain('DELETE /api/session'));
    await vi.waitFor(() => expect(user()).toBeNull());
    expect(navLabels()).toEqual(['Sites', 'My work', 'Alarms', 'Work orders', 'Plans', 'Import', 'Sync']);
    // Forgotten on this device too: a reload offline would not come back as ada.
    expect(localStorage.getItem('fieldline-user')).toBeNull();
    await vi.waitFor(() => expect(document.querySelector('.sl-toast-stack sl-alert')?.textContent).toContain('Signed out'));
  });

  it('a sign-in anywhere in the app (fl-signed-in) shows the user at once', async () => {
    await mount(undefined);
    server.user = engineer;
    window.dispatchEvent(new CustomEvent('fl-signed-in', { detail: { username: 'erin', role: 'engineer' } }));
    await vi.waitFor(() => expect(shadow().querySelector('[data-user]')?.textContent).toContain('erin'));
    await vi.waitFor(() => expect(navLabels()).toContain('Channels'));
  });

  it('marks a server running the simulated fleet with a "Simulated data" badge, and only then', async () => {
    await mount(admin, { demo: true });
    await vi.waitFor(() => expect(shadow().querySelector('[data-simulated]')?.textContent).toBe('Simulated data'));
    app.remove();
    await mount(admin, { demo: false });
    await vi.waitFor(() => expect(server.requests).toContain('GET /api'));
    await settle();
    expect(shadow().querySelector('[data-simulated]')).toBeNull();
  });

  it('the connection indicator follows the offline and online events', async () => {
    await mount(technician);
    const status = () => shadow().querySelector('[role="status"][aria-label="Connection"]')!;
    expect(status().textContent).toBe('Online');
    window.dispatchEvent(new Event('offline'));
    await app.updateComplete;
    expect(status().textContent).toBe('Offline');
    window.dispatchEvent(new Event('online'));
    await app.updateComplete;
    expect(status().textContent).toBe('Online');
  });

  it('the theme switch goes light → dark → system on <html> and is remembered', async () => {
    await mount(technician);
    const button = () => shadow().querySelector('[data-theme]') as HTMLElement;
    expect(button().dataset.theme).toBe('system');
    button().click();
    await app.updateComplete;
    expect(document.documentElement.classList.contains('sl-theme-light')).toBe(true);
    button().click();
    await app.updateComplete;
    expect(document.documentElement.classList.contains('sl-theme-dark')).toBe(true);
    expect(localStorage.getItem('fieldline-theme')).toBe('dark');
    // The dark tokens apply: the page background is no longer light.
    const background = getComputedStyle(document.body).backgroundColor;
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(3 * 100);
    button().click();
    await app.updateComplete;
    expect(localStorage.getItem('fieldline-theme')).toBeNull();
  });

  it('offers an update only when one is available, and asks the page to activate it', async () => {
    await mount(technician);
    expect(shadow().querySelector('.update')).toBeNull();
    app.updateAvailable = true;
    await app.updateComplete;
    const alert = shadow().querySelector('.update[role="alert"]');
    expect(alert?.textContent).toContain('update');
    const accepted = new Promise<Event>((resolve) => document.addEventListener('fl-update-accept', resolve, { once: true }));
    (alert!.querySelector('sl-button') as HTMLElement).click();
    expect((await accepted).type).toBe('fl-update-accept');
  });
});

describe('<fl-app> routes with parameters', () => {
  it('ids with slashes travel URL-encoded and reach the site, asset and channel views decoded', async () => {
    await mount(engineer);
    expect(hrefOf('sites', 'site/north sea')).toBe('#/sites/site%2Fnorth%20sea');
    await go(hrefOf('sites', 'site/north sea'));
    expect(shadow().querySelector('fl-site')?.site).toBe('site/north sea');
    await go(hrefOf('assets', 'asset/north/t01%'));
    expect(shadow().querySelector('fl-asset')?.asset).toBe('asset/north/t01%');
    await go(hrefOf('channels', 'channel/source/abc/power'));
    expect(shadow().querySelector('fl-channel')?.channel).toBe('channel/source/abc/power');
    await go('#/channels');
    expect(shadow().querySelector('fl-channel-list')).not.toBeNull();
  });

  it('a view reports its title and the way to it: heading and breadcrumb show titles, not ids', async () => {
    await mount(technician);
    await go(hrefOf('sites', 'site/north'));
    shadow().querySelector('fl-site')!.dispatchEvent(new CustomEvent('fl-title', { detail: { title: 'North Sea Wind', trail: [{ label: 'Sites', href: '#/sites' }] }, bubbles: true, composed: true }));
    await settle();
    expect(heading()).toBe('North Sea Wind');
    const crumbs = [...shadow().querySelectorAll('sl-breadcrumb-item')].map((item) => item.textContent?.trim());
    expect(crumbs).toEqual(['Sites', 'North Sea Wind']);
    expect(document.title).toBe('North Sea Wind · Fieldline');
    // The next view starts without the old title.
    await go(hrefOf('assets', 'asset/north/t01'));
    expect(heading()).not.toBe('North Sea Wind');
  });

  it('admin screens are routed by tag name; one not registered yet says it is not available until it is', async () => {
    const screens = adminScreens as Map<string, string>;
    const registered = screens.get('admin/users')!;
    // A tag no build registers, so the test does not depend on which admin screens exist yet.
    const tag = `fl-admin-later-${Math.random().toString(36).slice(2)}`;
    screens.set('admin/users', tag);
    try {
      await mount(admin, { hash: '#/admin/users' });
      await vi.waitFor(() => expect(shadow().querySelector('[data-not-available]')?.textContent).toContain('Users is not available'));
      expect(shadow().querySelector('nav[aria-label="Admin"]')).not.toBeNull();
      customElements.define(tag, class extends HTMLElement {});
      await vi.waitFor(() => expect(shadow().querySelector(tag)).not.toBeNull());
      expect(shadow().querySelector('[data-not-available]')).toBeNull();
    } finally {
      screens.set('admin/users', registered);
    }
  });

  it('parse: the longest route name wins, unknown routes fall back to the first, bad escapes stay as written', () => {
    const host = { addController: () => undefined, removeController: () => undefined, requestUpdate: () => undefined, updateComplete: Promise.resolve(true) };
    const router = new RouteController(host, { routes: ['sites', 'admin', 'admin/users'] });
    expect(router.parse('#/admin/users')).toEqual({ route: 'admin/users', params: [] });
    expect(router.parse('#/admin/x%2Fy')).toEqual({ route: 'admin', params: ['x/y'] });
    expect(router.parse('#/nowhere/1')).toEqual({ route: 'sites', params: [] });
    expect(router.parse('#/sites/%E0%A4%A')).toEqual({ route: 'sites', params: ['%E0%A4%A'] });
  });
});

/** A form with the guard, dirty while `dirty` is set. */
class GuardedForm extends LitElement {
  static override properties = { dirty: { type: Boolean } };
  declare dirty: boolean;
  readonly guard = new UnsavedChangesController(this, { dirty: () => this.dirty, describe: () => 'the notes of Pump 3' });
  constructor() {
    super();
    this.dirty = false;
  }
  override render() {
    return html`<textarea></textarea>`;
  }
}
customElements.define('guarded-form', GuardedForm);

describe('the unsaved-changes guard', () => {
  it('a route change with unsaved notes asks first: "Stay" keeps the view and its address, "Leave" goes', async () => {
    await mount(technician, { hash: '#/work-orders' });
    const form = document.createElement('guarded-form') as GuardedForm;
    document.body.append(form);
    form.dirty = true;
    expect(unsavedChanges()).toEqual(['the notes of Pump 3']);

    location.hash = '#/sync';
    const dialog = await vi.waitFor(() => {
      const found = document.querySelector('sl-dialog[data-confirm]');
      expect(found).not.toBeNull();
      return found!;
    });
    expect(dialog.textContent).toContain('the notes of Pump 3');
    // The address is put back while the question is open, and the view stays.
    expect(location.hash).toBe('#/work-orders');
    expect(heading()).toBe('Work orders');
    (dialog.querySelector('[data-answer="cancel"]') as HTMLElement).click();
    await vi.waitFor(() => expect(document.querySelector('sl-dialog[data-confirm]')).toBeNull());
    expect(heading()).toBe('Work orders');
    expect(location.hash).toBe('#/work-orders');

    location.hash = '#/sync';
    const again = await vi.waitFor(() => {
      const found = document.querySelector('sl-dialog[data-confirm]');
      expect(found).not.toBeNull();
      return found!;
    });
    (again.querySelector('[data-answer="confirm"]') as HTMLElement).click();
    await vi.waitFor(() => expect(heading()).toBe('Sync'));
    expect(location.hash).toBe('#/sync');
    form.remove();
  });

  it('with everything saved a route change goes at once; a removed form is no longer asked', async () => {
    await mount(technician, { hash: '#/work-orders' });
    const form = document.createElement('guarded-form') as GuardedForm;
    document.body.append(form);
    await go('#/sync');
    expect(heading()).toBe('Sync');
    form.dirty = true;
    form.remove();
    expect(unsavedChanges()).toEqual([]);
    await go('#/sites');
    expect(heading()).toBe('Sites');
    expect(document.querySelector('sl-dialog[data-confirm]')).toBeNull();
  });

  it('closing the tab with unsaved changes asks the browser (beforeunload is cancelled), and not when saved', async () => {
    const form = document.createElement('guarded-form') as GuardedForm;
    document.body.append(form);
    const unload = () => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(false);
    form.dirty = true;
    expect(unload()).toBe(true);
    form.dirty = false;
    expect(unload()).toBe(false);
    form.remove();
  });
});

describe('toast helper', () => {
  it('saved: a success toast with the message that goes away by itself', async () => {
    const alert = await toastSaved('Work order saved');
    expect(alert.closest('.sl-toast-stack')).not.toBeNull();
    expect(alert.variant).toBe('success');
    expect(alert.textContent).toContain('Work order saved');
    expect(alert.duration).toBe(4000);
    alert.remove();
  });

  it('failed: a danger toast with the reason that stays until closed', async () => {
    const alert = await toastFailed('Not saved', new Error('the server refused the site'));
    expect(alert.variant).toBe('danger');
    expect(alert.textContent).toContain('Not saved: the server refused the site');
    expect(alert.duration).toBe(Infinity);
    expect(alert.open).toBe(true);
    const other = await toast('Copied', { variant: 'neutral', duration: 10 });
    await vi.waitFor(() => expect(other.isConnected).toBe(false));
    expect(alert.isConnected).toBe(true);
    alert.remove();
  });
});
