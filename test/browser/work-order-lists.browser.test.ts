// The New work order form chooses the site and asset from the device's lists (it once asked for a
// typed site id, and had no asset at all), writes through newWorkOrder (status, history, who) and
// goes to the new work order's page; its row shows titles, not ids. Real Chromium over a real
// IndexedDB storage provided through the app's storage context.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { defineGadgets } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { chooseIn, control, gadgetOf, mountOrders, openNewForm, rowsOf, submitNewForm, typeInto, type OrdersHost } from './support/work-orders';

defineGadgets();

let storage: Storage;
let host: OrdersHost;

const select = (form: HTMLFormElement, label: string) => control<SlSelect>(form, 'sl-select', label);
const options = (form: HTMLFormElement, label: string) => [...select(form, label).querySelectorAll('sl-option')].map((option) => option.textContent?.trim());

async function stored(title: string) {
  const result = await storage.allDocs({ query: 'type:work_order', include_docs: true });
  return result.rows.find((row) => row.doc!.title === title);
}

beforeEach(async () => {
  history.replaceState(null, '', '#/work-orders');
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-order-lists'), index: ['type', 'site'] } });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  await storage.put('asset/south/inv02', { type: 'asset', site: 'site/south', title: 'Inverter INV02', asset_type: 'inverter' });
});

afterEach(async () => {
  host.remove();
  history.replaceState(null, '', '#/');
  await storage.destroy();
});

describe('New work order: site and asset from lists', () => {
  it('a technician with one site has it chosen; the asset comes from its list; it goes to the new page; the row shows titles', async () => {
    host = mountOrders(storage, 'ana', 'technician');
    await vi.waitFor(() => expect(gadgetOf(host).shadowRoot!.querySelector('.count')).not.toBeNull());
    const form = await openNewForm(host);
    await vi.waitFor(() => expect(select(form, 'Site').value).toBe('site/south'));
    expect(form.querySelector('input[name="site"]')).toBeNull(); // no typed site id
    expect(options(form, 'Asset')).toEqual(['Inverter INV01', 'Inverter INV02']);
    await chooseIn(select(form, 'Asset'), 'asset/south/inv02');
    await typeInto(control<SlInput>(form, 'sl-input', 'Title'), 'Replace INV02 fan');
    await typeInto(control(form, 'sl-textarea', 'Description'), 'Fan bearing noisy');
    await chooseIn(select(form, 'Priority'), 'high');
    await typeInto(control<SlInput>(form, 'sl-input', 'Due'), '2026-12-24');
    await gadgetOf(host).updateComplete;
    submitNewForm(host);
    await vi.waitFor(() => expect(location.hash).toMatch(/^#\/work-orders\/work_order%2F[0-9a-f-]{36}$/));
    const row = (await stored('Replace INV02 fan'))!;
    expect(location.hash).toBe(`#/work-orders/${encodeURIComponent(row.id)}`);
    expect(row.doc).toMatchObject({ type: 'work_order', site: 'site/south', asset: 'asset/south/inv02', status: 'open', notes: 'Fan bearing noisy', priority: 'high', due: '2026-12-24', kind: 'corrective', created_by: 'ana', updated_by: 'ana' });
    expect(row.doc!.history).toEqual([expect.objectContaining({ action: 'created', by: 'ana' })]);
    // Back on the list (the app would show the page): the row reads in titles.
    history.replaceState(null, '', '#/work-orders');
    await vi.waitFor(() => expect(rowsOf(host).map((candidate) => candidate.querySelector('.where')?.textContent)).toEqual(['Inverter INV02 · Sunfield Solar']));
    expect(rowsOf(host)[0]!.textContent).not.toMatch(/site\/|asset\//);
  });

  it('with several sites none is chosen first, the asset list follows the site; an assignee makes it assigned', async () => {
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
    host = mountOrders(storage, 'erin', 'engineer');
    await vi.waitFor(() => expect(gadgetOf(host).shadowRoot!.querySelector('.count')).not.toBeNull());
    const form = await openNewForm(host);
    await vi.waitFor(() => expect(options(form, 'Site')).toEqual(['North Sea Wind', 'Sunfield Solar']));
    expect(select(form, 'Site').value).toBe('');
    expect(select(form, 'Asset').disabled).toBe(true);
    await chooseIn(select(form, 'Site'), 'site/north');
    await gadgetOf(host).updateComplete;
    expect(options(form, 'Asset')).toEqual(['Turbine T01']);
    await chooseIn(select(form, 'Asset'), 'asset/north/t01');
    // Another site: the asset chosen for the first one does not stay.
    await chooseIn(select(form, 'Site'), 'site/south');
    await gadgetOf(host).updateComplete;
    expect(options(form, 'Asset')).toEqual(['Inverter INV01', 'Inverter INV02']);
    await typeInto(control<SlInput>(form, 'sl-input', 'Title'), 'Site survey');
    await typeInto(control<SlInput>(form, 'sl-input', 'Assignee'), 'ana');
    await gadgetOf(host).updateComplete;
    submitNewForm(host);
    await vi.waitFor(async () => expect(await stored('Site survey')).toBeDefined());
    const doc = (await stored('Site survey'))!.doc!;
    expect(doc).toMatchObject({ site: 'site/south', assignee: 'ana', status: 'assigned', created_by: 'erin' });
    expect(doc).not.toHaveProperty('asset');
  });

  it('without a title nothing is written and the dialog stays open', async () => {
    host = mountOrders(storage);
    await vi.waitFor(() => expect(gadgetOf(host).shadowRoot!.querySelector('.count')).not.toBeNull());
    const form = await openNewForm(host);
    await vi.waitFor(() => expect(select(form, 'Site').value).toBe('site/south'));
    submitNewForm(host);
    // The form refuses (a required field): a second, valid submit is what gets written.
    await typeInto(control<SlInput>(form, 'sl-input', 'Title'), 'Second try');
    await gadgetOf(host).updateComplete;
    expect((await storage.allDocs({ query: 'type:work_order' })).rows).toHaveLength(0);
    expect(gadgetOf(host).shadowRoot!.querySelector('sl-dialog')!.open).toBe(true);
    submitNewForm(host);
    await vi.waitFor(async () => expect((await storage.allDocs({ query: 'type:work_order' })).rows).toHaveLength(1));
  });
});
