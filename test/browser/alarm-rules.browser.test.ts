// The engineer's alarm rules page in real Chromium over a real IndexedDB storage: the controller's
// choices (channels by title, asset types, the fields a template can watch through the asset
// tree), saving a rule from the form into the device's storage (checked first: a refused one writes
// nothing), switching one off, and the page: list with severity and switch, the editor's check
// and the unsaved-changes guard.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContextProvider } from '@lit/context';
import { LitElement, html } from 'lit';
import { AlarmRulesController, RuleNotSaved, emptyDraft, storageContext, unsavedChanges } from '../../src/controllers';
import { alarmRuleProblem, type AlarmRule } from '../../src/core';
import { defineGadgets, type FlAlarmRules } from '../../src/gadgets';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

defineGadgets();

class RulesHost extends LitElement {
  static override properties = { storage: { attribute: false }, view: { attribute: false } };
  declare storage: Storage | undefined;
  declare view: unknown;
  readonly #storage = new ContextProvider(this, { context: storageContext });
  protected override willUpdate(): void {
    this.#storage.setValue(this.storage);
  }
  override render() {
    return this.view;
  }
}
customElements.define('rules-host', RulesHost);

class RulesProbe extends LitElement {
  readonly rules = new AlarmRulesController(this);
}
customElements.define('rules-probe', RulesProbe);

const toasts = () => [...document.querySelectorAll('.sl-toast-stack sl-alert')].map((alert) => [alert.getAttribute('variant'), alert.textContent?.trim()]);

let storage: Storage;
let host: RulesHost;

const hotBearing: AlarmRule & { simulated: true } = {
  type: 'alarm_rule',
  site: 'site/north',
  title: 'Gearbox hot',
  enabled: true,
  target: { asset_type: 'turbine', field: 'gearbox_temp' },
  condition: { kind: 'threshold', direction: 'high', level: 80, deadband: 3 },
  severity: 'high',
  escalation: [{ severity: 'critical', condition: { kind: 'threshold', direction: 'high', level: 90 } }],
  on_delay_s: 60,
  simulated: true,
};

async function mount<T extends Element>(view: unknown, tag: string): Promise<T> {
  host.view = view;
  document.body.append(host);
  await vi.waitFor(() => expect(host.shadowRoot?.querySelector(tag)).not.toBeNull());
  return host.shadowRoot!.querySelector(tag) as unknown as T;
}

beforeEach(async () => {
  storage = createStorage({ type: 'query', sub_storage: { type: 'indexeddb', database: uniqueName('alarm-rules'), index: ['type', 'site', 'asset', 'kind'] } });
  await storage.put('site/north', { type: 'site', title: 'North Sea Wind', kind: 'wind_farm' });
  await storage.put('site/south', { type: 'site', title: 'Sunfield Solar', kind: 'solar_plant' });
  await storage.put('asset/north/t01', { type: 'asset', site: 'site/north', title: 'Turbine T01', asset_type: 'turbine' });
  await storage.put('asset/north/t01-gearbox', { type: 'asset', site: 'site/north', title: 'T01 gearbox', asset_type: 'gearbox', parent: 'asset/north/t01' });
  await storage.put('asset/south/inv01', { type: 'asset', site: 'site/south', title: 'Inverter INV01', asset_type: 'inverter' });
  await storage.put('channel/t01/gearbox_temp', { type: 'channel', site: 'site/north', asset: 'asset/north/t01', source: 't01', array: 'array/t01/gearbox_temp', title: 'Gearbox bearing temperature', unit: '°C', field: 'gearbox_temp' });
  await storage.put('channel/t01/power', { type: 'channel', site: 'site/north', asset: 'asset/north/t01', source: 't01', array: 'array/t01/power', title: 'Active power', unit: 'kW', field: 'power' });
  await storage.put('channel/t01-cms/acc_x', { type: 'channel', site: 'site/north', asset: 'asset/north/t01-gearbox', source: 't01-cms', array: 'array/t01-cms/acc_x', title: 'Gearbox acceleration X', unit: 'g', field: 'acc_x' });
  await storage.put('channel/inv01/ac_power', { type: 'channel', site: 'site/south', asset: 'asset/south/inv01', source: 'inv01', array: 'array/inv01/ac_power', title: 'AC power', unit: 'kW', field: 'ac_power' });
  await storage.put('alarm_rule/demo-gearbox-overtemp', hotBearing as never);
  host = document.createElement('rules-host') as RulesHost;
  host.storage = storage;
});

