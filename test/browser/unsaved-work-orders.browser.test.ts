// Unsaved work order notes and route changes, in real Chromium: the notes typed into a card used to
// vanish silently when the user followed a navigation link. <fl-work-orders> now registers with the
// app's unsaved-changes guard (src/controllers/unsaved-changes-controller.ts), which the router asks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { LitElement, html } from 'lit';
import { RouteController, unsavedChanges } from '../../src/controllers';
import { FlWorkOrders } from '../../src/gadgets/fl-work-orders';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

if (!customElements.get('fl-work-orders')) customElements.define('fl-work-orders', FlWorkOrders);

/** What the user answers to "Leave without saving?" in these tests, and what they were told. */
let answer = false;
let asked: string[][] = [];

/** A shell like the app's: a router that asks the guard, and the work orders on their route. */
class RoutedHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  readonly router = new RouteController<'work-orders' | 'sync'>(this, {
    routes: ['work-orders', 'sync'],
    confirmLeave: async (unsaved) => {
      asked.push(unsaved);
      return answer;
    },
  });
  override render() {
    return this.router.route === 'work-orders' ? html`<fl-work-orders .storage=${this.storage}></fl-work-orders>` : html`<p class="sync">Sync</p>`;
  }
}
customElements.define('routed-work-orders-host', RoutedHost);

let storage: Storage;
let host: RoutedHost;

const orders = (): FlWorkOrders | null => host.shadowRoot!.querySelector('fl-work-orders');
const card = (): HTMLElement | null => orders()?.shadowRoot?.querySelector('article[aria-label="Work order: Replace pump seal"]') ?? null;
const notes = (): HTMLTextAreaElement => card()!.querySelector('textarea')!;

beforeEach(async () => {
  answer = false;
  asked = [];
  history.replaceState(null, '', '#/work-orders');
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('unsaved-work-orders') } });
  await storage.put('work_order/seal', { type: 'work_order', site: 'site/north', title: 'Replace pump seal', status: 'open', notes: '' });
  host = document.createElement('routed-work-orders-host') as RoutedHost;
  host.storage = storage;
  document.body.append(host);
  await expect.poll(() => card() !== null, { timeout: 5000 }).toBe(true);
});

afterEach(async () => {
  host.remove();
  history.replaceState(null, '', '#/');
  await storage.destroy();
});

describe('unsaved work order notes', () => {
  it('unsaved notes vanished silently on navigation: leaving asks first, and staying keeps them', async () => {
    await userEvent.fill(notes(), 'Seal kit on the van');
    expect(unsavedChanges()).toEqual(['the changes to work order "Replace pump seal"']);
    location.hash = '#/sync';
    await expect.poll(() => asked.length, { timeout: 5000 }).toBe(1);
    expect(asked[0]).toEqual(['the changes to work order "Replace pump seal"']);
    // The user chose to stay: the view, the address and the typed notes are all still there.
    await host.updateComplete;
    expect(host.router.route).toBe('work-orders');
    expect(location.hash).toBe('#/work-orders');
    expect(notes().value).toBe('Seal kit on the van');
  });

  it('once saved, nothing is unsaved and navigation goes without asking', async () => {
    await userEvent.fill(notes(), 'Seal kit on the van');
    const save = [...card()!.querySelectorAll('button')].find((button) => button.textContent?.trim() === 'Save')!;
    await userEvent.click(save);
    await expect.poll(async () => (await storage.get('work_order/seal')).notes, { timeout: 5000 }).toBe('Seal kit on the van');
    expect(unsavedChanges()).toEqual([]);
    location.hash = '#/sync';
    await expect.poll(() => host.shadowRoot!.querySelector('.sync') !== null, { timeout: 5000 }).toBe(true);
    expect(asked).toEqual([]);
  });

  it('typing back what was stored is not an unsaved change; a half-filled New work order is', async () => {
    await userEvent.fill(notes(), 'x');
    await userEvent.fill(notes(), '');
    expect(unsavedChanges()).toEqual([]);
    const title = orders()!.shadowRoot!.querySelector<HTMLInputElement>('#new-title')!;
    await userEvent.fill(title, 'Check anemometer');
    expect(unsavedChanges()).toEqual(['the new work order']);
  });

  it('closing the tab with unsaved notes asks the browser to confirm', async () => {
    await userEvent.fill(notes(), 'Seal kit on the van');
    const event = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
  });
});
