// The work orders view says "saved" or "failed" with the app's one toast helper (real Chromium,
// real IndexedDB; a storage that refuses writes for the failure).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineGadgets, type FlWorkOrders } from '../../src/gadgets';
import { StorageError, createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

let gadget: FlWorkOrders | undefined;

afterEach(() => {
  gadget?.remove();
  for (const stack of document.querySelectorAll('.sl-toast-stack')) stack.remove();
});

const toasts = () => [...document.querySelectorAll('.sl-toast-stack sl-alert')].map((alert) => [alert.getAttribute('variant'), alert.textContent?.trim()]);

async function mount(storage: Storage): Promise<ShadowRoot> {
  gadget = document.createElement('fl-work-orders');
  gadget.storage = storage;
  document.body.append(gadget);
  await vi.waitFor(() => expect(gadget!.shadowRoot!.textContent).toContain('No work orders'), { timeout: 5000 });
  return gadget.shadowRoot!;
}

function create(root: ShadowRoot, title: string): void {
  const form = root.querySelector('form[aria-label="New work order"]')!;
  form.querySelector<HTMLInputElement>('#new-title')!.value = title;
  form.querySelector<HTMLInputElement>('#new-site')!.value = 'site/north';
  [...form.querySelectorAll('button')].find((button) => button.textContent?.trim() === 'Create')!.click();
}

describe('work order toasts', () => {
  it('a created work order says so in a success toast', async () => {
    const root = await mount(createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('toasts') } }));
    create(root, 'Check anemometer');
    await vi.waitFor(() => expect(toasts()).toContainEqual(['success', 'Work order created']));
  });

  it('a write the storage refuses says why in a danger toast that stays', async () => {
    const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('toasts-full') } });
    storage.put = async () => {
      throw new StorageError('quota_exceeded', 'this device is out of storage space');
    };
    const root = await mount(storage);
    create(root, 'Check anemometer');
    await vi.waitFor(() => expect(toasts()).toContainEqual(['danger', 'Work order not saved: this device is out of storage space']));
  });
});
