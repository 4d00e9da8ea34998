/// <reference types="@vitest/browser-playwright" />
// The preventive plans page in real Chromium over a real IndexedDB storage: plans listed with
// their target and trigger in words and the work orders they generated (next due first, links);
// an engineer writes a valid plan through the editor (typed into its inputs, chosen in its
// selects, checklist items added, reordered and removed), checked first (a refused one writes
// nothing), with the unsaved-changes guard and a toast; technicians read only. Screenshots at
// 768×1024 and 1366×900 in test-results/screenshots/plans/.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { ContextProvider } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { storageContext, unsavedChanges } from '../../src/controllers';
import { maintenancePlanProblem, type MaintenancePlan } from '../../src/core';
import { defineGadgets, type FlMaintenancePlans } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class PlansHost extends LitElement {
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
customElements.define('plans-host', PlansHost);

let storage: Storage;
let host: PlansHost;

const oilCheck: MaintenancePlan & { simulated: true } = {
  type: 'maintenance_plan',
  site: 'site/north',
  title: 'Gearbox oil check',
  target: { asset_type: 'turbine' },
  trigger: { kind: 'calendar', every_days: 30, start: '2026-12-02' },
  lead_days: 14,
  priority: 'medium',
  estimated_hours: 1.5,
  checklist: [
    { id: 'oil-level', label: 'Gearbox oil level', kind: 'value', unit: '%', min: 40, max: 90, field: 'gearbox_oil_level' },
    { id: 'leaks', label: 'No oil leaks', kind: 'pass_fail' },
  ],
  enabled: true,
  simulated: true,
};
const regreasing: MaintenancePlan = {
  type: 'maintenance_plan',
  site: 'site/north',
  title: 'Main bearing regreasing',
  target: { asset_type: 'turbine' },
  trigger: { kind: 'usage', measure: 'operating_hours', every: 2000, field: 'rotor_speed', threshold: 3 },
  lead_days: 14,
  priority: 'high',
  checklist: [{ id: 'grease', label: 'Grease pumped', kind: 'value', unit: 'g', field: 'main_bearing_grease' }],
};

const order = (asset: string, n: number, due: string, status: string) => ({
  type: 'work_order',
  site: 'site/north',
  asset,
  title: 'Gearbox oil check',
  notes: '',
  kind: 'preventive',
  status,
  due,
  plan: { id: 'maintenance_plan/demo-gearbox-oil', occurrence: n },
  checklist: oilCheck.checklist,
});

async function mount(role: 'engineer' | 'technician'): Promise<FlMaintenancePlans> {
  host.view = html`<fl-maintenance-plans .username=${role === 'engineer' ? 'eve' : 'tom'} .userRole=${role}></fl-maintenance-plans>`;
  document.body.append(host);
  await vi.waitFor(() => expect(host.shadowRoot?.querySelector('fl-maintenance-plans')).not.toBeNull());
  const view = host.shadowRoot!.querySelector('fl-maintenance-plans')!;
  await vi.waitFor(() => expect(view.shadowRoot!.querySelectorAll('[data-plan]').length).toBe(2), { timeout: 10_000 });
  return view;
}

const squash = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();
const buttons = (root: ParentNode) => [...root.querySelectorAll('sl-button')];
const button = (root: ParentNode, text: string) => buttons(root).find((candidate) => squash(candidate.textContent) === text)!;
const control = (root: ParentNode, tag: 'sl-input' | 'sl-select', label: string) => [...root.querySelectorAll(tag)].find((element) => element.getAttribute('label') === label)!;

/** Types `text` into the input labelled `label` as a person would (replacing what is there). */
async function type(root: ParentNode, label: string, text: string): Promise<void> {
  const input = control(root, 'sl-input', label).shadowRoot!.querySelector('input')!;
  await userEvent.fill(input, text);
}

/** Chooses `value` in the select labelled `label` (what picking the option does: value, then sl-change). */
async function choose(view: FlMaintenancePlans, root: ParentNode, label: string, value: string): Promise<void> {
  const select = control(root, 'sl-select', label) as HTMLElement & { value: string };
  select.value = value;
  select.dispatchEvent(new Event('sl-change', { bubbles: true, composed: true }));
  await view.updateComplete;
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('plans'), index: ['type', 'site', 'asset', 'kind'] } });
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  for (const name of ['T01', 'T02']) await storage.put(`asset/north/${name.toLowerCase()}`, { type: 'asset', site: 'site/north', title: `Turbine ${name}`, asset_type: 'turbine' });
  await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  await storage.put('channel/inv01/ac_power', { type: 'channel', site: 'site/south', asset: 'asset/south/inv01', source: 'inv01', array: 'array/inv01/ac_power', title: 'AC power', unit: 'kW', field: 'ac_power' });
  await storage.put('channel/t01/rotor_speed', { type: 'channel', site: 'site/north', asset: 'asset/north/t01', source: 't01', array: 'array/t01/rotor_speed', title: 'Rotor speed', unit: 'rpm', field: 'rotor_speed' });
  await storage.put('maintenance_plan/demo-gearbox-oil', oilCheck as never);
  await storage.put('maintenance_plan/regrease', regreasing as never);
  await storage.put('work_order/plan/demo-gearbox-oil/t01/1', order('asset/north/t01', 1, '2026-12-02', 'done') as never);
  await storage.put('work_order/plan/demo-gearbox-oil/t01/2', order('asset/north/t01', 2, '2027-01-01', 'open') as never);
  await storage.put('work_order/plan/demo-gearbox-oil/t02/1', order('asset/north/t02', 1, '2026-12-02', 'in_progress') as never);
  host = document.createElement('plans-host') as PlansHost;
  host.storage = storage;
});

