// <fl-work-orders>, the compact list, in real Chromium over a real IndexedDB storage: rows with
// titles (never ids), status, priority, due (overdue marked) and assignee, each a link to the work
// order's page; full-text search and key:value terms with the count; the filter selects writing
// into the search; the search kept in the address in place (no history entries) and read from it;
// 10 000 work orders virtualized; reloading on fl-data-changed; a listing error shown.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { defineGadgets } from '../../src/gadgets';
import { localDay } from '../../src/controllers/maintenance/my-work';
import { addDays } from '../../src/controllers/maintenance/work-order-list';
import { createStorage, type Doc, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { chooseIn, control, countOf, gadgetOf, mountOrders, rootOf, rowTitles, rowsOf, typeInto, type OrdersHost } from './support/work-orders';

defineGadgets();

let storage: Storage;
let host: OrdersHost;
const today = localDay();

async function seed(): Promise<void> {
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  await storage.put('work_order/seal', { type: 'work_order', site: 'site/north', asset: 'asset/north/t01', title: 'Replace pump seal', notes: 'Leaking at the gearbox', status: 'in_progress', priority: 'urgent', due: addDays(today, -2), assignee: 'ana' });
  await storage.put('work_order/fan', { type: 'work_order', site: 'site/south', asset: 'asset/south/inv01', title: 'Inverter fan noisy', notes: '', status: 'done', priority: 'low', due: addDays(today, -5), assignee: 'ben' });
  // An old document: no priority, no due date, nobody assigned.
  await storage.put('work_order/old', { type: 'work_order', site: 'site/north', title: 'Check anemometer', status: 'open', notes: 'Cups worn' });
}

/** Writes many documents in one go where the storage can (bulkDocs), else concurrently one by one. */
async function putAll(docs: Array<Record<string, unknown> & { id: string }>): Promise<void> {
  const writes = docs.map(({ id, ...doc }) => ({ id, doc: doc as Doc }));
  if (storage.bulkDocs && storage.hasCapacity('bulk_docs')) {
    const results = await storage.bulkDocs(writes);
    expect(results.every((result) => result.ok)).toBe(true);
  } else await Promise.all(writes.map((write) => storage.put(write.id, write.doc)));
}

const search = (): SlInput => control<SlInput>(rootOf(host), 'sl-input', 'Search');
const filter = (label: string): SlSelect => control<SlSelect>(rootOf(host), 'sl-select', label);
const row = (title: string): HTMLAnchorElement | undefined => rowsOf(host).find((candidate) => candidate.querySelector('.title')?.textContent?.trim() === title);

beforeEach(async () => {
  history.replaceState(null, '', '#/work-orders');
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-orders'), index: ['type', 'site'] } });
});

afterEach(async () => {
  host?.remove();
  history.replaceState(null, '', '#/');
  await storage.destroy();
});

describe('<fl-work-orders> the list', () => {
  it('one compact row per work order: titles, status, priority, due (overdue in the danger colour), assignee, a link to its page', async () => {
    await seed();
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toHaveLength(3));
    // Sorted by due date (soonest first, none last).
    expect(rowTitles(host)).toEqual(['Inverter fan noisy', 'Replace pump seal', 'Check anemometer']);
    const seal = row('Replace pump seal')!;
    expect(seal.getAttribute('href')).toBe('#/work-orders/work_order%2Fseal');
    expect(seal.querySelector('.where')!.textContent).toBe('Turbine T01 · North Sea Wind');
    expect(seal.querySelector('.status')!.textContent).toBe('In progress');
    expect(seal.querySelector('.priority')!.textContent).toBe('Urgent');
    expect(seal.querySelector('.assignee')!.textContent).toBe('ana');
    const due = seal.querySelector<HTMLElement>('.due')!;
    expect(due.hasAttribute('data-overdue')).toBe(true);
    // Done work is not overdue, however old its due date; the overdue one is drawn in another colour.
    const notOverdue = row('Inverter fan noisy')!.querySelector<HTMLElement>('.due')!;
    expect(notOverdue.hasAttribute('data-overdue')).toBe(false);
    expect(getComputedStyle(due).color).not.toBe(getComputedStyle(notOverdue).color);
    const old = row('Check anemometer')!;
    expect(old.querySelector('.priority')!.textContent).toBe('Medium');
    expect(old.querySelector('.assignee')!.textContent).toBe('Unassigned');
    expect(old.textContent).not.toMatch(/site\/|asset\//);
    expect(countOf(host).text).toBe('3 work orders');
  });

  it('search: keyless words match any field, all must match; status: and other terms; the count follows', async () => {
    await seed();
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toHaveLength(3));
    await typeInto(search(), 'GEARBOX');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Replace pump seal'])); // found in the notes
    expect(countOf(host)).toMatchObject({ shown: 1, total: 3, text: '1 of 3' });
    await typeInto(search(), 'gearbox solar');
    await vi.waitFor(() => expect(countOf(host).shown).toBe(0));
    expect(rootOf(host).querySelector('[data-empty]')!.textContent).toContain('No work order matches');
    await typeInto(search(), 'status:done');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Inverter fan noisy']));
    expect(filter('Status').value).toBe('done'); // the select shows the term
    await typeInto(search(), 'site:north assignee:me');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Replace pump seal']));
    await typeInto(search(), 'due:overdue');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Replace pump seal']));
    await typeInto(search(), '"cups worn"');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Check anemometer']));
  });

  it('the filter selects write their term into the search; clearing one takes it out', async () => {
    await seed();
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toHaveLength(3));
    await typeInto(search(), 'a');
    await chooseIn(filter('Site'), 'site/north');
    await vi.waitFor(() => expect(search().value).toBe('a site:"North Sea Wind"'));
    expect(rowTitles(host)).toEqual(['Replace pump seal', 'Check anemometer']);
    await chooseIn(filter('Assignee'), 'none');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Check anemometer']));
    await chooseIn(filter('Site'), '');
    await vi.waitFor(() => expect(search().value).toBe('a assignee:none'));
    await chooseIn(filter('Sort by'), 'title');
    await chooseIn(filter('Assignee'), '');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Check anemometer', 'Inverter fan noisy', 'Replace pump seal']));
  });

  it('keeps the search in the address in place (no history entries), and a link with ?q= opens it filtered', async () => {
    await seed();
    const before = history.length;
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toHaveLength(3));
    for (const text of ['s', 'st', 'sta', 'status:done']) await typeInto(search(), text);
    await vi.waitFor(() => expect(location.hash).toBe('#/work-orders?q=status%3Adone'));
    expect(history.length).toBe(before);
    host.remove();

    history.replaceState(null, '', '#/work-orders?q=status%3Ain_progress&sort=title');
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Replace pump seal']));
    expect(search().value).toBe('status:in_progress');
    expect(filter('Sort by').value).toBe('title');
    // A link followed while the list is open ("To review") filters it too.
    location.hash = '#/work-orders?q=status%3Adone';
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Inverter fan noisy']));
  });

  it('a row followed right after typing keeps the search for Back (the address is written before the hash changes)', async () => {
    await seed();
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toHaveLength(3));
    await typeInto(search(), 'gearbox');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Replace pump seal']));
    // Within the pause before the address is written: the click leaves the list at once.
    expect(location.hash).toBe('#/work-orders');
    const hashChange = (): Promise<unknown> => new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    const opened = hashChange();
    row('Replace pump seal')!.click();
    await opened;
    expect(location.hash).toBe('#/work-orders/work_order%2Fseal');
    const back = hashChange();
    history.back();
    await back;
    expect(location.hash).toBe('#/work-orders?q=gearbox');
  });

  it('lists again on fl-data-changed, and only while it is on the page', async () => {
    await seed();
    host = mountOrders(storage);
    await vi.waitFor(() => expect(rowTitles(host)).toHaveLength(3));
    await storage.put('work_order/a', { type: 'work_order', site: 'site/north', title: 'Alpha', status: 'open', notes: '' });
    window.dispatchEvent(new Event('fl-data-changed'));
    await vi.waitFor(() => expect(row('Alpha')).toBeDefined());
    const gadget = gadgetOf(host);
    gadget.remove();
    await storage.put('work_order/b', { type: 'work_order', site: 'site/north', title: 'Bravo', status: 'open', notes: '' });
    window.dispatchEvent(new Event('fl-data-changed'));
    // A reload the event started would have read the storage before this read (calls take effect in order).
    await storage.allDocs();
    await gadget.updateComplete;
    expect([...gadget.shadowRoot!.querySelectorAll('a.order .title')].map((title) => title.textContent)).not.toContain('Bravo');
    host.shadowRoot!.append(gadget); // reconnected: lists again
    await vi.waitFor(() => expect(row('Bravo')).toBeDefined());
  });

  it('shows an error when listing fails', async () => {
    const closed = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-orders-closed') } });
    await closed.close();
    host = mountOrders(closed);
    await vi.waitFor(() => expect(rootOf(host).querySelector('[role="alert"]')?.textContent?.length).toBeGreaterThan(0));
  });
});

