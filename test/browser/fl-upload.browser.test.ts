// <fl-upload> in real Chromium: the site and asset of an import are chosen from this device's
// lists by title (never typed), and the upload job carries the chosen ids.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { Uploader, storageContext, uploaderContext } from '../../src/controllers';
import { defineGadgets } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class UploadHost extends LitElement {
  static override properties = { storage: { attribute: false }, uploader: { attribute: false } };
  declare storage: Storage | undefined;
  declare uploader: Uploader | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  readonly #uploader = new ContextProvider(this, { context: uploaderContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
    this.#uploader.setValue(this.uploader);
  }
  override render() {
    return html`<fl-upload></fl-upload>`;
  }
}
customElements.define('upload-host', UploadHost);

let host: UploadHost | undefined;

afterEach(() => host?.remove());

async function mount(storage: Storage): Promise<{ root: ShadowRoot; uploader: Uploader }> {
  const uploader = new Uploader({ outbox: createStorage({ type: 'memory' }), online: () => false });
  host = document.createElement('upload-host') as UploadHost;
  host.storage = storage;
  host.uploader = uploader;
  document.body.append(host);
  await host.updateComplete;
  const gadget = host.shadowRoot!.querySelector('fl-upload')!;
  await gadget.updateComplete;
  // Pick a file the way the file input does.
  const input = gadget.shadowRoot!.querySelector<HTMLInputElement>('input[type=file]')!;
  const transfer = new DataTransfer();
  transfer.items.add(new File(['time,temperature [°C]\n2024-01-01T00:00:00Z,21.5\n2024-01-01T00:00:01Z,21.6\n'], 'readings.csv', { type: 'text/csv' }));
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  await vi.waitFor(() => expect(gadget.shadowRoot!.querySelector('table[aria-label="First rows"]'), gadget.shadowRoot!.textContent ?? '').not.toBeNull(), { timeout: 15_000 });
  return { root: gadget.shadowRoot!, uploader };
}

describe('<fl-upload>', () => {
  it('site and asset come from lists of titles; the job gets their ids', async () => {
    const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('upload-view'), index: ['type', 'site', 'asset'] } });
    await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
    await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
    await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
    await storage.put('asset/south/inv1', { type: 'asset', site: 'site/south', title: 'Inverter 1', asset_type: 'inverter' });
    const { root, uploader } = await mount(storage);
    const selects = () => [...root.querySelectorAll<SlSelect>('sl-select')];
    await vi.waitFor(() => expect(selects().map((select) => select.label)).toEqual(['Site', 'Asset']));
    expect(root.querySelector('input[name="site"]')).toBeNull();
    const [site, asset] = selects();
    expect([...site!.querySelectorAll('sl-option')].map((option) => option.textContent?.trim())).toEqual(['North Sea Wind', 'Sunfield Solar']);
    site!.value = 'site/north';
    site!.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
    // Only the chosen site's assets are offered.
    await vi.waitFor(() => expect([...selects()[1]!.querySelectorAll('sl-option')].map((option) => option.textContent?.trim())).toEqual(['Turbine T01']));
    asset!.value = 'asset/north/t01';
    asset!.dispatchEvent(new CustomEvent('sl-change', { bubbles: true, composed: true }));
    await host!.updateComplete;
    (root.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await vi.waitFor(async () => expect((await uploader.jobs()).map((job) => [job.name, job.site, job.asset])).toEqual([['readings.csv', 'site/north', 'asset/north/t01']]));
  });

  it('with no site on this device yet, the site can still be named (first start before a sync)', async () => {
    const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('upload-empty'), index: ['type', 'site', 'asset'] } });
    const { root } = await mount(storage);
    await vi.waitFor(() => expect(root.querySelector('input[name="site"]')).not.toBeNull());
    expect(root.querySelector('sl-select')).toBeNull();
  });
});
