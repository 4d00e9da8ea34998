/**
 * Runs in Chromium: the Work orders view (<fl-work-orders>, the app's gadget) over 10 000 work
 * orders in IndexedDB, virtualized as the app draws it, against the same gadget drawing every row
 * (`plain`: the same rows, the same search and filter code, no virtualizer) in the same page and
 * run, alternated. render: mounting the view until its list is drawn (rows in the DOM, then the
 * next animation frame). filter: typing a search character by character, each keystroke timed
 * from the input event to the next animation frame after the gadget's update (and the
 * virtualizer's layout) completed.
 */
import { LitElement, html } from 'lit';
import { ContextProvider } from '@lit/context';
import type { LitVirtualizer } from '@lit-labs/virtualizer';
import { storageContext } from '../../src/controllers';
import { defineGadgets, type FlWorkOrders } from '../../src/gadgets';
import { createStorage, type Doc, type Storage } from '../../src/storage';
import { median } from './measure';

defineGadgets();

/** How many work orders the list holds (the figures are named for 10 000; a smoke run may pass fewer). */
let WORK_ORDERS = 10_000;

class BenchHost extends LitElement {
  static override properties = { storage: { attribute: false }, plain: { type: Boolean } };
  declare storage: Storage | undefined;
  declare plain: boolean;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return html`<fl-work-orders .username=${'ana'} .userRole=${'technician'} ?plain=${this.plain}></fl-work-orders>`;
  }
}
customElements.define('maintenance-bench-host', BenchHost);

const words = ['gearbox', 'bearing', 'pitch', 'yaw', 'inverter', 'string', 'cooling fan', 'anemometer', 'blade', 'transformer', 'cable', 'brake'];
const verbs = ['Inspect', 'Replace', 'Grease', 'Check', 'Repair', 'Clean', 'Tighten', 'Measure'];
const statuses = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified'];
const priorities = ['low', 'medium', 'high', 'urgent'];
const people = ['ana', 'ben', 'cy', 'dana', 'eli'];

/** A work order as the app writes them (deterministic from its index). */
function workOrder(index: number, sites: string[], assets: Array<{ id: string; site: string }>): Doc {
  const asset = assets[index % assets.length]!;
  const word = words[index % words.length]!;
  const day = new Date(Date.UTC(2026, 10, 1) + (index % 120) * 86_400_000).toISOString().slice(0, 10);
  return {
    type: 'work_order',
    site: asset.site ?? sites[0],
    asset: asset.id,
    title: `${verbs[index % verbs.length]} ${word} #${index}`,
    notes: index % 7 === 0 ? `Found wear on the ${word}; parts ordered.` : '',
    status: statuses[index % statuses.length]!,
    priority: priorities[(index * 7) % priorities.length]!,
    kind: index % 5 === 0 ? 'preventive' : 'corrective',
    due: day,
    ...(index % 3 !== 0 ? { assignee: people[index % people.length]! } : {}),
    ...(index % 4 === 0 ? { parts: [{ id: `p${index}`, name: `${word} kit`, quantity: 1, part_number: `PN-${index % 300}` }] } : {}),
    ...(index % 5 === 0 ? { checklist: [{ id: 'c1', label: `${word} visual check`, kind: 'pass_fail' }, { id: 'c2', label: 'Torque', kind: 'value', unit: 'N·m' }] } : {}),
    created_at: new Date(Date.UTC(2026, 9, 1) + index * 60_000).toISOString(),
    updated_at: new Date(Date.UTC(2026, 9, 1) + index * 90_000).toISOString(),
    history: [],
  };
}

