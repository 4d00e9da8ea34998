/// <reference types="@vitest/browser-playwright" />
// The Models view in real Chromium over a real IndexedDB storage: specs listed with their trained
// versions (validation RMSE, coverage, training time, peak memory, failures, input importance,
// which one is active); an engineer creates a spec through the form (asset type from the device's
// assets, inputs from the channel fields of that type and its ancestors; a refused form names the
// label and writes nothing; the unsaved guard and a toast) and edits one (what the form does not
// own is kept); "Train new version" against the real test server (422: no failures, said in
// words), a training followed through the job route's states to done (the version read at once and
// made active), a failed one shown with its reason, and offline the button says why it is off.
// Screenshots at 768×1024 and 1440×900 in test-results/screenshots/models/.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { predictionModelsApiAt, storageContext, unsavedChanges, type PredictionModelsApi, type TrainingJob } from '../../src/controllers';
import { predictionModelProblem, type PredictionModelDoc, type PredictionModelVersionDoc } from '../../src/core';
import { defineGadgets, type FlPredictionModels } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';
import { TEST_SERVER_ADMIN_PASSWORD, TEST_SERVER_URL, login, serverExpect } from './support/test-server';

defineGadgets();

class ModelsHost extends LitElement {
  static override properties = { storage: { attribute: false }, view: { attribute: false } };
  declare storage: Storage | undefined;
  declare view: unknown;
  static override styles = css`:host { display: block; width: 100%; padding: 16px; box-sizing: border-box; }`;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return this.view;
  }
}
customElements.define('models-host', ModelsHost);

let storage: Storage;
let host: ModelsHost;

const bearing: PredictionModelDoc & { simulated: true } = {
  type: 'prediction_model',
  title: 'Main bearing remaining life',
  asset_type: 'main_bearing',
  inputs: ['main_bearing_temp', 'vibration_rms', 'wind_speed'],
  step_ms: 3_600_000,
  windows: [24, 72, 168],
  cap_days: 90,
  lead_days: 21,
  params: { trees: 200 },
  enabled: true,
  active_version: 2,
  simulated: true,
};

function version(n: number, rmse: number, importance: Array<{ input: string; share: number }>): PredictionModelVersionDoc {
  return {
    type: 'prediction_model_version',
    model: 'prediction_model/main-bearing',
    version: n,
    trained_at: Date.UTC(2026, 10, 20 + n, 9, 30),
    trained_by: n === 1 ? 'fieldline' : 'erin',
    training: { failures: 7 + n, assets: 4, rows: 12_000, seconds: 41.5 + n, peak_mib: 180 + n },
    validation: { rmse_days: rmse, mae_days: rmse * 0.8, coverage: 0.875, level: 0.9, units: 3 },
    features: ['main_bearing_temp.mean.24'],
    importance,
  };
}

async function mount(role: 'engineer' | 'admin' | 'technician' = 'engineer', api?: PredictionModelsApi, count = 1): Promise<FlPredictionModels> {
  host.view = html`<fl-prediction-models .username=${role === 'technician' ? 'tom' : 'erin'} .userRole=${role} .api=${api}></fl-prediction-models>`;
  document.body.append(host);
  await vi.waitFor(() => expect(host.shadowRoot?.querySelector('fl-prediction-models')).not.toBeNull());
  const view = host.shadowRoot!.querySelector('fl-prediction-models')!;
  await vi.waitFor(() => expect(view.shadowRoot!.querySelectorAll('[data-model]').length).toBe(count), { timeout: 10_000 });
  return view;
}

const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();
const buttons = (root: ParentNode) => [...root.querySelectorAll('sl-button')];
const button = (root: ParentNode, text: string) => buttons(root).find((candidate) => squash(candidate.textContent) === text || candidate.getAttribute('aria-label') === text)!;
const control = (root: ParentNode, tag: 'sl-input' | 'sl-select', label: string) => [...root.querySelectorAll(tag)].find((element) => element.getAttribute('label') === label)!;

async function type(root: ParentNode, label: string, text: string): Promise<void> {
  await userEvent.fill(control(root, 'sl-input', label).shadowRoot!.querySelector('input')!, text);
}

async function choose(view: FlPredictionModels, root: ParentNode, label: string, value: string): Promise<void> {
  const select = control(root, 'sl-select', label) as HTMLElement & { value: string };
  select.value = value;
  select.dispatchEvent(new Event('sl-change', { bubbles: true, composed: true }));
  await view.updateComplete;
}

