// A half-filled New work order and route changes, in real Chromium: what was typed used to vanish
// silently when the user followed a navigation link. The list's form registers with the app's
// unsaved-changes guard (src/controllers/unsaved-changes-controller.ts), which the router asks;
// a refused leave puts back the address the user left, with the search the list keeps in it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LitElement, html } from 'lit';
import { ContextProvider } from '@lit/context';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import { RouteController, storageContext, unsavedChanges } from '../../src/controllers';
import { defineGadgets, type FlWorkOrders } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { control, typeInto } from './support/work-orders';

defineGadgets();

/** What the user answers to "Leave without saving?" in these tests, and what they were told. */
let answer = false;
let asked: string[][] = [];

/** A shell like the app's: a router that asks the guard, the storage in context, the list on its route. */
class RoutedHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  readonly router = new RouteController<'work-orders' | 'sync'>(this, {
    routes: ['work-orders', 'sync'],
    confirmLeave: async (unsaved) => {
      asked.push(unsaved);
      return answer;
    },
  });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    if (this.router.route !== 'work-orders') return html`<p class="sync">Sync</p>`;
    return this.router.params.length > 0 ? html`<p class="page">${this.router.params[0]}</p>` : html`<fl-work-orders .username=${'ana'}></fl-work-orders>`;
  }
}
customElements.define('routed-work-orders-host', RoutedHost);

let storage: Storage;
let host: RoutedHost;

const orders = (): FlWorkOrders => host.shadowRoot!.querySelector('fl-work-orders')!;
const root = (): ShadowRoot => orders().shadowRoot!;
const title = (): SlInput => control<SlInput>(root(), 'sl-input', 'Title');
const search = (): SlInput => control<SlInput>(root(), 'sl-input', 'Search');

async function poll(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function openForm(): Promise<void> {
  ([...root().querySelectorAll('sl-button')].find((button) => button.textContent?.trim() === 'New work order') as HTMLElement).click();
  await orders().updateComplete;
  await poll(() => root().querySelector('sl-select[label="Site"]') !== null, 'the site list');
}

beforeEach(async () => {
  answer = false;
  asked = [];
  history.replaceState(null, '', '#/work-orders');
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('unsaved-work-orders') } });
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('work_order/seal', { type: 'work_order', site: 'site/north', title: 'Replace pump seal', status: 'open', notes: '' });
  host = document.createElement('routed-work-orders-host') as RoutedHost;
  host.storage = storage;
  document.body.append(host);
  await poll(() => host.shadowRoot?.querySelector('fl-work-orders')?.shadowRoot?.querySelector('a.order') != null, 'the list');
});

afterEach(async () => {
  host.remove();
  history.replaceState(null, '', '#/');
  await storage.destroy();
});

describe('an unsaved New work order', () => {
  it('vanished silently on navigation: leaving asks first, and staying keeps it', async () => {
    await openForm();
    await typeInto(title(), 'Check yaw brake');
    expect(unsavedChanges()).toEqual(['the new work order']);
    location.hash = '#/sync';
    await poll(() => asked.length === 1, 'the question');
    expect(asked[0]).toEqual(['the new work order']);
    // The user chose to stay: the view, the address and the typed title are all still there.
    await host.updateComplete;
    expect(host.router.route).toBe('work-orders');
    expect(location.hash).toBe('#/work-orders');
    expect(title().value).toBe('Check yaw brake');
  });

  it('a refused leave puts back the address with the search the list wrote into it since', async () => {
    await typeInto(search(), 'pump');
    await poll(() => location.hash === '#/work-orders?q=pump', 'the search in the address');
    await openForm();
    await typeInto(title(), 'Check yaw brake');
    location.hash = '#/sync';
    await poll(() => asked.length === 1, 'the question');
    await host.updateComplete;
    // The router's own record was the address first shown (no q): the user left the one with it.
    expect(location.hash).toBe('#/work-orders?q=pump');
    expect(search().value).toBe('pump');
  });

  it('Cancel throws the form away: nothing is unsaved, navigation goes without asking', async () => {
    await openForm();
    await typeInto(title(), 'Check yaw brake');
    ([...root().querySelectorAll('sl-button')].find((button) => button.textContent?.trim() === 'Cancel') as HTMLElement).click();
    await orders().updateComplete;
    expect(unsavedChanges()).toEqual([]);
    location.hash = '#/sync';
    await poll(() => host.shadowRoot!.querySelector('.sync') !== null, 'the Sync view');
    expect(asked).toEqual([]);
  });

  it('once created, nothing is unsaved and it goes to the new page without asking', async () => {
    await openForm();
    await typeInto(title(), 'Check yaw brake');
    await orders().updateComplete;
    ([...root().querySelectorAll('form sl-button')].find((button) => button.textContent?.trim() === 'Create') as HTMLElement).click();
    await poll(() => host.shadowRoot!.querySelector('.page') !== null, 'the work order page');
    expect(host.shadowRoot!.querySelector('.page')!.textContent).toMatch(/^work_order\//);
    expect(asked).toEqual([]);
    expect(unsavedChanges()).toEqual([]);
  });

  it('closing the tab with a half-filled form asks the browser to confirm', async () => {
    await openForm();
    await typeInto(title(), 'Check yaw brake');
    const event = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
  });
});