afterEach(() => {
  host.remove();
  location.hash = '';
});

describe('AlarmRulesController', () => {
  it('offers channels by title, the site\'s asset types and the fields of their channels (parts included), and says what a rule watches', async () => {
    const probe = await mount<RulesProbe>(html`<rules-probe></rules-probe>`, 'rules-probe');
    await vi.waitFor(() => expect(probe.rules.loaded).toBe(true));
    expect(probe.rules.rules.map((rule) => rule.id)).toEqual(['alarm_rule/demo-gearbox-overtemp']);
    expect(probe.rules.sites).toEqual([
      { value: 'site/north', label: 'North Sea Wind' },
      { value: 'site/south', label: 'Sunfield Solar' },
    ]);
    expect(probe.rules.channelChoices('site/north').map((choice) => choice.label)).toEqual(['T01 gearbox — Gearbox acceleration X', 'Turbine T01 — Active power', 'Turbine T01 — Gearbox bearing temperature']);
    expect(probe.rules.assetTypes('site/north')).toEqual([
      { value: 'gearbox', label: 'Gearbox' },
      { value: 'turbine', label: 'Turbine' },
    ]);
    // A turbine's fields include its gearbox's (an ancestor has the type); a gearbox's only its own.
    expect(probe.rules.fieldChoices('site/north', 'turbine').map((choice) => choice.value)).toEqual(['power', 'acc_x', 'gearbox_temp']);
    expect(probe.rules.fieldChoices('site/north', 'gearbox').map((choice) => choice.value)).toEqual(['acc_x']);
    expect(probe.rules.siblingFields('channel/t01/gearbox_temp')).toEqual([{ value: 'power', label: 'Active power' }]);
    expect(probe.rules.targetText(hotBearing)).toBe('Every turbine: Gearbox bearing temperature');
    expect(probe.rules.targetText({ ...hotBearing, target: { channel: 'channel/t01-cms/acc_x' } })).toBe('T01 gearbox — Gearbox acceleration X');
  });

  it('saves a rule from the form into the device storage (checked: a refused one writes nothing), keeps keys it does not own, and switches one off', async () => {
    const probe = await mount<RulesProbe>(html`<rules-probe></rules-probe>`, 'rules-probe');
    await vi.waitFor(() => expect(probe.rules.loaded).toBe(true));
    const draft = { ...emptyDraft('site/north'), title: 'No power data', asset_type: 'turbine', field: 'power', conditions: [{ ...emptyDraft('').conditions[0]!, kind: 'stale' as const, after_s: '300' }] };
    const id = await probe.rules.save(undefined, draft, 'eve');
    expect(id).toMatch(/^alarm_rule\/[0-9a-f-]{36}$/);
    const stored = await storage.get(id);
    expect(stored).toEqual({ type: 'alarm_rule', site: 'site/north', title: 'No power data', enabled: true, target: { asset_type: 'turbine', field: 'power' }, condition: { kind: 'stale', after_s: 300 }, severity: 'medium', updated_by: 'eve' });
    expect(alarmRuleProblem(stored)).toBeUndefined();

    const before = (await storage.allDocs({ query: 'type:alarm_rule' })).rows.length;
    await expect(probe.rules.save(undefined, { ...draft, conditions: [{ ...draft.conditions[0]!, after_s: '' }] }, 'eve')).rejects.toThrow(RuleNotSaved);
    await expect(probe.rules.save(undefined, { ...draft, conditions: [{ ...draft.conditions[0]!, after_s: '-5' }] }, 'eve')).rejects.toThrow('condition.after_s');
    expect((await storage.allDocs({ query: 'type:alarm_rule' })).rows.length).toBe(before);

    // Editing the demo rule keeps `simulated`; switching it off keeps everything else.
    const { draftFromRule } = await import('../../src/controllers');
    await probe.rules.save('alarm_rule/demo-gearbox-overtemp', { ...draftFromRule(hotBearing), title: 'Gearbox hot (tuned)' }, 'eve');
    expect(await storage.get('alarm_rule/demo-gearbox-overtemp')).toEqual({ ...hotBearing, title: 'Gearbox hot (tuned)', updated_by: 'eve' });
    await probe.rules.setEnabled('alarm_rule/demo-gearbox-overtemp', false, 'eve');
    expect(await storage.get('alarm_rule/demo-gearbox-overtemp')).toEqual({ ...hotBearing, title: 'Gearbox hot (tuned)', updated_by: 'eve', enabled: false });
  });
});

