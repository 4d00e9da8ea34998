/// <reference types="@vitest/browser-playwright" />
// Algorithms from the explorer in real Chromium: the kernel editor (CodeMirror) edits and emits,
// saving writes a valid user_kernel document to the app's storage, a built-in escalated max runs
// on the device over a real IndexedDB array into a derived IndexedDB storage and is handed to the
// shell, new samples (a live `samples` event) re-run it and extend the output, a user kernel run
// on the real test server gives the same output as on this device, and an endless loop stops at
// the sandbox's time limit with the error named while the page keeps running.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import axe from 'axe-core';
import { LitElement, html } from 'lit';
import { ChannelArray } from '../../src/arrays';
import { defaultSandboxLimits } from '../../src/compute';
import { apiClient, liveContext, serverStorageContext, storageContext, unsavedChanges, type LiveEvent, type LiveEvents } from '../../src/controllers';
import type { ExplorerSeries } from '../../src/controllers/explorer/series-loader';
import { userKernelProblem, type UserKernelDoc } from '../../src/core';
import { FlExplorerAlgorithms } from '../../src/gadgets/fl-explorer-algorithms';
import { FlKernelEditor } from '../../src/gadgets/fl-kernel-editor';
import '../../src/gadgets/design/components';
import { createStorage, type Doc, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

if (!customElements.get('fl-kernel-editor')) customElements.define('fl-kernel-editor', FlKernelEditor);
if (!customElements.get('fl-explorer-algorithms')) customElements.define('fl-explorer-algorithms', FlExplorerAlgorithms);

/** The server's live events as the LiveService hands them out (the test emits what the server would). */
class LiveHub implements LiveEvents {
  readonly connected = true;
  readonly #listeners = new Set<(event: LiveEvent) => void>();
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  emit(event: LiveEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

class AlgorithmsHost extends LitElement {
  static override properties = { storage: { attribute: false }, server: { attribute: false }, live: { attribute: false } };
  declare storage: Storage | undefined;
  declare server: Storage | undefined;
  declare live: LiveEvents | undefined;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  readonly #server = new ContextProvider(this, { context: serverStorageContext });
  readonly #live = new ContextProvider(this, { context: liveContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
    this.#server.setValue(this.server);
    this.#live.setValue(this.live);
  }
  override render() {
    return html`<slot></slot>`;
  }
}
if (!customElements.get('algorithms-host')) customElements.define('algorithms-host', AlgorithmsHost);

const T0 = Date.UTC(2026, 10, 20, 8);
const DT = 1; // 1 kHz
/** A vibration-like signal with a slowly growing envelope and a few missing samples (NaN). */
const valueAt = (index: number): number => (index % 997 === 13 ? Number.NaN : Math.sin(index * 0.37) * (1 + index / 4000) + ((index * 7919) % 101) / 500);

/** Escalated max over blocks of `block`, only blocks that are full: the reference (from the stored float32 values). */
function escalated(values: Float32Array, block: number): number[] {
  const out: number[] = [];
  let running = -Infinity;
  for (let start = 0; start + block <= values.length; start += block) {
    for (let index = start; index < start + block; index++) if (values[index]! === values[index]! && values[index]! > running) running = values[index]!;
    out.push(running);
  }
  return out;
}

interface Derived {
  panel: number;
  series: ExplorerSeries;
  outputLength: number;
}

let host: AlgorithmsHost | undefined;
afterEach(() => {
  host?.remove();
  host = undefined;
});

beforeAll(async () => {
  await page.viewport(1440, 900);
});

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The app's storage as the app has it: a query storage over IndexedDB (lists by type). */
const appStorage = (): Storage => createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('algorithms-app'), index: ['type'] } });

async function inputArray(storage: Storage, id: string, count: number): Promise<ChannelArray> {
  const array = await ChannelArray.create(storage, id, { timing: 'regular', unit: 'g' });
  await array.append(Float32Array.from({ length: count }, (_, i) => valueAt(i)), { t0: T0, dt: DT });
  return array;
}

