import { LitElement, css, html, nothing } from 'lit';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSwitch from '@shoelace-style/shoelace/dist/components/switch/switch.js';
import {
  AlarmRulesController,
  MAX_FORM_CONDITIONS,
  UnsavedChangesController,
  draftFromRule,
  emptyCondition,
  emptyDraft,
  escalationEditable,
  leafKindLabels,
  leafKinds,
  ruleFromDraft,
  ruleSummary,
  severitiesAbove,
  type Choice,
  type ConditionDraft,
  type EscalationDraft,
  type LeafKind,
  type RuleDraft,
} from '../controllers';
import { MAX_ESCALATIONS, severities, windowStats, type AlarmRule, type Severity, type WindowStat } from '../core';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { confirmDialog } from './design/confirm';

const severityLabels: Record<Severity, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
const severityVariant: Record<Severity, 'neutral' | 'primary' | 'warning' | 'danger'> = { low: 'neutral', medium: 'primary', high: 'warning', critical: 'danger' };
const statLabels: Record<WindowStat, string> = { rms: 'RMS', mean: 'Mean', max: 'Maximum', min: 'Minimum', std: 'Standard deviation', kurtosis: 'Kurtosis (impulsiveness)', band_energy: 'Band energy (FFT)' };

/** The value of the Shoelace control that fired `event`. */
const valueOf = (event: Event): string => String((event.target as SlInput).value ?? '');

/**
 * The engineer's alarm rules page (`#/alarm-rules`): every rule on this device (title, what it
 * watches, its condition in words, severity, an on/off switch) and an editor — target (one
 * channel chosen from a list, or every asset of a type and one of their fields), the condition
 * (one, or AND / OR of up to four: threshold, rate, window statistic, stale, flatline, anomaly;
 * deeper ones as JSON), severity, escalation steps, on/off delays, auto-clear, message. Saving
 * checks the rule with the core's alarmRuleProblem (the reason is shown, nothing written) and
 * writes it to this device's storage: sync takes it to the server, which evaluates it. Leaving
 * with unsaved edits asks first. Property `username`: written as `updated_by`.
 */