afterEach(() => {
  host.remove();
  location.hash = '';
});

describe('the maintenance plans page', () => {
  it('lists plans with target, trigger in words and their work orders, next due first', async () => {
    await page.viewport(768, 1024);
    const view = await mount('engineer');
    const root = view.shadowRoot!;
    const oil = root.querySelector('[data-plan="maintenance_plan/demo-gearbox-oil"]')!;
    expect(squash(oil.querySelector('h4')?.textContent)).toBe('Gearbox oil check');
    expect(squash(oil.querySelector('p')?.textContent)).toBe('North Sea Wind · Every turbine · every 30 days, generated 14 days ahead');
    expect(squash(oil.querySelector('[data-next]')?.textContent)).toMatch(/^Next due 2 Dec 2026$|^Next due 02\/12\/2026$|^Next due Dec 2, 2026$/);
    const links = [...oil.querySelectorAll<HTMLAnchorElement>('a[data-order]')];
    // What is still to do soonest first (T02's in progress, then T01's next), then the done one.
    expect(links.map((link) => link.dataset.order)).toEqual(['work_order/plan/demo-gearbox-oil/t02/1', 'work_order/plan/demo-gearbox-oil/t01/2', 'work_order/plan/demo-gearbox-oil/t01/1']);
    expect(links[0]!.getAttribute('href')).toBe('#/work-orders/work_order%2Fplan%2Fdemo-gearbox-oil%2Ft02%2F1');
    expect(squash(links[0]!.textContent)).toMatch(/Turbine T02 In progress · #1$/);
    for (const link of links) expect(link.getBoundingClientRect().height).toBeGreaterThanOrEqual(44);
    const usage = root.querySelector('[data-plan="maintenance_plan/regrease"]')!;
    expect(squash(usage.querySelector('[data-trigger]')?.textContent)).toBe('every 2 000 operating hours');
    expect(squash(usage.textContent)).toContain('No work orders generated yet: they come when the usage nears the next multiple');
    await page.screenshot({ path: '../../test-results/screenshots/plans/plans-768x1024.png', element: host });
  });

  it('an engineer writes a valid plan through the editor; a refused one writes nothing', async () => {
    await page.viewport(768, 1024);
    const view = await mount('engineer');
    const root = view.shadowRoot!;
    button(root, 'New plan').click();
    await vi.waitFor(() => expect(root.querySelector('form')).not.toBeNull());
    const form = root.querySelector('form')!;
    expect(unsavedChanges()).toEqual([]);
    await type(form, 'Title', 'Inverter inspection');
    await choose(view, form, 'Site', 'site/south');
    await choose(view, form, 'Asset type', 'inverter');
    await choose(view, form, 'Due', 'usage');
    await choose(view, form, 'Counts', 'energy_mwh');
    // The field list holds the target's channels: the inverter's AC power.
    expect([...control(form, 'sl-select', 'Computed from').querySelectorAll('sl-option')].map((option) => squash(option.textContent))).toEqual(['AC power (kW)']);
    await choose(view, form, 'Computed from', 'ac_power');
    expect(unsavedChanges()).toEqual(['the maintenance plan "Inverter inspection"']);
    // Not saved without the interval: the reason in words, nothing written.
    button(form, 'Save plan').click();
    await vi.waitFor(() => expect(root.querySelector('[data-problem]')?.textContent).toBe('Every (MWh): enter a number'));
    expect((await storage.allDocs({ query: 'type:maintenance_plan' })).rows.length).toBe(2);

    await type(form, 'Every (MWh)', '50');
    await type(form, 'Generate ahead (days)', '7');
    await choose(view, form, 'Priority', 'high');
    await type(form, 'Estimated hours', '2');
    // Three items: add, fill, move the last up, remove the middle one.
    for (let index = 0; index < 3; index++) {
      button(form, 'Add an item').click();
      await view.updateComplete;
    }
    const items = () => [...form.querySelectorAll<HTMLElement>('fieldset[data-item]')];
    expect(items()).toHaveLength(3);
    await type(items()[0]!, 'What to check', 'Terminals tight');
    await type(items()[1]!, 'What to check', 'Display checked');
    await type(items()[2]!, 'What to check', 'Insulation resistance');
    await choose(view, items()[2]!, 'Answer', 'value');
    await type(items()[2]!, 'Unit', 'MΩ');
    await type(items()[2]!, 'Minimum', '1');
    await type(items()[2]!, 'Reading field', 'insulation_resistance');
    buttons(items()[2]!).find((candidate) => candidate.getAttribute('aria-label') === 'Move item 3 up')!.click();
    await view.updateComplete;
    buttons(items()[2]!).find((candidate) => candidate.getAttribute('aria-label') === 'Remove item 3')!.click();
    await view.updateComplete;
    expect(items().map((item) => (control(item, 'sl-input', 'What to check') as HTMLElement & { value: string }).value)).toEqual(['Terminals tight', 'Insulation resistance']);
    for (const target of buttons(form)) expect(target.getBoundingClientRect().height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: '../../test-results/screenshots/plans/plan-editor-768x1024.png', element: host });

    button(form, 'Save plan').click();
    await vi.waitFor(() => expect(root.querySelector('form')).toBeNull());
    expect(unsavedChanges()).toEqual([]);
    const { rows } = await storage.allDocs({ query: 'type:maintenance_plan', include_docs: true });
    const written = rows.map((row) => row.doc as unknown as MaintenancePlan).find((plan) => plan.title === 'Inverter inspection')!;
    expect(maintenancePlanProblem(written)).toBeUndefined();
    expect(written).toEqual({
      type: 'maintenance_plan',
      site: 'site/south',
      title: 'Inverter inspection',
      target: { asset_type: 'inverter' },
      trigger: { kind: 'usage', measure: 'energy_mwh', every: 50, field: 'ac_power' },
      lead_days: 7,
      priority: 'high',
      estimated_hours: 2,
      enabled: true,
      checklist: [
        { id: expect.stringMatching(/^item-/), label: 'Terminals tight', kind: 'pass_fail' },
        { id: expect.stringMatching(/^item-/), label: 'Insulation resistance', kind: 'value', unit: 'MΩ', min: 1, field: 'insulation_resistance' },
      ],
    });
    await vi.waitFor(() => expect([...document.querySelectorAll('.sl-toast-stack sl-alert')].some((alert) => alert.textContent?.includes('Plan "Inverter inspection" saved'))).toBe(true));
    await vi.waitFor(() => expect(root.querySelectorAll('[data-plan]').length).toBe(3));
  });

  it('editing keeps what the form does not own and the item ids; technicians get no editor', async () => {
    const view = await mount('engineer');
    const root = view.shadowRoot!;
    button(root, 'Edit Gearbox oil check').click();
    await vi.waitFor(() => expect(root.querySelector('form')).not.toBeNull());
    const form = root.querySelector('form')!;
    await type(form, 'Every (days)', '28');
    button(form, 'Save plan').click();
    await vi.waitFor(() => expect(root.querySelector('form')).toBeNull());
    const stored = (await storage.get('maintenance_plan/demo-gearbox-oil')) as unknown as MaintenancePlan & { simulated?: true };
    expect(stored).toEqual({ ...oilCheck, trigger: { kind: 'calendar', every_days: 28, start: '2026-12-02' } });
    host.remove();

    const read = await mount('technician');
    expect(buttons(read.shadowRoot!).map((candidate) => squash(candidate.textContent))).toEqual([]);
    expect(squash(read.shadowRoot!.textContent)).toContain('Engineers and admins write the plans');
  });

  it('takes the laptop screenshot with the editor open', async () => {
    await page.viewport(1366, 900);
    const view = await mount('engineer');
    button(view.shadowRoot!, 'Edit Gearbox oil check').click();
    await vi.waitFor(() => expect(view.shadowRoot!.querySelector('form fieldset[data-item]')).not.toBeNull());
    await page.screenshot({ path: '../../test-results/screenshots/plans/plan-editor-1366x900.png', element: host });
    await page.viewport(1366, 900);
  });
});