async function mount(options: { storage: Storage; series: ExplorerSeries[]; derived?: Storage; server?: Storage; live?: LiveEvents; online?: boolean; api?: ReturnType<typeof apiClient> }): Promise<{ gadget: FlExplorerAlgorithms; derived: Derived[] }> {
  host = document.createElement('algorithms-host') as AlgorithmsHost;
  host.storage = options.storage;
  host.server = options.server;
  host.live = options.live;
  const gadget = document.createElement('fl-explorer-algorithms');
  gadget.series = options.series;
  gadget.online = options.online ?? false;
  gadget.username = 'erin';
  if (options.derived) gadget.derivedStorage = options.derived;
  if (options.api) gadget.api = options.api;
  const derived: Derived[] = [];
  host.addEventListener('fl-explorer-derived', (event) => derived.push((event as CustomEvent<Derived>).detail));
  host.append(gadget);
  document.body.append(host);
  await gadget.updateComplete;
  return { gadget, derived };
}

/** Waits for the `count`th output; a run that failed instead fails the test with its error. */
async function untilOutputs(gadget: FlExplorerAlgorithms, derived: Derived[], count: number, what: string, ms = 20_000): Promise<void> {
  await until(() => {
    if (gadget.dataset.phase === 'failed') throw new Error(`${what} failed: ${gadget.shadowRoot!.querySelector('[data-error]')?.textContent?.trim()}`);
    return derived.length >= count;
  }, what, ms);
}

