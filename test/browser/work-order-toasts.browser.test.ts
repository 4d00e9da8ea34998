// The work orders view says "created" or "not saved" with the app's one toast helper (real
// Chromium, real IndexedDB; a storage that refuses writes for the failure, which also leaves the
// New work order form open with the reason and the typed title, so nothing is lost).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import { defineGadgets } from '../../src/gadgets';
import { StorageError, createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { control, gadgetOf, mountOrders, openNewForm, rootOf, submitNewForm, typeInto, type OrdersHost } from './support/work-orders';

defineGadgets();

let host: OrdersHost | undefined;
let storage: Storage | undefined;

afterEach(async () => {
  host?.remove();
  for (const stack of document.querySelectorAll('.sl-toast-stack')) stack.remove();
  history.replaceState(null, '', '#/');
  await storage?.destroy();
});

const toasts = () => [...document.querySelectorAll('.sl-toast-stack sl-alert')].map((alert) => [alert.getAttribute('variant'), alert.textContent?.trim()]);

async function create(target: Storage, title: string): Promise<HTMLFormElement> {
  history.replaceState(null, '', '#/work-orders');
  await target.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' }).catch(() => undefined);
  host = mountOrders(target);
  await vi.waitFor(() => expect(rootOf(host!).querySelector('.count')).not.toBeNull(), { timeout: 5000 });
  const form = await openNewForm(host);
  await vi.waitFor(() => expect(form.querySelector('sl-select[label="Site"]')).not.toBeNull());
  await typeInto(control<SlInput>(form, 'sl-input', 'Title'), title);
  await gadgetOf(host).updateComplete;
  submitNewForm(host);
  return form;
}

describe('work order toasts', () => {
  it('a created work order says so in a success toast', async () => {
    storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('toasts') } });
    await create(storage, 'Check anemometer');
    await vi.waitFor(() => expect(toasts()).toContainEqual(['success', 'Work order created']));
  });

  it('a write the storage refuses says why in a danger toast that stays, and the form keeps what was typed', async () => {
    storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('toasts-full') } });
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    storage.put = async () => {
      throw new StorageError('quota_exceeded', 'this device is out of storage space');
    };
    const form = await create(storage, 'Check anemometer');
    await vi.waitFor(() => expect(toasts()).toContainEqual(['danger', 'Work order not saved: this device is out of storage space']));
    expect(form.querySelector('[role="alert"]')!.textContent).toContain('out of storage space');
    expect(control<SlInput>(form, 'sl-input', 'Title').value).toBe('Check anemometer');
    expect(rootOf(host!).querySelector('sl-dialog')!.open).toBe(true);
    expect(location.hash).toBe('#/work-orders');
  });
});