/** The app's local storage stack (query over IndexedDB with the app's indexes) holding 10 000 work orders. */
async function seeded(): Promise<Storage> {
  const storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: `maintenance-bench-${Date.now()}`, index: ['type', 'site', 'asset', 'kind'] } });
  const sites = ['site/north', 'site/south'];
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  const assets: Array<{ id: string; site: string }> = [];
  for (let index = 0; index < 30; index++) {
    const site = sites[index % 2]!;
    const id = `asset/${site.slice(5)}/a${String(index).padStart(2, '0')}`;
    assets.push({ id, site });
    await storage.put(id, { type: 'asset', site, title: `${index % 2 ? 'Inverter' : 'Turbine'} ${String(index).padStart(2, '0')}`, asset_type: index % 2 ? 'inverter' : 'turbine' });
  }
  for (let start = 0; start < WORK_ORDERS; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, WORK_ORDERS - start) }, (_, offset) => start + offset);
    await Promise.all(batch.map((index) => storage.put(`work_order/${String(index).padStart(5, '0')}`, workOrder(index, sites, assets))));
  }
  return storage;
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
/** The next task: after the frame whose rAF just ran has done its style, layout and resize observers. */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

function gadgetOf(host: BenchHost): FlWorkOrders {
  return host.shadowRoot!.querySelector('fl-work-orders')!;
}

/**
 * Resolves once the gadget's update and its virtualizer's are done, then the next animation frame
 * has run with its layout (the virtualizer positions and measures its rows there). Not the
 * virtualizer's layoutComplete: it waits two more frames, and never resolves when nothing moved.
 */
async function drawn(gadget: FlWorkOrders): Promise<void> {
  await gadget.updateComplete;
  const virtualizer = gadget.shadowRoot!.querySelector<LitVirtualizer>('lit-virtualizer');
  if (virtualizer) await virtualizer.updateComplete;
  await frame();
  await nextTask();
}

/** Mounts the view and waits until its list is drawn; the milliseconds that took. */
async function openView(storage: Storage, plain: boolean): Promise<{ ms: number; host: BenchHost }> {
  const host = document.createElement('maintenance-bench-host') as BenchHost;
  host.storage = storage;
  host.plain = plain;
  const started = performance.now();
  document.body.append(host);
  // Listed when the count says all are there and rows are in the DOM.
  for (;;) {
    const gadget = host.shadowRoot?.querySelector('fl-work-orders');
    const root = gadget?.shadowRoot;
    if (root && root.querySelector('.count')?.getAttribute('data-total') === String(WORK_ORDERS) && root.querySelector('a.order')) break;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await drawn(gadgetOf(host));
  return { ms: performance.now() - started, host };
}

/** Times each keystroke of typing `text` into the search field; returns the times. */
async function typeSearch(host: BenchHost, text: string): Promise<number[]> {
  const gadget = gadgetOf(host);
  const input = gadget.shadowRoot!.querySelector('sl-input[label="Search"]') as HTMLElement & { value: string };
  const times: number[] = [];
  for (let length = 1; length <= text.length; length++) {
    const started = performance.now();
    input.value = text.slice(0, length);
    input.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
    await drawn(gadget);
    times.push(performance.now() - started);
  }
  // Back to everything (not timed), as the next search starts.
  input.value = '';
  input.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
  await drawn(gadget);
  return times;
}

const p95 = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
};

export interface MaintenanceFigures {
  render: { virtual: number; plain: number };
  filter: { virtualP95: number; virtualMedian: number; plainP95: number; plainMedian: number; keystrokes: number };
  /** What the searches left shown at their end (both must agree: the same filter code). */
  shown: Array<{ text: string; virtual: number; plain: number }>;
}

const searches = ['bearing', 'status:done', 'bearing ben', 'priority:high site:north', 'pn-12'];