export class FlAlarmRules extends LitElement {
  static override properties = {
    username: { attribute: false },
    site: { state: true },
    editing: { state: true },
    draft: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare username: string | undefined;
  /** The site filter of the list ('' = every site). */
  declare site: string;
  /** The rule being edited: its id, 'new', or undefined (no form open). */
  declare editing: string | undefined;
  declare draft: RuleDraft | undefined;
  declare problem: string | undefined;
  declare busy: boolean;

  readonly rules = new AlarmRulesController(this);
  /** The draft as opened or last saved: dirty when the form differs. */
  #saved = '';

  constructor() {
    super();
    this.username = undefined;
    this.site = '';
    this.editing = undefined;
    this.draft = undefined;
    this.busy = false;
    new UnsavedChangesController(this, { dirty: () => this.dirty, describe: () => `the alarm rule "${this.draft?.title || 'new rule'}"` });
  }

  /** Whether the form holds edits not saved. */
  get dirty(): boolean {
    return this.draft !== undefined && JSON.stringify(this.draft) !== this.#saved;
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      fieldset { border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); margin: 0; display: grid; gap: var(--sl-spacing-small); }
      legend { font-weight: var(--sl-font-weight-semibold); padding: 0 var(--sl-spacing-2x-small); }
      .pair { display: grid; gap: var(--sl-spacing-small); grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); align-items: end; }
      .rules { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-small); }
      /* Stacked (text, then the controls) unless there is room for both side by side: the Edit
         button names its rule, so the controls are wide. */
      .rule { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--sl-spacing-small) var(--sl-spacing-medium); align-items: start; }
      .rule h4 { margin: 0; }
      .rule .controls { display: flex; gap: var(--sl-spacing-small); align-items: center; flex-wrap: wrap; }
      .rule p { margin: 0; }
      .rule.disabled h4, .rule.disabled .summary { color: var(--fl-text-muted); }
      sl-textarea.json::part(textarea) { font-family: ui-monospace, monospace; font-size: var(--sl-font-size-small); }
      @media (min-width: 80rem) { .rule { grid-template-columns: minmax(0, 1fr) auto; } .rule .controls { justify-content: end; } }
    `,
  ];

  async #open(id: string | undefined): Promise<void> {
    if (this.dirty && !(await confirmDialog({ label: 'Leave without saving?', message: 'The alarm rule being edited has changes that are not saved.', confirm: 'Discard changes', cancel: 'Keep editing', danger: true }))) return;
    const rule = id === undefined ? undefined : this.rules.rule(id);
    const draft = rule ? draftFromRule(rule) : emptyDraft(this.site || this.rules.sites[0]?.value || '');
    this.editing = id ?? 'new';
    this.draft = draft;
    this.#saved = JSON.stringify(draft);
    this.problem = rule && !escalationEditable(rule) ? 'An escalation condition of this rule names another channel: saving from the form replaces it.' : undefined;
  }

  #close(): void {
    this.editing = undefined;
    this.draft = undefined;
    this.#saved = '';
    this.problem = undefined;
  }

  /** Changes the draft (a new object: the form re-renders) and shows the check's verdict once one was shown. */
  #set(patch: Partial<RuleDraft>): void {
    if (!this.draft) return;
    this.draft = { ...this.draft, ...patch };
  }

  #setCondition(index: number, patch: Partial<ConditionDraft>): void {
    if (!this.draft) return;
    const conditions = this.draft.conditions.map((condition, at) => (at === index ? { ...condition, ...patch } : condition));
    this.#set({ conditions });
  }

  #setStep(index: number, patch: Partial<EscalationDraft>): void {
    if (!this.draft) return;
    this.#set({ escalation: this.draft.escalation.map((step, at) => (at === index ? { ...step, ...patch } : step)) });
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const draft = this.draft;
    if (!draft) return;
    const checked = ruleFromDraft(draft, this.username);
    if ('problem' in checked) {
      this.problem = checked.problem;
      return;
    }
    this.busy = true;
    try {
      await this.rules.save(this.editing === 'new' ? undefined : this.editing, draft, this.username);
      void toastSaved(`Alarm rule "${draft.title.trim()}" saved`);
      this.#close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
      void toastFailed('Alarm rule not saved', error);
    } finally {
      this.busy = false;
    }
  }

  async #toggle(rule: AlarmRule & { id: string }, enabled: boolean): Promise<void> {
    try {
      await this.rules.setEnabled(rule.id, enabled, this.username);
      void toastSaved(`"${rule.title}" ${enabled ? 'switched on' : 'switched off'}`);
    } catch (error) {
      void toastFailed(`"${rule.title}" not changed`, error);
      this.requestUpdate();
    }
  }

  /** The fields a condition may read instead of the target (same asset). */
  #fieldChoices(draft: RuleDraft): Choice[] {
    if (draft.targetMode === 'template') return draft.asset_type ? this.rules.fieldChoices(draft.site, draft.asset_type) : [];
    return this.rules.siblingFields(draft.channel);
  }

  #select(label: string, value: string, choices: readonly Choice[], onChange: (value: string) => void, options: { name?: string; help?: string; required?: boolean } = {}) {
    return html`<sl-select label=${label} .value=${value} ?required=${options.required ?? false} help-text=${options.help ?? ''} @sl-change=${(event: Event) => onChange(valueOf(event))}>
      ${choices.map((choice) => html`<sl-option value=${choice.value}>${choice.label}</sl-option>`)}
    </sl-select>`;
  }

  #number(label: string, value: string, onChange: (value: string) => void, help = '') {
    return html`<sl-input type="number" step="any" label=${label} help-text=${help} .value=${value} @sl-input=${(event: Event) => onChange(valueOf(event))}></sl-input>`;
  }

  #condition(condition: ConditionDraft, label: string, fields: Choice[], onChange: (patch: Partial<ConditionDraft>) => void, remove?: () => void) {
    const kinds = leafKinds.map((kind) => ({ value: kind, label: leafKindLabels[kind] }));
    const onField = [{ value: '', label: 'The target' }, ...fields];
    const direction = [
      { value: 'high', label: 'Above the level' },
      { value: 'low', label: 'Below the level' },
    ];
    return html`<fieldset data-condition>
      <legend>${label}</legend>
      <div class="pair">
        ${this.#select('Kind', condition.kind, kinds, (kind) => onChange({ ...emptyCondition(kind as LeafKind), field: condition.field }))}
        ${this.#select('Reads', condition.field, onField, (field) => onChange({ field }), { help: 'Another field of the same asset, or the target' })}
      </div>
      <div class="pair">
        ${condition.kind === 'threshold'
          ? html`${this.#select('Active when', condition.direction, direction, (value) => onChange({ direction: value as 'high' | 'low' }))}
            ${this.#number('Level', condition.level, (level) => onChange({ level }))}
            ${this.#number('Deadband', condition.deadband, (deadband) => onChange({ deadband }), 'Clears this far back past the level')}`
          : nothing}
        ${condition.kind === 'rate'
          ? html`${this.#select('Direction', condition.rateDirection, [
              { value: 'rise', label: 'Rising' },
              { value: 'fall', label: 'Falling' },
              { value: 'either', label: 'Either way' },
            ], (value) => onChange({ rateDirection: value as ConditionDraft['rateDirection'] }))}
            ${this.#number('Change per second', condition.per_s, (per_s) => onChange({ per_s }))}
            ${this.#number('Over (s)', condition.window_s, (window_s) => onChange({ window_s }))}
            ${this.#number('Deadband', condition.deadband, (deadband) => onChange({ deadband }))}`
          : nothing}
        ${condition.kind === 'window'
          ? html`${this.#select('Statistic', condition.stat, windowStats.map((stat) => ({ value: stat, label: statLabels[stat] })), (stat) => onChange({ stat: stat as WindowStat }))}
            ${this.#number('Window (s)', condition.window_s, (window_s) => onChange({ window_s }))}
            ${condition.stat === 'band_energy'
              ? html`${this.#number('Band from (Hz)', condition.band_low, (band_low) => onChange({ band_low }))}${this.#number('Band to (Hz)', condition.band_high, (band_high) => onChange({ band_high }))}`
              : nothing}
            ${this.#select('Active when', condition.direction, direction, (value) => onChange({ direction: value as 'high' | 'low' }))}
            ${this.#number('Level', condition.level, (level) => onChange({ level }))}
            ${this.#number('Deadband', condition.deadband, (deadband) => onChange({ deadband }))}`
          : nothing}
        ${condition.kind === 'stale' ? this.#number('No data for (s)', condition.after_s, (after_s) => onChange({ after_s })) : nothing}
        ${condition.kind === 'flatline'
          ? html`${this.#number('Unchanged for (s)', condition.window_s, (window_s) => onChange({ window_s }))}${this.#number('Tolerance', condition.tolerance, (tolerance) => onChange({ tolerance }), 'Largest change still counted as stuck')}`
          : nothing}
        ${condition.kind === 'anomaly' ? this.#number('Score above (0–1)', condition.level, (level) => onChange({ level })) : nothing}
      </div>
      ${remove ? html`<div><sl-button @click=${remove}>Remove ${label.toLowerCase()}</sl-button></div>` : nothing}
    </fieldset>`;
  }

  #form(draft: RuleDraft) {
    const fields = this.#fieldChoices(draft);
    const combine = [
      { value: 'one', label: 'One condition' },
      { value: 'all', label: 'All of (AND)' },
      { value: 'any', label: 'Any of (OR)' },
      { value: 'json', label: 'Advanced (JSON)' },
    ];
    const title = this.editing === 'new' ? 'New alarm rule' : `Edit ${this.rules.rule(this.editing!)?.title ?? 'alarm rule'}`;
    return html`<form class="panel" aria-labelledby="rule-form-title" @submit=${(event: SubmitEvent) => void this.#save(event)}>
      <h3 id="rule-form-title">${title}</h3>
      <div class="pair">
        ${this.#select('Site', draft.site, this.rules.sites, (site) => this.#set({ site, channel: '', asset_type: '', field: '' }), { required: true })}
        <sl-input name="title" label="Title" required .value=${draft.title} @sl-input=${(event: Event) => this.#set({ title: valueOf(event) })}></sl-input>
      </div>
      <sl-textarea label="Description" rows="2" .value=${draft.description} @sl-input=${(event: Event) => this.#set({ description: valueOf(event) })}></sl-textarea>
      <fieldset>
        <legend>Watches</legend>
        ${this.#select('Target', draft.targetMode, [
          { value: 'template', label: 'Every asset of a type (template)' },
          { value: 'channel', label: 'One channel' },
        ], (mode) => this.#set({ targetMode: mode as RuleDraft['targetMode'] }))}
        ${draft.targetMode === 'channel'
          ? this.#select('Channel', draft.channel, this.rules.channelChoices(draft.site), (channel) => this.#set({ channel }), { required: true })
          : html`<div class="pair">
              ${this.#select('Asset type', draft.asset_type, this.rules.assetTypes(draft.site), (type) => this.#set({ asset_type: type, field: '' }), { required: true })}
              ${this.#select('Field', draft.field, draft.asset_type ? this.rules.fieldChoices(draft.site, draft.asset_type) : [], (field) => this.#set({ field }), { required: true, help: 'Of the channels of such assets (or their parts)' })}
            </div>`}
      </fieldset>
      <fieldset>
        <legend>Condition</legend>
        ${this.#select('Combine', draft.combine, combine, (value) => {
          const mode = value as RuleDraft['combine'];
          this.#set({ combine: mode, conditions: mode === 'one' ? draft.conditions.slice(0, 1) : draft.conditions });
        })}
        ${draft.combine === 'json'
          ? html`<sl-textarea class="json" label="Condition (JSON)" rows="10" help-text="Nested all / any up to 4 deep, at most 16 conditions" .value=${draft.json} @sl-input=${(event: Event) => this.#set({ json: valueOf(event) })}></sl-textarea>`
          : html`${draft.conditions.map((condition, index) =>
              this.#condition(
                condition,
                draft.combine === 'one' ? 'The condition' : `Condition ${index + 1}`,
                fields,
                (patch) => this.#setCondition(index, patch),
                draft.combine !== 'one' && draft.conditions.length > 1 ? () => this.#set({ conditions: draft.conditions.filter((_, at) => at !== index) }) : undefined,
              ),
            )}
            ${draft.combine !== 'one' && draft.conditions.length < MAX_FORM_CONDITIONS ? html`<div><sl-button @click=${() => this.#set({ conditions: [...draft.conditions, emptyCondition()] })}>Add a condition</sl-button></div>` : nothing}`}
      </fieldset>
      <fieldset>
        <legend>Severity and escalation</legend>
        ${this.#select('Severity', draft.severity, severities.map((severity) => ({ value: severity, label: severityLabels[severity] })), (severity) => this.#set({ severity: severity as Severity }))}
        ${draft.escalation.map((step, index) => {
          const above = severitiesAbove(draft.severity);
          return html`<fieldset data-escalation>
            <legend>Escalation ${index + 1}</legend>
            <div class="pair">
              ${this.#select('To severity', step.severity, above.map((severity) => ({ value: severity, label: severityLabels[severity] })), (severity) => this.#setStep(index, { severity: severity as Severity }))}
              ${this.#select('When', step.mode, [
                { value: 'after', label: 'After a time active' },
                { value: 'condition', label: 'While a stricter condition holds' },
              ], (mode) => this.#setStep(index, { mode: mode as EscalationDraft['mode'] }))}
              ${step.mode === 'after' ? this.#number('After (s)', step.after_s, (after_s) => this.#setStep(index, { after_s })) : nothing}
            </div>
            ${step.mode === 'condition' ? this.#condition(step.condition, `Escalation ${index + 1} condition`, fields, (patch) => this.#setStep(index, { condition: { ...step.condition, ...patch } })) : nothing}
            <div><sl-button @click=${() => this.#set({ escalation: draft.escalation.filter((_, at) => at !== index) })}>Remove escalation ${index + 1}</sl-button></div>
          </fieldset>`;
        })}
        ${draft.escalation.length < MAX_ESCALATIONS && severitiesAbove(draft.severity).length > 0
          ? html`<div><sl-button @click=${() => this.#set({ escalation: [...draft.escalation, { severity: severitiesAbove(draft.severity)[0]!, mode: 'after', after_s: '3600', condition: emptyCondition() }] })}>Add an escalation</sl-button></div>`
          : nothing}
      </fieldset>
      <fieldset>
        <legend>Timing</legend>
        <div class="pair">
          ${this.#number('Raise after (s)', draft.on_delay_s, (on_delay_s) => this.#set({ on_delay_s }), 'The condition holds this long first')}
          ${this.#number('Clear after (s)', draft.off_delay_s, (off_delay_s) => this.#set({ off_delay_s }), 'The condition is gone this long first')}
          ${this.#number('Auto-clear after (s)', draft.auto_clear_s, (auto_clear_s) => this.#set({ auto_clear_s }), 'Quiet this long: cleared (event-like signals)')}
        </div>
      </fieldset>
      <sl-input label="Message" help-text="Shown on the alarm; empty: the condition in words" .value=${draft.message} @sl-input=${(event: Event) => this.#set({ message: valueOf(event) })}></sl-input>
      <sl-switch ?checked=${draft.enabled} @sl-change=${(event: Event) => this.#set({ enabled: (event.target as SlSwitch).checked })}>Enabled</sl-switch>
      ${this.problem ? html`<p role="alert" class="error" data-problem>${this.problem}</p>` : nothing}
      <div class="row">
        <sl-button type="submit" variant="primary" ?loading=${this.busy}>Save rule</sl-button>
        <sl-button @click=${() => this.#close()}>Cancel</sl-button>
      </div>
    </form>`;
  }

  override render() {
    const rules = this.rules.rules.filter((rule) => !this.site || rule.site === this.site);
    const sites = this.rules.sites;
    return html`<section class="stack" aria-label="Alarm rules">
      <div class="row">
        ${this.#select('Site', this.site, [{ value: '', label: 'Every site' }, ...sites], (site) => (this.site = site))}
        <sl-button variant="primary" @click=${() => void this.#open(undefined)} ?disabled=${sites.length === 0}>New rule</sl-button>
      </div>
      ${this.rules.error ? html`<p role="alert" class="error">The rules could not be read: ${this.rules.error}</p>` : nothing}
      ${this.draft ? this.#form(this.draft) : nothing}
      ${!this.rules.loaded
        ? html`<p class="muted"><sl-spinner></sl-spinner> Reading the rules…</p>`
        : rules.length === 0
          ? html`<p class="muted">No alarm rules${this.site ? ' for this site' : ''} yet: create the first one.</p>`
          : html`<ul class="rules">
              ${rules.map(
                (rule) => html`<li class="panel rule ${rule.enabled ? '' : 'disabled'}" data-rule=${rule.id}>
                  <div class="stack">
                    <h4>${rule.title}</h4>
                    <p class="small"><span class="muted">${this.rules.siteTitle(rule.site)} ·</span> ${this.rules.targetText(rule)}</p>
                    <p class="small summary">${ruleSummary(rule)}</p>
                  </div>
                  <div class="controls">
                    <sl-tag variant=${severityVariant[rule.severity] ?? 'neutral'} data-severity=${rule.severity}>${severityLabels[rule.severity] ?? rule.severity}</sl-tag>
                    ${'simulated' in rule ? html`<sl-tag variant="warning">Simulated</sl-tag>` : nothing}
                    <sl-switch ?checked=${rule.enabled} @sl-change=${(event: Event) => void this.#toggle(rule, (event.target as SlSwitch).checked)}>Enabled</sl-switch>
                    <sl-button @click=${() => void this.#open(rule.id)}>Edit ${rule.title}</sl-button>
                  </div>
                </li>`,
              )}
            </ul>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-alarm-rules': FlAlarmRules;
  }
}
