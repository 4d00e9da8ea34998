import { LitElement, css, html, nothing } from 'lit';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSwitch from '@shoelace-style/shoelace/dist/components/switch/switch.js';
import {
  MaintenancePlansController,
  UnsavedChangesController,
  checklistItemKinds,
  draftFromPlan,
  emptyItem,
  emptyPlanDraft,
  hrefOf,
  itemKindLabels,
  moveItem,
  planFromDraft,
  triggerText,
  type Choice,
  type ItemDraft,
  type PlanDraft,
} from '../controllers';
import { MAX_CHECKLIST_ITEMS, workOrderPriorities, workOrderPriorityLabels, workOrderStatusLabels, type ChecklistItemKind, type MaintenancePlan, type Role, type UsageMeasure, type WorkOrderPriority } from '../core';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { confirmDialog } from './design/confirm';
import { formatDay } from './work-order-format';

/** The value of the Shoelace control that fired `event`. */
const valueOf = (event: Event): string => String((event.target as SlInput).value ?? '');
/** Today as YYYY-MM-DD in this device's zone (a new plan's first day). */
const today = (): string => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
};
/** Work orders listed per plan (the next due first; the page stays short with many assets). */
const SHOWN_ORDERS = 6;

const measureLabels: Record<UsageMeasure, string> = { operating_hours: 'Operating hours', energy_mwh: 'Energy (MWh)' };
const priorityVariant: Record<WorkOrderPriority, 'neutral' | 'primary' | 'warning' | 'danger'> = { low: 'neutral', medium: 'primary', high: 'warning', urgent: 'danger' };

/**
 * The preventive plans page (`#/plans`): the plans on this device (those of the user's sites) with
 * what they apply to, when they fall due ("every 30 days", "every 2 000 operating hours"), and the
 * work orders the server's scheduler generated from them, next due first, each a link to its page.
 * Engineers and admins create and edit plans: title, site, target (one asset, or every asset of a
 * type, chosen from lists), trigger (calendar: every N days from a date; usage: every N operating
 * hours or MWh computed from a channel field), how many days ahead work orders are generated,
 * priority, estimated hours, assignee, and the checklist template (items added, removed and
 * reordered; pass / fail, value with unit, limits and the manual-reading field it feeds, or text).
 * Saving checks the plan with planFromDraft (core maintenancePlanProblem; nothing is written when
 * refused) and writes it to this device's storage; sync takes it to the server. Leaving with
 * unsaved edits asks first. Technicians read only.
 */
export class FlMaintenancePlans extends LitElement {
  static override properties = {
    username: { attribute: false },
    userRole: { attribute: false },
    site: { state: true },
    editing: { state: true },
    draft: { state: true },
    problem: { state: true },
    busy: { state: true },
  };

  declare username: string | undefined;
  declare userRole: Role | undefined;
  /** The site filter of the list ('' = every site). */
  declare site: string;
  /** The plan being edited: its id, 'new', or undefined (no form open). */
  declare editing: string | undefined;
  declare draft: PlanDraft | undefined;
  declare problem: string | undefined;
  declare busy: boolean;

  readonly plans = new MaintenancePlansController(this);
  /** The draft as opened or last saved: dirty when the form differs. */
  #saved = '';

  constructor() {
    super();
    this.username = undefined;
    this.userRole = undefined;
    this.site = '';
    this.editing = undefined;
    this.draft = undefined;
    this.busy = false;
    new UnsavedChangesController(this, { dirty: () => this.dirty, describe: () => `the maintenance plan "${this.draft?.title || 'new plan'}"` });
  }

  /** Whether the form holds edits not saved. */
  get dirty(): boolean {
    return this.draft !== undefined && JSON.stringify(this.draft) !== this.#saved;
  }

