// <fl-app> in real Chromium: navigation, online/offline indicator, update prompt.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineGadgets, type FlApp } from '../../src/gadgets';

defineGadgets();

let app: FlApp;

function shadow(): ShadowRoot {
  return app.shadowRoot!;
}

beforeEach(async () => {
  location.hash = '';
  app = document.createElement('fl-app');
  document.body.append(app);
  await app.updateComplete;
});

afterEach(() => {
  app.remove();
  location.hash = '';
});

describe('<fl-app>', () => {
  it('shows the six sections in the navigation, Sites first', () => {
    const links = [...shadow().querySelectorAll('nav a')];
    expect(links.map((link) => link.textContent?.trim())).toEqual(['Sites', 'Channels', 'Import', 'Sources', 'Work orders', 'Sync']);
    expect(shadow().querySelector('nav a[aria-current="page"]')?.textContent).toBe('Sites');
    expect(shadow().querySelector('main h2')?.textContent).toBe('Sites');
  });

  it('follows the location hash when a navigation link is clicked', async () => {
    const channels = [...shadow().querySelectorAll<HTMLAnchorElement>('nav a')].find((link) => link.textContent === 'Channels')!;
    const changed = new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    channels.click();
    await changed;
    await app.updateComplete;
    expect(location.hash).toBe('#/channels');
    expect(shadow().querySelector('main h2')?.textContent).toBe('Channels');
    expect(shadow().querySelector('nav a[aria-current="page"]')?.textContent).toBe('Channels');
  });

  it('an unknown route falls back to Sites', async () => {
    location.hash = '#/nowhere';
    await new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    await app.updateComplete;
    expect(shadow().querySelector('main h2')?.textContent).toBe('Sites');
  });

  it('the indicator follows the offline and online events', async () => {
    const status = () => shadow().querySelector('[role="status"]')!;
    expect(status().textContent).toBe('Online');
    window.dispatchEvent(new Event('offline'));
    await app.updateComplete;
    expect(status().textContent).toBe('Offline');
    expect(status().getAttribute('data-online')).toBe('false');
    window.dispatchEvent(new Event('online'));
    await app.updateComplete;
    expect(status().textContent).toBe('Online');
  });

  it('stops listening once removed from the page', async () => {
    app.remove();
    window.dispatchEvent(new Event('offline'));
    document.body.append(app);
    await app.updateComplete;
    // Reconnected: it re-reads navigator.onLine instead of keeping a missed event.
    expect(shadow().querySelector('[role="status"]')?.textContent).toBe('Online');
  });

  it('offers an update only when one is available, and asks the page to activate it', async () => {
    expect(shadow().querySelector('[role="alert"]')).toBeNull();
    app.updateAvailable = true;
    await app.updateComplete;
    const alert = shadow().querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('update');
    const accepted = new Promise<Event>((resolve) => document.addEventListener('fl-update-accept', resolve, { once: true }));
    alert!.querySelector('button')!.click();
    expect((await accepted).type).toBe('fl-update-accept');
  });
});