/** Serious or critical WCAG 2 A/AA violations inside `element`. */
async function accessibilityProblems(element: Element): Promise<string[]> {
  const results = await axe.run(element, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
  return results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

const root = (gadget: HTMLElement): ShadowRoot => gadget.shadowRoot!;
const control = (gadget: HTMLElement, field: string): HTMLElement & { value: string } => root(gadget).querySelector(`[data-field="${field}"]`)!;
const action = (gadget: HTMLElement, name: string): HTMLElement => root(gadget).querySelector(`[data-action="${name}"]`)!;

/** Chooses in an sl-select or types into an sl-input as the user would end up (value + its event). */
async function choose(gadget: FlExplorerAlgorithms, field: string, value: string): Promise<void> {
  const element = control(gadget, field);
  element.value = value;
  element.dispatchEvent(new Event(element.tagName === 'SL-INPUT' ? 'sl-input' : 'sl-change', { bubbles: true, composed: true }));
  await gadget.updateComplete;
}

async function readAll(storage: Storage, id: string): Promise<{ values: Float32Array; times: Float64Array }> {
  const array = await ChannelArray.open(storage, id);
  return array.read(0, array.length);
}

describe('<fl-kernel-editor>', () => {
  it('shows the value, and the user\'s typing changes it and fires fl-change (a value set from outside fires nothing)', async () => {
    const editor = document.createElement('fl-kernel-editor');
    editor.label = 'Source';
    const changes: string[] = [];
    editor.addEventListener('fl-change', (event) => changes.push((event as CustomEvent<{ value: string }>).detail.value));
    document.body.append(editor);
    await editor.updateComplete;
    editor.value = 'function finish(state) { return 1; }';
    await editor.updateComplete;
    const content = editor.shadowRoot!.querySelector<HTMLElement>('.cm-content')!;
    expect(content.getAttribute('aria-label')).toBe('Source');
    expect(content.textContent).toContain('return 1;');
    expect(editor.shadowRoot!.querySelector('.cm-gutters')?.textContent).toContain('1');
    expect(changes).toEqual([]);

    editor.focus();
    await userEvent.keyboard('{Control>}{End}{/Control}');
    await userEvent.keyboard('// max');
    await until(() => changes.length > 0 && changes.at(-1)!.endsWith('// max'), 'the typed text to be announced');
    expect(editor.value).toBe('function finish(state) { return 1; }// max');
    // JavaScript highlighting is on: the keyword is a styled token.
    expect([...content.querySelectorAll('span')].some((span) => span.textContent === 'function')).toBe(true);
    editor.remove();
  });
});

describe('<fl-explorer-algorithms> on this device', () => {
  it('saves a new kernel as a valid user_kernel document in the app storage, listed by its title', async () => {
    const storage = appStorage();
    const arrays = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-arrays') });
    const { gadget } = await mount({ storage, series: [{ key: 'channel/t/acc_x', channel: 'channel/t/acc_x', title: 'Gearbox acceleration X', unit: 'g', array: 'array/t/acc_x', storage: arrays }] });
    action(gadget, 'new-kernel').click();
    await gadget.updateComplete;
    const dialog = root(gadget).querySelector('sl-dialog')!;
    expect(dialog.getAttribute('label')).toBe('New kernel');
    const editor = dialog.querySelector('fl-kernel-editor')!;
    await editor.updateComplete;
    // The template to start from: the contract's max.
    expect(editor.value).toContain('function merge(a, b, params)');
    const title = dialog.querySelector<HTMLElement & { value: string }>('sl-input[name="title"]')!;
    title.value = 'Peak vibration (X)';
    title.dispatchEvent(new Event('sl-input', { bubbles: true, composed: true }));
    await gadget.updateComplete;
    // The open editor: labelled controls, no serious or critical violation.
    expect(await accessibilityProblems(host!)).toEqual([]);
    // Unsaved: the app's guard says so, and closing asks first; "Keep editing" keeps the draft.
    expect(unsavedChanges()).toEqual(['the kernel "Peak vibration (X)"']);
    action(gadget, 'close-kernel').click();
    await until(() => document.querySelector('sl-dialog[data-confirm]') !== null, 'the question');
    document.querySelector<HTMLElement>('sl-dialog[data-confirm] [data-answer="cancel"]')!.click();
    await until(() => document.querySelector('sl-dialog[data-confirm]') === null, 'the question to close');
    expect(root(gadget).querySelector('sl-dialog')).not.toBeNull();
    expect(await storage.get('user_kernel/peak-vibration-x').catch(() => undefined)).toBeUndefined();
    action(gadget, 'save-kernel').click();
    await until(async () => (await storage.get('user_kernel/peak-vibration-x').catch(() => undefined)) !== undefined, 'the kernel to be saved');
    const doc = (await storage.get('user_kernel/peak-vibration-x')) as unknown as UserKernelDoc;
    expect(userKernelProblem(doc)).toBeUndefined();
    expect(doc).toMatchObject({ type: 'user_kernel', title: 'Peak vibration (X)', output: 'blocks', block: 1000, owner: 'erin' });
    expect(doc.source).toContain('function step(state, chunk, params)');
    // Listed by title and chosen.
    await until(() => [...control(gadget, 'kernel').querySelectorAll('sl-option')].some((option) => option.textContent?.trim() === 'Peak vibration (X)'), 'the saved kernel in the list');
    expect(control(gadget, 'kernel').value).toBe('user:user_kernel/peak-vibration-x');
    // Saved: nothing unsaved, Close closes without asking.
    expect(unsavedChanges()).toEqual([]);
    action(gadget, 'close-kernel').click();
    await until(() => root(gadget).querySelector('sl-dialog') === null, 'the editor to close');
    expect(document.querySelector('sl-dialog[data-confirm]')).toBeNull();
  });

  it("shows a 'result' kernel's result here (numbers to 6 digits) and hands nothing to draw", async () => {
    const storage = appStorage();
    const arrays = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-arrays') });
    await inputArray(arrays, 'array/t04.cms/acc_x', 5_000);
    await storage.put('user_kernel/mean-count', {
      type: 'user_kernel',
      title: 'Mean and count',
      source: 'function init() { return { sum: 0, n: 0 }; }\nfunction step(s, c) { for (const v of c.values) if (v === v) { s.sum += v; s.n++; } return s; }\nfunction merge(a, b) { return { sum: a.sum + b.sum, n: a.n + b.n }; }\nfunction finish(s) { return { mean: s.sum / s.n, count: s.n }; }\n',
      output: 'result',
      owner: 'erin',
      created_at: 1,
      updated_at: 1,
    } as unknown as Doc);
    const input: ExplorerSeries = { key: 'channel/t04.cms/acc_x', channel: 'channel/t04.cms/acc_x', title: 'Gearbox acceleration X', unit: 'g', array: 'array/t04.cms/acc_x', storage: arrays };
    const { gadget, derived } = await mount({ storage, series: [input], derived: createStorage({ type: 'indexeddb', database: uniqueName('algorithms-derived') }) });
    await until(() => [...control(gadget, 'kernel').querySelectorAll('sl-option')].some((option) => option.textContent?.trim() === 'Mean and count'), 'the saved kernel in the list');
    await choose(gadget, 'kernel', 'user:user_kernel/mean-count');
    action(gadget, 'run').click();
    await until(() => gadget.dataset.phase === 'done' || gadget.dataset.phase === 'failed', 'the run');
    expect(gadget.dataset.phase).toBe('done');
    const values = (await readAll(arrays, input.array)).values.filter((v) => v === v);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const shown = JSON.parse(root(gadget).querySelector('[data-result]')!.textContent!) as { mean: number; count: number };
    expect(shown.count).toBe(values.length);
    expect(shown.mean).toBe(Number(mean.toPrecision(6)));
    expect(derived).toEqual([]);
    expect(await accessibilityProblems(host!)).toEqual([]);
  });

  it('runs escalated max over an IndexedDB array into the derived storage, hands it to the shell, and re-runs on new samples', async () => {
    const storage = appStorage();
    const arrays = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-arrays') });
    const derivedStorage = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-derived') });
    const live = new LiveHub();
    await inputArray(arrays, 'array/t01.cms/acc_x', 25_000);
    const input: ExplorerSeries & { panel: number } = { key: 'channel/t01.cms/acc_x', channel: 'channel/t01.cms/acc_x', title: 'Gearbox acceleration X', unit: 'g', array: 'array/t01.cms/acc_x', storage: arrays, panel: 1 };
    const { gadget, derived } = await mount({ storage, series: [input], derived: derivedStorage, live });
    await choose(gadget, 'kernel', 'builtin:escalated_max');
    await choose(gadget, 'block', '1000');
    await choose(gadget, 'place', 'device');
    action(gadget, 'run').click();
    await untilOutputs(gadget, derived, 1, 'the derived output');
    expect(gadget.dataset.phase).toBe('done');
    const first = derived[0]!;
    expect(first.panel).toBe(1);
    expect(first.series.derived?.label).toBe('Escalated max of Gearbox acceleration X');
    expect(first.series.title).toBe('Escalated max of Gearbox acceleration X');
    expect(first.series.storage).toBe(derivedStorage);
    expect(first.outputLength).toBe(25);
    const source = await readAll(arrays, input.array);
    const output = await readAll(derivedStorage, first.series.array);
    expect([...output.values]).toEqual(escalated(source.values, 1000));
    // Stamped at each block's first sample.
    expect([...output.times]).toEqual(Array.from({ length: 25 }, (_, k) => T0 + k * 1000 * DT));
    // Nothing of it in the app's storage (that one syncs).
    expect((await storage.allDocs()).rows.map((row) => row.id)).toEqual([]);

    // New samples on the server → a live event → it runs again and the output grows.
    const array = await ChannelArray.open(arrays, input.array);
    await array.append(Float32Array.from({ length: 7_500 }, (_, i) => valueAt(25_000 + i)), { t0: T0 + 25_000 * DT, dt: DT });
    live.emit({ type: 'samples', array: input.array, site: null, length: array.length, last: { time: T0 + 32_499 * DT, value: valueAt(32_499) } });
    await untilOutputs(gadget, derived, 2, 'the re-run');
    expect(derived[1]!.series.key).toBe(first.series.key);
    expect(derived[1]!.outputLength).toBe(32);
    const grown = await readAll(derivedStorage, first.series.array);
    expect([...grown.values]).toEqual(escalated((await readAll(arrays, input.array)).values, 1000));
    expect(gadget.dataset.runs).toBe('2');
    // Events of other arrays run nothing.
    live.emit({ type: 'samples', array: 'array/other', site: null, length: 1, last: { time: T0, value: 1 } });
    await gadget.updateComplete;
    expect(gadget.dataset.runs).toBe('2');

    // Offline no live event comes: a sync that brought data (pins) re-runs an input read on this device.
    await array.append(Float32Array.from({ length: 2_000 }, (_, i) => valueAt(32_500 + i)), { t0: T0 + 32_500 * DT, dt: DT });
    window.dispatchEvent(new Event('fl-data-changed'));
    await untilOutputs(gadget, derived, 3, 'the re-run after a sync');
    expect(derived[2]!.outputLength).toBe(34);
    expect([...(await readAll(derivedStorage, first.series.array)).values]).toEqual(escalated((await readAll(arrays, input.array)).values, 1000));

    // The input leaves the screen: it no longer follows (nothing runs on its samples), quietly.
    gadget.series = [];
    await gadget.updateComplete;
    expect(gadget.dataset.phase).toBe('idle');
    live.emit({ type: 'samples', array: input.array, site: null, length: array.length, last: { time: T0, value: 0 } });
    await gadget.updateComplete;
    expect(gadget.dataset.runs).toBe('3');
  });

  it('runs at most one pass at a time: samples arriving during a run queue one more run, not one each', async () => {
    const storage = appStorage();
    const arrays = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-arrays') });
    const derivedStorage = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-derived') });
    const live = new LiveHub();
    await inputArray(arrays, 'array/t02.cms/acc_x', 200_000);
    const input: ExplorerSeries = { key: 'channel/t02.cms/acc_x', channel: 'channel/t02.cms/acc_x', title: 'Gearbox acceleration X', unit: 'g', array: 'array/t02.cms/acc_x', storage: arrays };
    const { gadget, derived } = await mount({ storage, series: [input], derived: derivedStorage, live });
    await choose(gadget, 'block', '500');
    action(gadget, 'run').click();
    // The run starts at the click (synchronously): these all arrive while it runs.
    for (let count = 0; count < 5; count++) live.emit({ type: 'samples', array: input.array, site: null, length: 200_000, last: { time: T0, value: 0 } });
    await until(() => gadget.dataset.phase === 'done' && derived.length > 0, 'the runs to finish');
    await until(async () => Number(gadget.dataset.runs) >= 2 && gadget.dataset.phase === 'done', 'the queued run');
    expect(gadget.dataset.runs).toBe('2');
    expect(derived.at(-1)!.outputLength).toBe(400);

    // Run with other choices while one runs: the new one replaces it, and no "Cancelled" shows.
    const phases: string[] = [];
    const watcher = new MutationObserver(() => phases.push(gadget.dataset.phase ?? ''));
    watcher.observe(gadget, { attributes: true, attributeFilter: ['data-phase'] });
    await choose(gadget, 'block', '250');
    action(gadget, 'run').click();
    await choose(gadget, 'block', '125');
    action(gadget, 'run').click();
    await until(() => derived.some((each) => each.outputLength === 1600) && gadget.dataset.phase === 'done', 'the last choice\'s output');
    watcher.disconnect();
    expect(phases).not.toContain('failed');
    expect(derived.at(-1)!.outputLength).toBe(1600);
  });
});

/** Block RMS: floating-point work whose last bits show any difference between two sandboxes. */
const rmsKernel = (owner: string): UserKernelDoc => ({
  type: 'user_kernel',
  title: 'Block RMS',
  source: `function init(params) { return { sum: 0, n: 0 }; }
function step(state, chunk, params) {
  for (const v of chunk.values) if (v === v) { state.sum += v * v * params.gain; state.n++; }
  return state;
}
function merge(a, b, params) { return { sum: a.sum + b.sum, n: a.n + b.n }; }
function finish(state, params) { return state.n === 0 ? null : Math.sqrt(state.sum / state.n); }
`,
  output: 'blocks',
  block: 700,
  params: { gain: 1.5 },
  owner,
  created_at: Date.UTC(2026, 11, 1),
  updated_at: Date.UTC(2026, 11, 1),
});

describe('<fl-explorer-algorithms> on the server and on this device', () => {
  it('a user kernel run on the real test server gives the same output values and times as on this device', async () => {
    const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const token = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
    const site = `site/algorithms-${stamp}`;
    const arrayId = `array/algorithms-${stamp}/acc_x`;
    await serverExpect(200, token, 'PUT', `/api/docs/${encodeURIComponent(site)}`, { type: 'site', title: `Algorithms ${stamp}` });
    await serverExpect(201, token, 'POST', '/api/arrays', { id: arrayId, timing: 'explicit', unit: 'g', site });
    const COUNT = 9_000;
    await serverExpect(200, token, 'POST', `/api/arrays/${encodeURIComponent(arrayId)}/values`, {
      times: Array.from({ length: COUNT }, (_, i) => T0 + i * DT),
      values: Array.from({ length: COUNT }, (_, i) => (Number.isNaN(valueAt(i)) ? null : Math.fround(valueAt(i)))),
    });
    const server = createStorage({ type: 'http', url: TEST_SERVER_URL, token });
    const api = apiClient({ base: TEST_SERVER_URL, token });
    const storage = appStorage();
    const kernelId = `user_kernel/block-rms-${stamp}`;
    await storage.put(kernelId, rmsKernel('admin') as unknown as Doc);
    const endlessId = `user_kernel/endless-${stamp}`;
    await storage.put(endlessId, { ...rmsKernel('admin'), title: 'Endless on the server', source: 'function init() { return {}; }\nfunction step(state) { while (true) {} }\nfunction merge(a) { return a; }\nfunction finish() { return 0; }\n' } as unknown as Doc);
    const derivedStorage = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-derived') });
    const input: ExplorerSeries = { key: 'channel/alg/acc_x', channel: 'channel/alg/acc_x', title: 'Gearbox acceleration X', unit: 'g', array: arrayId, storage: server };
    const { gadget, derived } = await mount({ storage, series: [input], derived: derivedStorage, server, api, online: true });
    await until(() => [...control(gadget, 'kernel').querySelectorAll('sl-option')].some((option) => option.textContent?.trim() === 'Block RMS'), 'the saved kernel in the list');
    await choose(gadget, 'kernel', `user:${kernelId}`);

    await choose(gadget, 'place', 'server');
    action(gadget, 'run').click();
    await untilOutputs(gadget, derived, 1, 'the server run', 40_000);
    const onServer = derived[0]!;
    expect(onServer.series.storage).toBe(server);
    expect(onServer.series.derived?.label).toBe('Block RMS of Gearbox acceleration X');
    expect(onServer.outputLength).toBe(Math.floor(COUNT / 700));
    const serverOutput = await readAll(server, onServer.series.array);

    await choose(gadget, 'place', 'device');
    action(gadget, 'run').click();
    await untilOutputs(gadget, derived, 2, 'the device run', 40_000);
    const onDevice = derived[1]!;
    expect(onDevice.series.storage).toBe(derivedStorage);
    expect(onDevice.series.key).not.toBe(onServer.series.key);
    const deviceOutput = await readAll(derivedStorage, onDevice.series.array);
    expect(deviceOutput.values.length).toBe(Math.floor(COUNT / 700));
    // The same bytes: the same QuickJS build folded the same chunks on both sides.
    expect(new Uint8Array(deviceOutput.values.buffer)).toEqual(new Uint8Array(serverOutput.values.buffer));
    expect([...deviceOutput.times]).toEqual([...serverOutput.times]);
    // And they are the block RMS (×1.5 gain) of the input.
    const source = await readAll(server, arrayId);
    const first = source.values.subarray(0, 700).filter((v) => v === v);
    expect(deviceOutput.values[0]).toBeCloseTo(Math.sqrt(first.reduce((sum, v) => sum + v * v * 1.5, 0) / first.length), 5);

    // An endless loop on the server: its 422 names the limit here as on the device.
    await choose(gadget, 'kernel', `user:${endlessId}`);
    await choose(gadget, 'place', 'server');
    action(gadget, 'run').click();
    await until(() => gadget.dataset.phase === 'failed', 'the server time limit', 40_000);
    expect(gadget.dataset.errorCode).toBe('timeout');
    expect(root(gadget).querySelector('[data-error]')!.textContent).toContain('Time limit reached');
  }, 120_000);

  it('an endless loop stops at the time limit with the error named, and the page keeps running meanwhile', async () => {
    const storage = appStorage();
    const arrays = createStorage({ type: 'indexeddb', database: uniqueName('algorithms-arrays') });
    await inputArray(arrays, 'array/t03.cms/acc_x', 3_000);
    const kernelId = 'user_kernel/endless';
    await storage.put(kernelId, { ...rmsKernel('erin'), title: 'Endless', source: 'function init() { return {}; }\nfunction step(state) { while (true) {} }\nfunction merge(a) { return a; }\nfunction finish() { return 0; }\n' } as unknown as Doc);
    const input: ExplorerSeries = { key: 'channel/t03.cms/acc_x', channel: 'channel/t03.cms/acc_x', title: 'Gearbox acceleration X', unit: 'g', array: 'array/t03.cms/acc_x', storage: arrays };
    const { gadget } = await mount({ storage, series: [input], derived: createStorage({ type: 'indexeddb', database: uniqueName('algorithms-derived') }) });
    await until(() => [...control(gadget, 'kernel').querySelectorAll('sl-option')].some((option) => option.textContent?.trim() === 'Endless'), 'the saved kernel in the list');
    await choose(gadget, 'kernel', `user:${kernelId}`);
    // The page's timers while it runs: the longest pause between two ticks.
    let last = performance.now();
    let longestPause = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestPause = Math.max(longestPause, now - last);
      last = now;
      ticks++;
    }, 20);
    try {
      action(gadget, 'run').click();
      await until(() => gadget.dataset.phase === 'failed', 'the time limit', 30_000);
    } finally {
      clearInterval(timer);
    }
    expect(gadget.dataset.errorCode).toBe('timeout');
    const alert = root(gadget).querySelector('[data-error]')!;
    expect(alert.textContent).toContain('Time limit reached');
    expect(alert.textContent).toMatch(/\d+ ms/);
    // The loop ran in a worker: the page's timers kept firing while it looped. A loop on the
    // page's thread holds them for the whole limit (at least cpuMsPerCall without a tick).
    expect(ticks).toBeGreaterThan(10);
    expect(longestPause).toBeLessThan(defaultSandboxLimits.cpuMsPerCall);
    // It no longer follows the input, and Run works again.
    expect(action(gadget, 'cancel')).toBeNull();
    expect(action(gadget, 'run').hasAttribute('disabled')).toBe(false);

    // Cancel stops a run at once (its worker terminated), said as cancelled rather than a limit.
    action(gadget, 'run').click();
    await until(() => gadget.dataset.phase === 'running', 'the second run');
    action(gadget, 'cancel').click();
    await until(() => gadget.dataset.phase === 'failed', 'the cancel');
    expect(gadget.dataset.errorCode).toBe('cancelled');
    expect(root(gadget).querySelector('[data-error]')!.textContent).toContain('Cancelled');
  }, 60_000);
});
