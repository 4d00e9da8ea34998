// <fl-work-orders> in real Chromium over a real IndexedDB storage: create, edit, delete, reload, errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextProvider } from '@lit/context';
import { storageContext } from '../../src/controllers';
import { defineGadgets, type FlWorkOrders } from '../../src/gadgets';
import { StorageError, createStorage, type Doc, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

let storage: Storage;
let gadget: FlWorkOrders;

/** Resolves once `check` holds (the gadget writes and lists asynchronously). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await gadget.updateComplete;
}

const root = (): ShadowRoot => gadget.shadowRoot!;
const titles = (): string[] => [...root().querySelectorAll('article')].map((card) => card.querySelector('h3')!.textContent!);
const card = (title: string): HTMLElement | null => root().querySelector(`article[aria-label="Work order: ${title}"]`);
const button = (scope: ParentNode, name: string): HTMLButtonElement =>
  [...scope.querySelectorAll('button')].find((candidate) => candidate.textContent?.trim() === name)!;
/** The form control a <label> with exactly this text names (how getByLabel finds it). */
function labelled<E extends Element>(scope: ParentNode, name: string): E {
  const label = [...scope.querySelectorAll('label')].find((candidate) => candidate.textContent?.trim() === name);
  return label!.control as unknown as E;
}

async function workOrders(): Promise<Array<{ id: string; doc: Doc }>> {
  const result = await storage.allDocs({ query: 'type:work_order', include_docs: true });
  return result.rows.map((row) => ({ id: row.id, doc: row.doc! }));
}

async function create(title: string, site: string): Promise<void> {
  const form = root().querySelector('form[aria-label="New work order"]')!;
  labelled<HTMLInputElement>(form, 'Title').value = title;
  labelled<HTMLInputElement>(form, 'Site').value = site;
  button(form, 'Create').click();
  await until(() => card(title) !== null, `the card of ${title}`);
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-orders') } });
  gadget = document.createElement('fl-work-orders');
  gadget.storage = storage;
  document.body.append(gadget);
  await until(() => root().textContent!.includes('No work orders'), 'the empty list');
});

afterEach(async () => {
  gadget.remove();
  await storage.destroy();
});

