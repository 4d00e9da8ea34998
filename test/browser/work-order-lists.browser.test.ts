// <fl-work-orders> chooses the site and asset of a new work order from the device's lists (it
// asked for a typed site id, and had no asset at all), and its cards show titles, not ids. Real
// Chromium over a real IndexedDB storage provided through the app's storage context.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { storageContext } from '../../src/controllers';
import { defineGadgets, type FlWorkOrders } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class OrdersHost extends LitElement {
  static override properties = { storage: { attribute: false } };
  declare storage: Storage | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-work-orders></fl-work-orders>`;
  }
}
customElements.define('orders-host', OrdersHost);

let storage: Storage;
let host: OrdersHost;

const gadget = () => host.shadowRoot!.querySelector('fl-work-orders') as FlWorkOrders;
const root = () => gadget().shadowRoot!;
const form = () => root().querySelector('form[aria-label="New work order"]') as HTMLFormElement;
const select = (label: string) => [...form().querySelectorAll('sl-select')].find((candidate) => candidate.getAttribute('label') === label) as SlSelect | undefined;
const options = (label: string) => [...(select(label)?.querySelectorAll('sl-option') ?? [])].map((option) => option.textContent?.trim());

/** Chooses an option as a user's click does: the value changes, then sl-change. */
async function choose(label: string, value: string): Promise<void> {
  const list = select(label)!;
  list.value = value;
  list.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
  await gadget().updateComplete;
}

async function create(title: string): Promise<void> {
  (form().querySelector('input[name="title"]') as HTMLInputElement).value = title;
  (form().querySelector('button[type="submit"]') as HTMLButtonElement).click();
  await vi.waitFor(() => expect(root().querySelector(`article[aria-label="Work order: ${title}"]`)).not.toBeNull());
}

async function stored(title: string) {
  const result = await storage.allDocs({ query: 'type:work_order', include_docs: true });
  return result.rows.map((row) => row.doc!).find((doc) => doc.title === title);
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('work-order-lists'), index: ['type', 'site'] } });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  await storage.put('asset/south/inv02', { type: 'asset', site: 'site/south', title: 'Inverter INV02', asset_type: 'inverter' });
  host = document.createElement('orders-host') as OrdersHost;
  host.storage = storage;
});

afterEach(async () => {
  host.remove();
  await storage.destroy();
});

describe('<fl-work-orders> site and asset lists', () => {
  it('a technician with one site has it chosen; the asset comes from its list; the card shows titles', async () => {
    document.body.append(host);
    await vi.waitFor(() => expect(select('Asset')).toBeDefined());
    expect(form().querySelector('input[name="site"]')).toBeNull(); // no typed site id
    expect(select('Site')!.value).toBe('site/south');
    expect(options('Asset')).toEqual(['Inverter INV01', 'Inverter INV02']);
    await choose('Asset', 'asset/south/inv02');
    await create('Replace INV02 fan');
    expect(await stored('Replace INV02 fan')).toMatchObject({ type: 'work_order', site: 'site/south', asset: 'asset/south/inv02', status: 'open' });
    const meta = root().querySelector('article[aria-label="Work order: Replace INV02 fan"] .meta')!.textContent!.replace(/\s+/g, ' ');
    expect(meta).toContain('Sunfield Solar · Inverter INV02');
    expect(meta).not.toMatch(/site\/|asset\//);
  });

  it('with several sites none is chosen first, and the asset list holds only the chosen site\'s assets', async () => {
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
    document.body.append(host);
    await vi.waitFor(() => expect(options('Site')).toEqual(['North Sea Wind', 'Sunfield Solar']));
    expect(select('Site')!.value).toBe('');
    expect(select('Asset')!.disabled).toBe(true);
    await choose('Site', 'site/north');
    expect(options('Asset')).toEqual(['Turbine T01']);
    await choose('Asset', 'asset/north/t01');
    // Another site: the asset chosen for the first one does not stay.
    await choose('Site', 'site/south');
    expect(options('Asset')).toEqual(['Inverter INV01', 'Inverter INV02']);
    await create('Site survey');
    const doc = await stored('Site survey');
    expect(doc).toMatchObject({ site: 'site/south' });
    expect(doc).not.toHaveProperty('asset');
  });
});