async function run(count = 10_000): Promise<MaintenanceFigures> {
  WORK_ORDERS = count;
  const storage = await seeded();
  const render = { virtual: [] as number[], plain: [] as number[] };
  // Warm-up of both (code compiled, IndexedDB pages cached), then alternate.
  for (const plain of [false, true]) (await openView(storage, plain)).host.remove();
  for (let run = 0; run < 5; run++) {
    for (const plain of run % 2 ? [true, false] : [false, true]) {
      const { ms, host } = await openView(storage, plain);
      (plain ? render.plain : render.virtual).push(ms);
      host.remove();
    }
  }
  const virtualHost = (await openView(storage, false)).host;
  const plainHost = (await openView(storage, true)).host;
  // Both stay mounted (a remount lists the storage again, which would land amid the typing); the
  // one not being typed into is hidden, so it costs no layout and draws nothing.
  const show = async (host: BenchHost) => {
    for (const other of [virtualHost, plainHost]) other.style.display = other === host ? '' : 'none';
    await drawn(gadgetOf(host));
    await frame();
  };
  const filter = { virtual: [] as number[], plain: [] as number[] };
  const shown: MaintenanceFigures['shown'] = [];
  for (const host of [virtualHost, plainHost]) {
    await show(host);
    await typeSearch(host, 'warm');
  }
  for (const [index, text] of searches.entries()) {
    const counts = { virtual: 0, plain: 0 };
    for (const plain of index % 2 ? [true, false] : [false, true]) {
      const host = plain ? plainHost : virtualHost;
      await show(host);
      const times = await typeSearch(host, text);
      (plain ? filter.plain : filter.virtual).push(...times);
      // The count the full text leaves (typed again, not timed): both must agree.
      const input = gadgetOf(host).shadowRoot!.querySelector('sl-input[label="Search"]') as HTMLElement & { value: string };
      input.value = text;
      input.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
      await drawn(gadgetOf(host));
      counts[plain ? 'plain' : 'virtual'] = Number(gadgetOf(host).shadowRoot!.querySelector('.count')!.getAttribute('data-shown'));
      input.value = '';
      input.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
      await drawn(gadgetOf(host));
    }
    shown.push({ text, ...counts });
  }
  virtualHost.remove();
  plainHost.remove();
  await storage.destroy();
  return {
    render: { virtual: median(render.virtual), plain: median(render.plain) },
    filter: { virtualP95: p95(filter.virtual), virtualMedian: median(filter.virtual), plainP95: p95(filter.plain), plainMedian: median(filter.plain), keystrokes: filter.virtual.length },
    shown,
  };
}

/** Where a keystroke's time goes (for looking into it, not a figure): the gadget's update, then to the frame. */
async function diagnose(count = 10_000): Promise<Record<string, number>> {
  WORK_ORDERS = count;
  const storage = await seeded();
  const listed = performance.now();
  await storage.allDocs({ query: 'type:work_order', include_docs: true, sort_on: [['title', 'ascending']] });
  const listMs = performance.now() - listed;
  const { ms, host } = await openView(storage, false);
  const gadget = gadgetOf(host);
  const input = gadget.shadowRoot!.querySelector('sl-input[label="Search"]') as HTMLElement & { value: string };
  const update: number[] = [];
  const total: number[] = [];
  for (const text of ['bearing', 'status:done', 'pn-12', 'bearing', 'status:done']) {
    for (let length = 1; length <= text.length; length++) {
      const started = performance.now();
      input.value = text.slice(0, length);
      input.dispatchEvent(new CustomEvent('sl-input', { bubbles: true, composed: true }));
      await gadget.updateComplete;
      update.push(performance.now() - started);
      await drawn(gadget);
      total.push(performance.now() - started);
    }
  }
  host.remove();
  await storage.destroy();
  return { listMs, renderMs: ms, updateMedian: median(update), updateMax: Math.max(...update), totalMedian: median(total), totalP95: p95(total) };
}

export interface MaintenanceBenchApi {
  run(count?: number): Promise<MaintenanceFigures>;
  diagnose(count?: number): Promise<Record<string, number>>;
}

(window as unknown as { maintenanceBench: MaintenanceBenchApi }).maintenanceBench = { run, diagnose };
(window as unknown as { benchReady: boolean }).benchReady = true;