async function tick(view: FlPredictionModels, field: string): Promise<void> {
  view.shadowRoot!.querySelector<HTMLElement>(`sl-checkbox[data-input="${field}"]`)!.click();
  await view.updateComplete;
}

const toasted = (text: string) => [...document.querySelectorAll('.sl-toast-stack sl-alert')].some((alert) => alert.textContent?.includes(text));

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('models'), index: ['type', 'site', 'asset', 'kind'] } });
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/north/t01/nacelle', { type: 'asset', site: 'site/north', parent: 'asset/north/t01', title: 'T01 nacelle', asset_type: 'nacelle' });
  await storage.put('asset/north/t01/main-bearing', { type: 'asset', site: 'site/north', parent: 'asset/north/t01/nacelle', title: 'T01 main bearing', asset_type: 'main_bearing' });
  await storage.put('asset/north/t02', { type: 'asset', site: 'site/north', title: 'Turbine T02', asset_type: 'turbine' });
  await storage.put('asset/north/met', { type: 'asset', site: 'site/north', title: 'Met mast', asset_type: 'met_mast' });
  const channel = (asset: string, field: string, title: string, unit: string, extra: Record<string, unknown> = {}) =>
    storage.put(`channel/${asset.split('/').slice(2).join('-')}/${field}`, { type: 'channel', site: 'site/north', asset, source: 'demo', array: `array/${field}`, title, unit, field, ...extra });
  await channel('asset/north/t01/main-bearing', 'main_bearing_temp', 'Main bearing temperature', '°C');
  await channel('asset/north/t01/main-bearing', 'vibration_rms', 'Vibration RMS', 'mm/s');
  await channel('asset/north/t01/nacelle', 'nacelle_temp', 'Nacelle temperature', '°C');
  await channel('asset/north/t01', 'wind_speed', 'Wind speed', 'm/s');
  // Not inputs of a main bearing model: another turbine's only field, the met mast's, a derived score.
  await channel('asset/north/t02', 'yaw_angle', 'Yaw angle', '°');
  await channel('asset/north/met', 'irradiance', 'Irradiance', 'W/m²');
  await storage.put('channel/anomaly/t01-main-bearing/vibration_rms/anomaly', { type: 'channel', site: 'site/north', asset: 'asset/north/t01/main-bearing', source: 'anomaly', array: 'array/anomaly/x', title: 'Vibration anomaly', unit: '', field: 'vibration_rms_anomaly', derived: { kind: 'anomaly', from: 'channel/x' } });
  await storage.put('prediction_model/main-bearing', bearing as never);
  await storage.put('prediction_model/main-bearing/v1', version(1, 14.2, [{ input: 'main_bearing_temp', share: 0.5 }, { input: 'vibration_rms', share: 0.3 }, { input: 'wind_speed', share: 0.2 }]) as never);
  await storage.put('prediction_model/main-bearing/v2', version(2, 9.64, [{ input: 'vibration_rms', share: 0.62 }, { input: 'main_bearing_temp', share: 0.28 }, { input: 'wind_speed', share: 0.1 }]) as never);
  host = document.createElement('models-host') as ModelsHost;
  host.storage = storage;
});

afterEach(async () => {
  host.remove();
  document.querySelectorAll('sl-dialog[data-confirm]').forEach((dialog) => dialog.remove());
  await storage.destroy();
});