  /** Engineers and admins edit plans; technicians read them. */
  get mayEdit(): boolean {
    return this.userRole === 'engineer' || this.userRole === 'admin';
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      form { display: grid; gap: var(--sl-spacing-medium); }
      fieldset { border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); margin: 0; display: grid; gap: var(--sl-spacing-small); min-width: 0; }
      legend { font-weight: var(--sl-font-weight-semibold); padding: 0 var(--sl-spacing-2x-small); }
      /* Top-aligned: a help text under one control must not push its neighbours down. */
      .pair { display: grid; gap: var(--sl-spacing-small); grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); align-items: start; }
      .plans { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-small); }
      .plan { display: grid; gap: var(--sl-spacing-small); }
      .plan header { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: center; justify-content: space-between; }
      .plan h4 { margin: 0; }
      .plan p { margin: 0; }
      .plan.disabled h4 { color: var(--fl-text-muted); }
      .tags { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small); align-items: center; }
      .orders { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--sl-spacing-2x-small); }
      .orders a { display: flex; flex-wrap: wrap; gap: 0 var(--sl-spacing-small); align-items: center; min-height: var(--fl-touch, 44px); color: var(--fl-link); text-decoration: none; border-top: 1px solid var(--fl-border); }
      .orders a:hover, .orders a:focus-visible { text-decoration: underline; }
      .orders .when { font-variant-numeric: tabular-nums; min-width: 7rem; }
      .item { border-style: dashed; }
      /* The question is the long part of an item: two thirds of the row where there is room. */
      @media (min-width: 40rem) { .pair.first-wide { grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); } }
      .item .actions { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small); }
      .next { font-weight: var(--sl-font-weight-semibold); }
    `,
  ];

  async #open(id: string | undefined): Promise<void> {
    if (this.dirty && !(await confirmDialog({ label: 'Leave without saving?', message: 'The maintenance plan being edited has changes that are not saved.', confirm: 'Discard changes', cancel: 'Keep editing', danger: true }))) return;
    const plan = id === undefined ? undefined : this.plans.plan(id);
    const draft = plan ? draftFromPlan(plan, today()) : emptyPlanDraft(this.site || this.plans.sites[0]?.value || '', today());
    this.editing = id ?? 'new';
    this.draft = draft;
    this.#saved = JSON.stringify(draft);
    this.problem = undefined;
  }

  #close(): void {
    this.editing = undefined;
    this.draft = undefined;
    this.#saved = '';
    this.problem = undefined;
  }

  #set(patch: Partial<PlanDraft>): void {
    if (!this.draft) return;
    this.draft = { ...this.draft, ...patch };
  }

  #setItem(index: number, patch: Partial<ItemDraft>): void {
    if (!this.draft) return;
    this.#set({ checklist: this.draft.checklist.map((item, at) => (at === index ? { ...item, ...patch } : item)) });
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const draft = this.draft;
    if (!draft) return;
    const checked = planFromDraft(draft);
    if ('problem' in checked) {
      this.problem = checked.problem;
      return;
    }
    this.busy = true;
    try {
      await this.plans.save(this.editing === 'new' ? undefined : this.editing, draft);
      void toastSaved(`Plan "${draft.title.trim()}" saved`);
      this.#close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
      void toastFailed('Plan not saved', error);
    } finally {
      this.busy = false;
    }
  }

  #select(label: string, value: string, choices: readonly Choice[], onChange: (value: string) => void, options: { help?: string; required?: boolean; name?: string } = {}) {
    return html`<sl-select label=${label} name=${options.name ?? ''} .value=${value} ?required=${options.required ?? false} help-text=${options.help ?? ''} @sl-change=${(event: Event) => onChange(valueOf(event))}>
      ${choices.map((choice) => html`<sl-option value=${choice.value}>${choice.label}</sl-option>`)}
    </sl-select>`;
  }

  #number(label: string, value: string, onChange: (value: string) => void, options: { help?: string; name?: string; step?: string; min?: string } = {}) {
    return html`<sl-input type="number" inputmode="decimal" step=${options.step ?? 'any'} min=${options.min ?? ''} name=${options.name ?? ''} label=${label} help-text=${options.help ?? ''} .value=${value} @sl-input=${(event: Event) => onChange(valueOf(event))}></sl-input>`;
  }

  #item(item: ItemDraft, index: number, count: number) {
    const name = `item ${index + 1}`;
    const kinds = checklistItemKinds.map((kind) => ({ value: kind, label: itemKindLabels[kind] }));
    return html`<fieldset class="item" data-item=${item.id}>
      <legend>Item ${index + 1}</legend>
      <div class="pair first-wide">
        <sl-input label="What to check" name="item-label" required .value=${item.label} @sl-input=${(event: Event) => this.#setItem(index, { label: valueOf(event) })}></sl-input>
        ${this.#select('Answer', item.kind, kinds, (kind) => this.#setItem(index, { kind: kind as ChecklistItemKind }), { name: 'item-kind' })}
      </div>
      ${item.kind === 'value'
        ? html`<div class="pair">
            <sl-input label="Unit" name="item-unit" help-text="%, °C, bar, mm/s" .value=${item.unit} @sl-input=${(event: Event) => this.#setItem(index, { unit: valueOf(event) })}></sl-input>
            ${this.#number('Minimum', item.min, (min) => this.#setItem(index, { min }), { name: 'item-min', help: 'Below: out of limits' })}
            ${this.#number('Maximum', item.max, (max) => this.#setItem(index, { max }), { name: 'item-max', help: 'Above: out of limits' })}
            <sl-input label="Reading field" name="item-field" help-text="The manual reading it feeds, e.g. gearbox_oil_level" .value=${item.field} @sl-input=${(event: Event) => this.#setItem(index, { field: valueOf(event) })}></sl-input>
          </div>`
        : nothing}
      <div class="actions">
        <sl-button ?disabled=${index === 0} aria-label=${`Move ${name} up`} @click=${() => this.#set({ checklist: moveItem(this.draft!.checklist, index, -1) })}>Move up</sl-button>
        <sl-button ?disabled=${index === count - 1} aria-label=${`Move ${name} down`} @click=${() => this.#set({ checklist: moveItem(this.draft!.checklist, index, 1) })}>Move down</sl-button>
        <sl-button variant="danger" outline aria-label=${`Remove ${name}`} @click=${() => this.#set({ checklist: this.draft!.checklist.filter((_, at) => at !== index) })}>Remove</sl-button>
      </div>
    </fieldset>`;
  }

  #form(draft: PlanDraft) {
    const title = this.editing === 'new' ? 'New maintenance plan' : `Edit ${this.plans.plan(this.editing!)?.title ?? 'plan'}`;
    const fields = this.plans.fieldChoices(draft);
    const priorities = [{ value: '', label: 'Default (medium)' }, ...workOrderPriorities.map((priority) => ({ value: priority, label: workOrderPriorityLabels[priority] }))];
    return html`<form class="panel" aria-labelledby="plan-form-title" @submit=${(event: SubmitEvent) => void this.#save(event)}>
      <h3 id="plan-form-title">${title}</h3>
      <fieldset>
        <legend>What and where</legend>
        <div class="pair">
          <sl-input name="title" label="Title" required .value=${draft.title} @sl-input=${(event: Event) => this.#set({ title: valueOf(event) })}></sl-input>
          ${this.#select('Site', draft.site, this.plans.sites, (site) => this.#set({ site, asset: '', asset_type: '', field: '' }), { required: true, name: 'site' })}
        </div>
        <div class="pair">
          ${this.#select('Applies to', draft.targetMode, [
            { value: 'asset_type', label: 'Every asset of a type' },
            { value: 'asset', label: 'One asset' },
          ], (mode) => this.#set({ targetMode: mode as PlanDraft['targetMode'], field: '' }), { name: 'target-mode' })}
          ${draft.targetMode === 'asset'
            ? this.#select('Asset', draft.asset, this.plans.assetChoices(draft.site), (asset) => this.#set({ asset, field: '' }), { required: true, name: 'asset' })
            : this.#select('Asset type', draft.asset_type, this.plans.assetTypes(draft.site), (type) => this.#set({ asset_type: type, field: '' }), { required: true, name: 'asset-type' })}
        </div>
      </fieldset>
      <fieldset>
        <legend>When</legend>
        ${this.#select('Due', draft.triggerKind, [
          { value: 'calendar', label: 'By the calendar (every N days)' },
          { value: 'usage', label: 'By usage (operating hours or MWh)' },
        ], (kind) => this.#set({ triggerKind: kind as PlanDraft['triggerKind'] }), { name: 'trigger-kind' })}
        ${draft.triggerKind === 'calendar'
          ? html`<div class="pair">
              ${this.#number('Every (days)', draft.every_days, (every_days) => this.#set({ every_days }), { name: 'every-days', step: '1', min: '1' })}
              <sl-input type="date" name="start" label="Starting on" help-text="The first due date" .value=${draft.start} @sl-input=${(event: Event) => this.#set({ start: valueOf(event) })}></sl-input>
            </div>`
          : html`<div class="pair">
              ${this.#select('Counts', draft.measure, (['operating_hours', 'energy_mwh'] as const).map((measure) => ({ value: measure, label: measureLabels[measure] })), (measure) => this.#set({ measure: measure as UsageMeasure }), { name: 'measure' })}
              ${this.#number(draft.measure === 'operating_hours' ? 'Every (operating hours)' : 'Every (MWh)', draft.every, (every) => this.#set({ every }), { name: 'every' })}
              ${this.#select('Computed from', draft.field, fields, (field) => this.#set({ field }), {
                required: true,
                name: 'field',
                help: draft.measure === 'energy_mwh' ? 'A power channel (W, kW or MW)' : 'Running while this field is above the level below',
              })}
              ${draft.measure === 'operating_hours' ? this.#number('Running above', draft.threshold, (threshold) => this.#set({ threshold }), { name: 'threshold', help: 'Default 0 (rpm, kW, …)' }) : nothing}
            </div>`}
        ${this.#number('Generate ahead (days)', draft.lead_days, (lead_days) => this.#set({ lead_days }), { name: 'lead-days', step: '1', min: '0', help: 'The work order exists this many days before it is due' })}
      </fieldset>
      <fieldset>
        <legend>Work orders</legend>
        <div class="pair">
          ${this.#select('Priority', draft.priority, priorities, (priority) => this.#set({ priority: priority as PlanDraft['priority'] }), { name: 'priority' })}
          ${this.#number('Estimated hours', draft.estimated_hours, (estimated_hours) => this.#set({ estimated_hours }), { name: 'estimated-hours', min: '0' })}
          <sl-input name="assignee" label="Assign to" help-text="A user name; empty: unassigned" .value=${draft.assignee} @sl-input=${(event: Event) => this.#set({ assignee: valueOf(event) })}></sl-input>
        </div>
      </fieldset>
      <fieldset>
        <legend>Checklist (${draft.checklist.length} ${draft.checklist.length === 1 ? 'item' : 'items'})</legend>
        ${draft.checklist.length === 0 ? html`<p class="muted small">No items yet: each work order copies the items written here.</p>` : nothing}
        ${draft.checklist.map((item, index) => this.#item(item, index, draft.checklist.length))}
        ${draft.checklist.length < MAX_CHECKLIST_ITEMS ? html`<div><sl-button @click=${() => this.#set({ checklist: [...draft.checklist, emptyItem()] })}>Add an item</sl-button></div>` : nothing}
      </fieldset>
      <sl-switch ?checked=${draft.enabled} @sl-change=${(event: Event) => this.#set({ enabled: (event.target as SlSwitch).checked })}>Generates work orders</sl-switch>
      ${this.problem ? html`<p role="alert" class="error" data-problem>${this.problem}</p>` : nothing}
      <div class="row">
        <sl-button type="submit" variant="primary" ?loading=${this.busy}>Save plan</sl-button>
        <sl-button @click=${() => this.#close()}>Cancel</sl-button>
      </div>
    </form>`;
  }

  #plan(plan: MaintenancePlan & { id: string }) {
    const { orders, next } = this.plans.workOrdersOf(plan.id);
    // What is still to do, soonest first (one day's by asset), then the done ones, latest first:
    // what an engineer plans around.
    const byAsset = (a: (typeof orders)[number], b: (typeof orders)[number]) => (a.due ?? '').localeCompare(b.due ?? '') || this.plans.assetTitle(a.asset ?? '').localeCompare(this.plans.assetTitle(b.asset ?? ''));
    const open = orders.filter((order) => order.status !== 'done' && order.status !== 'verified').sort(byAsset);
    const closed = orders.filter((order) => order.status === 'done' || order.status === 'verified').sort((a, b) => -byAsset(a, b));
    const shown = [...open, ...closed].slice(0, SHOWN_ORDERS);
    const enabled = plan.enabled !== false;
    return html`<li class="panel plan ${enabled ? '' : 'disabled'}" data-plan=${plan.id}>
      <header>
        <h4>${plan.title}</h4>
        <div class="tags">
          ${plan.priority ? html`<sl-tag variant=${priorityVariant[plan.priority] ?? 'neutral'}>${workOrderPriorityLabels[plan.priority] ?? plan.priority}</sl-tag>` : nothing}
          ${enabled ? nothing : html`<sl-tag variant="neutral">Off</sl-tag>`}
          ${'simulated' in plan ? html`<sl-tag variant="warning">Simulated</sl-tag>` : nothing}
          ${this.mayEdit ? html`<sl-button @click=${() => void this.#open(plan.id)}>Edit ${plan.title}</sl-button>` : nothing}
        </div>
      </header>
      <p class="small"><span class="muted">${this.plans.siteTitle(plan.site)} ·</span> ${this.plans.targetText(plan)} · <span data-trigger>${triggerText(plan)}</span>, generated ${plan.lead_days === 0 ? 'on the day' : `${plan.lead_days} ${plan.lead_days === 1 ? 'day' : 'days'} ahead`}</p>
      <p class="small muted">${plan.checklist.length} checklist ${plan.checklist.length === 1 ? 'item' : 'items'}${plan.estimated_hours === undefined ? '' : ` · ${plan.estimated_hours} h estimated`}${plan.assignee ? ` · assigned to ${plan.assignee}` : ''}</p>
      ${orders.length === 0
        ? html`<p class="small muted">No work orders generated yet${plan.trigger.kind === 'usage' ? ': they come when the usage nears the next multiple' : ''}.</p>`
        : html`<p class="small">${next ? html`<span class="next" data-next>Next due ${formatDay(next.due)}</span> · ` : nothing}${orders.length} generated</p>
            <ul class="orders" aria-label=${`Work orders of ${plan.title}`}>
              ${shown.map(
                (order) => html`<li>
                  <a href=${hrefOf('work-orders', order.id)} data-order=${order.id}>
                    <span class="when">${order.due ? formatDay(order.due) : '—'}</span>
                    <span>${order.asset ? this.plans.assetTitle(order.asset) : order.title}</span>
                    <span class="muted small">${workOrderStatusLabels[order.status] ?? order.status}${order.plan ? ` · #${order.plan.occurrence}` : ''}</span>
                  </a>
                </li>`,
              )}
            </ul>`}
    </li>`;
  }

  override render() {
    const plans = this.plans.plans.filter((plan) => !this.site || plan.site === this.site);
    const sites = this.plans.sites;
    return html`<section class="stack" aria-label="Maintenance plans">
      <div class="row">
        ${this.#select('Site', this.site, [{ value: '', label: 'Every site' }, ...sites], (site) => (this.site = site))}
        ${this.mayEdit ? html`<sl-button variant="primary" @click=${() => void this.#open(undefined)} ?disabled=${sites.length === 0}>New plan</sl-button>` : nothing}
      </div>
      ${this.mayEdit ? nothing : html`<p class="small muted">Engineers and admins write the plans; the server turns them into work orders ahead of time.</p>`}
      ${this.plans.error ? html`<p role="alert" class="error">The plans could not be read: ${this.plans.error}</p>` : nothing}
      ${this.draft ? this.#form(this.draft) : nothing}
      ${!this.plans.loaded
        ? html`<p class="muted"><sl-spinner></sl-spinner> Reading the plans…</p>`
        : plans.length === 0
          ? html`<p class="muted">No maintenance plans${this.site ? ' for this site' : ''} yet${this.mayEdit ? ': create the first one' : ''}.</p>`
          : html`<ul class="plans">${plans.map((plan) => this.#plan(plan))}</ul>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-maintenance-plans': FlMaintenancePlans;
  }
}