describe('fl-alarm-rules', () => {
  it('lists the rules with target, condition in words, severity and switch; the editor shows why a rule cannot be saved, guards unsaved edits, and saves with a toast', async () => {
    const page = await mount<FlAlarmRules>(html`<fl-alarm-rules .username=${'eve'}></fl-alarm-rules>`, 'fl-alarm-rules');
    await vi.waitFor(() => expect(page.shadowRoot!.querySelector('[data-rule="alarm_rule/demo-gearbox-overtemp"]')).not.toBeNull());
    const row = page.shadowRoot!.querySelector('[data-rule="alarm_rule/demo-gearbox-overtemp"]')!;
    expect(row.textContent).toContain('Gearbox hot');
    expect(row.textContent).toContain('Every turbine: Gearbox bearing temperature');
    expect(row.textContent).toContain('value above 80, for 60 s, escalates: critical while value above 90');
    expect(row.querySelector('[data-severity]')?.textContent).toBe('High');

    // The switch writes the rule switched off.
    (row.querySelector('sl-switch') as HTMLElement).click();
    await vi.waitFor(async () => expect(((await storage.get('alarm_rule/demo-gearbox-overtemp')) as { enabled: boolean }).enabled).toBe(false));

    // A new rule: no target yet → the check says so, nothing written; the guard asks before leaving.
    const buttons = () => [...page.shadowRoot!.querySelectorAll('sl-button')];
    buttons().find((button) => button.textContent?.trim() === 'New rule')!.click();
    await vi.waitFor(() => expect(page.shadowRoot!.querySelector('form')).not.toBeNull());
    expect(unsavedChanges()).toEqual([]);
    page.draft = { ...page.draft!, title: 'Power missing', conditions: [{ ...page.draft!.conditions[0]!, kind: 'stale', after_s: '300' }] };
    await page.updateComplete;
    expect(unsavedChanges()).toEqual(['the alarm rule "Power missing"']);
    page.shadowRoot!.querySelector('form')!.requestSubmit();
    await vi.waitFor(() => expect(page.shadowRoot!.querySelector('[data-problem]')?.textContent).toBe('Target: choose an asset type and a field'));
    expect((await storage.allDocs({ query: 'type:alarm_rule' })).rows.length).toBe(1);

    // Target chosen: saved, the form closes, the list shows it, nothing left unsaved.
    page.draft = { ...page.draft!, asset_type: 'turbine', field: 'power' };
    await page.updateComplete;
    page.shadowRoot!.querySelector('form')!.requestSubmit();
    await vi.waitFor(() => expect(page.shadowRoot!.querySelector('form')).toBeNull());
    await vi.waitFor(() => expect([...page.shadowRoot!.querySelectorAll('[data-rule] h4')].map((title) => title.textContent)).toEqual(['Gearbox hot', 'Power missing']));
    expect(unsavedChanges()).toEqual([]);
    await vi.waitFor(() => expect(toasts()).toContainEqual(['success', 'Alarm rule "Power missing" saved']));
  });
});