describe('the Models view', () => {
  it('lists a spec with its versions newest first: figures, importance bars, which one is active', async () => {
    await page.viewport(768, 1024);
    const view = await mount();
    const root = view.shadowRoot!;
    const model = root.querySelector('[data-model="prediction_model/main-bearing"]')!;
    expect(squash(model.querySelector('h3')?.textContent)).toBe('Main bearing remaining life');
    expect(squash(model.querySelector('p.small')?.textContent)).toBe('Main bearing (1 part on this device) · 3 inputs · step 1 h · cap 90 d · lead time 21 d');
    expect(model.querySelector('[data-active-version]')?.getAttribute('data-active-version')).toBe('2');
    const versions = [...model.querySelectorAll<HTMLElement>('[data-version]')];
    expect(versions.map((element) => element.dataset.version)).toEqual(['2', '1']);
    const [newest, oldest] = versions as [HTMLElement, HTMLElement];
    expect(newest.querySelector('[data-active]')).not.toBeNull();
    expect(oldest.querySelector('[data-active]')).toBeNull();
    const figure = (element: Element, name: string) => squash(element.querySelector(`[data-figure="${name}"] dd`)?.textContent);
    expect(figure(newest, 'rmse')).toBe('9.6 d');
    expect(figure(oldest, 'rmse')).toBe('14 d');
    expect(figure(newest, 'coverage')).toBe('88 %');
    expect(squash(newest.querySelector('[data-figure="coverage"] dt')?.textContent)).toBe('Inside the 90 % interval');
    expect(figure(newest, 'seconds')).toBe('44 s');
    expect(figure(newest, 'peak')).toBe('182 MiB');
    expect(figure(newest, 'failures')).toBe('9 on 4 assets');
    expect(squash(newest.querySelector('header')?.textContent)).toContain('by erin');
    expect(squash(oldest.querySelector('header')?.textContent)).toContain('by the server');
    // Importance: largest share first, the bar as wide as the share.
    const bars = [...newest.querySelectorAll<HTMLElement>('[data-importance]')];
    expect(bars.map((bar) => bar.dataset.importance)).toEqual(['vibration_rms', 'main_bearing_temp', 'wind_speed']);
    expect(squash(bars[0]!.querySelector('.share')?.textContent)).toBe('62 %');
    const track = bars[0]!.querySelector<HTMLElement>('.bar')!.getBoundingClientRect().width;
    const fill = bars[0]!.querySelector<HTMLElement>('.bar span')!.getBoundingClientRect().width;
    expect(fill / track).toBeCloseTo(0.62, 2);
    await page.screenshot({ path: '../../test-results/screenshots/models/models-768x1024.png', element: host });
  });

  it('an engineer creates a spec: inputs of the type and its ancestors, a refused form writes nothing, then saved', async () => {
    await page.viewport(768, 1024);
    const view = await mount();
    const root = view.shadowRoot!;
    button(root, 'New model').click();
    await vi.waitFor(() => expect(root.querySelector('form')).not.toBeNull());
    const form = root.querySelector('form')!;
    expect(unsavedChanges()).toEqual([]);
    await type(form, 'Title', 'Bearing life (hourly)');
    // The asset types are those of the device's assets.
    expect([...control(form, 'sl-select', 'Asset type').querySelectorAll('sl-option')].map((option) => option.getAttribute('value'))).toEqual(['main_bearing', 'met_mast', 'nacelle', 'turbine']);
    await choose(view, form, 'Asset type', 'main_bearing');
    // Fields on the bearing and its ancestors (nacelle, turbine), not T02's, the met mast's or a derived score.
    expect([...form.querySelectorAll<HTMLElement>('sl-checkbox[data-input]')].map((box) => box.dataset.input)).toEqual(['main_bearing_temp', 'nacelle_temp', 'vibration_rms', 'wind_speed']);
    expect(unsavedChanges()).toEqual(['the prediction model "Bearing life (hourly)"']);
    // No input chosen: refused by label, nothing written.
    button(form, 'Save model').click();
    await vi.waitFor(() => expect(root.querySelector('[data-problem]')?.textContent).toBe('Inputs: choose at least one channel field'));
    await tick(view, 'main_bearing_temp');
    await tick(view, 'wind_speed');
    await type(form, 'Lead time (days)', '120');
    button(form, 'Save model').click();
    await vi.waitFor(() => expect(root.querySelector('[data-problem]')?.textContent).toBe('Lead time (days): from 0 up to the cap'));
    await type(form, 'Windows (steps)', '24, x');
    await type(form, 'Lead time (days)', '14');
    button(form, 'Save model').click();
    await vi.waitFor(() => expect(root.querySelector('[data-problem]')?.textContent).toBe('Windows (steps): "x" is not a whole number of steps from 1 to 10 000'));
    expect((await storage.allDocs({ query: 'type:prediction_model' })).rows.map((row) => row.id)).toEqual(['prediction_model/main-bearing']);

    await type(form, 'Windows (steps)', '168, 24 72');
    await type(form, 'Step (hours)', '0.5');
    for (const target of buttons(form)) expect(target.getBoundingClientRect().height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: '../../test-results/screenshots/models/model-editor-768x1024.png', element: host });
    button(form, 'Save model').click();
    await vi.waitFor(() => expect(root.querySelector('form')).toBeNull());
    expect(unsavedChanges()).toEqual([]);
    const written = (await storage.get('prediction_model/bearing-life-hourly')) as unknown as PredictionModelDoc;
    expect(predictionModelProblem(written)).toBeUndefined();
    expect(written).toEqual({ type: 'prediction_model', title: 'Bearing life (hourly)', asset_type: 'main_bearing', inputs: ['main_bearing_temp', 'wind_speed'], step_ms: 1_800_000, windows: [24, 72, 168], cap_days: 90, lead_days: 14, enabled: true });
    await vi.waitFor(() => expect(toasted('Model "Bearing life (hourly)" saved')).toBe(true));
    await vi.waitFor(() => expect(root.querySelectorAll('[data-model]').length).toBe(2));
    expect(squash(root.querySelector('[data-model="prediction_model/bearing-life-hourly"]')?.textContent)).toContain('No versions yet');
  });

  it('editing keeps what the form does not own (params, active version, simulated)', async () => {
    const view = await mount();
    const root = view.shadowRoot!;
    button(root, 'Edit Main bearing remaining life').click();
    await vi.waitFor(() => expect(root.querySelector('form')).not.toBeNull());
    const form = root.querySelector('form')!;
    expect([...form.querySelectorAll<HTMLElement & { checked: boolean }>('sl-checkbox[data-input]')].filter((box) => box.checked).map((box) => box.dataset.input)).toEqual(['main_bearing_temp', 'vibration_rms', 'wind_speed']);
    await type(form, 'Cap (days)', '120');
    await tick(view, 'nacelle_temp');
    form.querySelector<HTMLElement & { checked: boolean }>('sl-switch')!.click();
    await view.updateComplete;
    button(form, 'Save model').click();
    await vi.waitFor(() => expect(root.querySelector('form')).toBeNull());
    expect(await storage.get('prediction_model/main-bearing')).toMatchObject({ ...bearing, cap_days: 120, enabled: false, inputs: ['main_bearing_temp', 'vibration_rms', 'wind_speed', 'nacelle_temp'] });
  });

  it('a training is followed through the job states to done: the new version shown and active', async () => {
    const states: TrainingJob[] = [
      { state: 'queued' },
      { state: 'running', progress: { done: 1, total: 4, phase: 'features' } },
      { state: 'running', progress: { done: 3, total: 4, phase: 'train' } },
      { state: 'done', version: 3 },
    ];
    const asked: string[] = [];
    let next = 0;
    // Each state after the first waits for a permit the test gives once it saw the one before.
    let permits = 0;
    let waiter: (() => void) | undefined;
    const release = () => {
      permits++;
      waiter?.();
      waiter = undefined;
    };
    const api: PredictionModelsApi = {
      async train(slug) {
        asked.push(`train ${slug}`);
        return '17';
      },
      async job(slug, job) {
        asked.push(`job ${slug} ${job}`);
        if (next > 0) {
          while (permits === 0) await new Promise<void>((resolve) => (waiter = resolve));
          permits--;
        }
        return states[Math.min(next++, states.length - 1)]!;
      },
      async version(id) {
        asked.push(`version ${id}`);
        return { ...version(3, 8.1, [{ input: 'vibration_rms', share: 1 }]), trained_by: 'erin' };
      },
    };
    const view = await mount('engineer', api);
    const root = view.shadowRoot!;
    const model = () => root.querySelector('[data-model="prediction_model/main-bearing"]')!;
    (model().querySelector('sl-button[data-train]') as HTMLElement).click();
    await vi.waitFor(() => expect(model().querySelector('[data-training="queued"]')).not.toBeNull(), { timeout: 10_000 });
    expect((model().querySelector('sl-button[data-train]') as HTMLElement & { disabled: boolean }).disabled).toBe(true);
    release();
    await vi.waitFor(() => expect(squash(model().querySelector('[data-training="running"]')?.textContent)).toBe('Extracting features (25 %)'), { timeout: 10_000 });
    release();
    await vi.waitFor(() => expect(squash(model().querySelector('[data-training="running"]')?.textContent)).toBe('Training (75 %)'), { timeout: 10_000 });
    release();
    await vi.waitFor(() => expect(squash(model().querySelector('[data-training="done"]')?.textContent)).toBe('Trained: version 3 is ready and active.'), { timeout: 10_000 });
    await vi.waitFor(() => expect([...model().querySelectorAll<HTMLElement>('[data-version]')].map((element) => element.dataset.version)).toEqual(['3', '2', '1']), { timeout: 10_000 });
    expect(model().querySelector('[data-version="3"] [data-active]')).not.toBeNull();
    expect(model().querySelector('[data-active-version]')?.getAttribute('data-active-version')).toBe('3');
    expect(asked).toEqual(['train main-bearing', 'job main-bearing 17', 'job main-bearing 17', 'job main-bearing 17', 'job main-bearing 17', 'version prediction_model/main-bearing/v3']);
  });

  it('a failed training is shown with its reason; offline the button says why it is off', async () => {
    const api: PredictionModelsApi = {
      train: async () => '5',
      job: async () => ({ state: 'failed', error: 'the histories hold no sample of input vibration_rms' }),
      version: async () => {
        throw new Error('not asked');
      },
    };
    const view = await mount('engineer', api);
    const root = view.shadowRoot!;
    const model = () => root.querySelector('[data-model="prediction_model/main-bearing"]')!;
    (model().querySelector('sl-button[data-train]') as HTMLElement).click();
    await vi.waitFor(() => expect(squash(model().querySelector('[data-training="failed"]')?.textContent)).toBe('The training failed: the histories hold no sample of input vibration_rms.'), { timeout: 10_000 });
    // The browser says it went offline: no training, and the reason beside the button.
    window.dispatchEvent(new Event('offline'));
    await vi.waitFor(() => expect((model().querySelector('sl-button[data-train]') as HTMLElement & { disabled: boolean }).disabled).toBe(true), { timeout: 10_000 });
    expect(squash(model().querySelector('[data-offline]')?.textContent)).toBe('Offline: training runs on the server, connect to train.');
    expect(model().querySelector('sl-button[data-train]')!.getAttribute('aria-describedby')).toBe(model().querySelector('[data-offline]')!.id);
    window.dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect((model().querySelector('sl-button[data-train]') as HTMLElement & { disabled: boolean }).disabled).toBe(false), { timeout: 10_000 });
    expect(model().querySelector('[data-offline]')).toBeNull();
  });

  it('Train new version on the real server: a model of a type with no failures is refused in words (422)', async () => {
    const admin = await login('admin', TEST_SERVER_ADMIN_PASSWORD);
    const slug = `no-failures-${crypto.randomUUID().slice(0, 8)}`;
    const spec = { ...bearing, title: 'Nothing failed yet', asset_type: `gearbox_${slug.replace(/-/g, '_')}` } as Record<string, unknown>;
    delete spec.active_version;
    delete spec.simulated;
    await serverExpect(200, admin, 'PUT', `/api/docs/${encodeURIComponent(`prediction_model/${slug}`)}`, spec);
    await storage.put(`prediction_model/${slug}`, spec as never);
    const view = await mount('admin', predictionModelsApiAt({ base: TEST_SERVER_URL, token: admin }), 2);
    const model = () => view.shadowRoot!.querySelector(`[data-model="prediction_model/${slug}"]`)!;
    (model().querySelector('sl-button[data-train]') as HTMLElement).click();
    await vi.waitFor(() => expect(squash(model().querySelector('[data-training="refused"]')?.textContent)).toMatch(/^Not trained: Nothing to learn from: no failures of parts of type .* are recorded/), { timeout: 15_000 });
    await vi.waitFor(() => expect(toasted('"Nothing failed yet" not trained')).toBe(true));
  });

  it('takes the laptop screenshot with the editor open', async () => {
    await page.viewport(1440, 900);
    const view = await mount();
    button(view.shadowRoot!, 'Edit Main bearing remaining life').click();
    await vi.waitFor(() => expect(view.shadowRoot!.querySelector('form sl-checkbox[data-input]')).not.toBeNull());
    await page.screenshot({ path: '../../test-results/screenshots/models/model-editor-1440x900.png', element: host });
    button(view.shadowRoot!.querySelector('form')!, 'Cancel').click();
    await view.updateComplete;
    await page.screenshot({ path: '../../test-results/screenshots/models/models-1440x900.png', element: host });
  });
});