describe('<fl-work-orders> with 10 000 work orders', () => {
  it('virtualized: a few rows in the DOM, the count of all, search across all of them', async () => {
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    const statuses = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified'];
    await putAll(
      Array.from({ length: 10_000 }, (_, index) => ({
        id: `work_order/${String(index).padStart(5, '0')}`,
        type: 'work_order',
        site: 'site/north',
        title: `Inspection ${index}`,
        notes: index === 7777 ? 'needle in the haystack' : '',
        status: statuses[index % 6],
        due: addDays(today, index % 90),
      })),
    );
    host = mountOrders(storage);
    await vi.waitFor(() => expect(countOf(host).total).toBe(10_000), { timeout: 20_000 });
    expect(countOf(host).text).toBe('10\u202f000 work orders');
    await vi.waitFor(() => expect(rowsOf(host).length).toBeGreaterThan(0));
    expect(rootOf(host).querySelector('lit-virtualizer')).not.toBeNull();
    expect(rowsOf(host).length).toBeLessThan(200);
    await typeInto(search(), 'haystack');
    await vi.waitFor(() => expect(rowTitles(host)).toEqual(['Inspection 7777']));
    await typeInto(search(), 'status:verified');
    await vi.waitFor(() => expect(countOf(host).text).toBe('1\u202f666 of 10\u202f000'));
    expect(rowsOf(host).every((candidate) => candidate.dataset.status === 'verified')).toBe(true);
  });
});