describe('<fl-work-orders>', () => {
  it('creates a work order that is open with no notes, and lists the cards by title', async () => {
    await create('Replace pump seal', 'Plant North');
    await create('Check anemometer', 'Demo wind farm');
    expect(titles()).toEqual(['Check anemometer', 'Replace pump seal']);
    const stored = await workOrders();
    expect(stored.map((row) => row.doc).sort((a, b) => String(a.title).localeCompare(String(b.title)))).toEqual([
      { type: 'work_order', site: 'Demo wind farm', title: 'Check anemometer', status: 'open', notes: '' },
      { type: 'work_order', site: 'Plant North', title: 'Replace pump seal', status: 'open', notes: '' },
    ]);
    const pump = card('Replace pump seal')!;
    expect(pump.textContent).toContain('Plant North');
    expect(pump.querySelector('.status')!.textContent).toBe('Open');
    // The form is cleared for the next one.
    expect(labelled<HTMLInputElement>(root(), 'Title').value).toBe('');
  });

  it('does not create a work order without a title or a site', async () => {
    const form = root().querySelector<HTMLFormElement>('form[aria-label="New work order"]')!;
    labelled<HTMLInputElement>(form, 'Title').value = 'No site given';
    button(form, 'Create').click();
    await gadget.updateComplete;
    expect(form.checkValidity()).toBe(false);
    expect(await workOrders()).toEqual([]);
  });

  it('saves status and notes into the stored document, keeping its other keys', async () => {
    await storage.put('work_order/seal', { type: 'work_order', site: 'Plant North', asset: 'Pump P-3', title: 'Replace pump seal', status: 'open', notes: '', priority: 2 });
    await gadget.reload();
    await gadget.updateComplete;
    const pump = card('Replace pump seal')!;
    expect(pump.textContent).toContain('Pump P-3');
    labelled<HTMLSelectElement>(pump, 'Status').value = 'in_progress';
    labelled<HTMLTextAreaElement>(pump, 'Notes').value = 'Seal kit on the van; pump isolated.';
    button(pump, 'Save').click();
    await until(() => card('Replace pump seal')?.getAttribute('data-status') === 'in_progress', 'the saved status');
    expect(await storage.get('work_order/seal')).toEqual({
      type: 'work_order',
      site: 'Plant North',
      asset: 'Pump P-3',
      title: 'Replace pump seal',
      status: 'in_progress',
      notes: 'Seal kit on the van; pump isolated.',
      priority: 2,
    });
    expect(card('Replace pump seal')!.querySelector('.status')!.textContent).toBe('In progress');
    expect(labelled<HTMLTextAreaElement>(card('Replace pump seal')!, 'Notes').value).toBe('Seal kit on the van; pump isolated.');
  });

  it('records the user as updated_by when one is set', async () => {
    gadget.user = 'ana';
    await create('Grease bearings', 'Plant North');
    const pump = card('Grease bearings')!;
    labelled<HTMLSelectElement>(pump, 'Status').value = 'done';
    gadget.user = 'ben';
    button(pump, 'Save').click();
    await until(() => card('Grease bearings')?.getAttribute('data-status') === 'done', 'the saved status');
    const [stored] = await workOrders();
    expect(stored!.doc.updated_by).toBe('ben');
  });

  it('deletes only after the second click, "Really delete?"', async () => {
    await create('Replace pump seal', 'Plant North');
    await create('Check anemometer', 'Demo wind farm');
    const pump = card('Replace pump seal')!;
    button(pump, 'Delete').click();
    await gadget.updateComplete;
    expect(button(pump, 'Delete')).toBeUndefined();
    expect((await workOrders()).length).toBe(2);
    button(pump, 'Really delete?').click();
    await until(() => card('Replace pump seal') === null, 'the card to go');
    expect((await workOrders()).map((row) => row.doc.title)).toEqual(['Check anemometer']);
    expect(titles()).toEqual(['Check anemometer']);
  });

  it('Cancel takes back the first Delete click', async () => {
    await create('Replace pump seal', 'Plant North');
    const pump = card('Replace pump seal')!;
    button(pump, 'Delete').click();
    await gadget.updateComplete;
    button(pump, 'Cancel').click();
    await gadget.updateComplete;
    expect(button(pump, 'Really delete?')).toBeUndefined();
    expect(button(pump, 'Delete')).toBeDefined();
  });

  it('reload() picks up a work order written straight to the storage', async () => {
    await storage.put('work_order/synced', { type: 'work_order', site: 'Demo wind farm', title: 'Inspect blade', status: 'done', notes: 'From the office' });
    expect(card('Inspect blade')).toBeNull();
    await gadget.reload();
    await gadget.updateComplete;
    expect(card('Inspect blade')!.querySelector('.status')!.textContent).toBe('Done');
    expect(labelled<HTMLTextAreaElement>(card('Inspect blade')!, 'Notes').value).toBe('From the office');
  });

  it('a fl-data-changed event on window reloads it, and only while it is on the page', async () => {
    await storage.put('work_order/a', { type: 'work_order', site: 'S', title: 'Alpha', status: 'open', notes: '' });
    window.dispatchEvent(new Event('fl-data-changed'));
    await until(() => card('Alpha') !== null, 'the card after the event');
    gadget.remove();
    await storage.put('work_order/b', { type: 'work_order', site: 'S', title: 'Bravo', status: 'open', notes: '' });
    window.dispatchEvent(new Event('fl-data-changed'));
    // A reload the event started would have read the storage before this read (calls take effect
    // in call order), and rendered by the next update.
    await storage.allDocs();
    await gadget.updateComplete;
    expect(card('Bravo')).toBeNull();
    document.body.append(gadget); // reconnected: lists again
    await until(() => card('Bravo') !== null, 'the card after reconnecting');
  });

  it('shows a storage error in an alert, and clears it once a write succeeds', async () => {
    await create('Replace pump seal', 'Plant North');
    const failing = new StorageError('quota_exceeded', 'The device is out of storage space while writing.');
    const real = storage;
    // Every call goes to the real storage except put, which fails like a full disk.
    gadget.storage = new Proxy(real, {
      get: (target, key) => (key === 'put' ? () => Promise.reject(failing) : (Reflect.get(target, key) as (...args: unknown[]) => unknown).bind(target)),
    });
    await gadget.updateComplete;
    const pump = card('Replace pump seal')!;
    labelled<HTMLSelectElement>(pump, 'Status').value = 'done';
    button(pump, 'Save').click();
    await until(() => root().querySelector('[role="alert"]') !== null, 'the alert');
    expect(root().querySelector('[role="alert"]')!.textContent).toBe(failing.message);
    expect((await real.get((await workOrders())[0]!.id)).status).toBe('open');
    gadget.storage = real;
    await gadget.updateComplete;
    button(card('Replace pump seal')!, 'Save').click();
    await until(() => root().querySelector('[role="alert"]') === null, 'the alert to go');
    expect((await workOrders())[0]!.doc.status).toBe('done');
  });

  it('shows an error when listing fails', async () => {
    const closed = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-orders-closed') } });
    await closed.close();
    gadget.storage = closed;
    await until(() => root().querySelector('[role="alert"]') !== null, 'the alert');
    expect(root().querySelector('[role="alert"]')!.textContent!.length).toBeGreaterThan(0);
  });

  it('takes the storage from its ancestors through storageContext', async () => {
    await storage.put('work_order/ctx', { type: 'work_order', site: 'S', title: 'From context', status: 'open', notes: '' });
    const host = document.createElement('div');
    const provider = new ContextProvider(host as HTMLElement & { addController?: undefined }, { context: storageContext, initialValue: storage });
    const inner = document.createElement('fl-work-orders');
    host.append(inner);
    document.body.append(host);
    try {
      const deadline = Date.now() + 5000;
      while (!inner.shadowRoot?.querySelector('article[aria-label="Work order: From context"]')) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the card from context');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(provider.value).toBe(storage);
    } finally {
      host.remove();
    }
  });
});
