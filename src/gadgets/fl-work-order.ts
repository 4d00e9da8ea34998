import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type SlDialog from '@shoelace-style/shoelace/dist/components/dialog/dialog.js';
import type SlInput from '@shoelace-style/shoelace/dist/components/input/input.js';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import type SlTextarea from '@shoelace-style/shoelace/dist/components/textarea/textarea.js';
import { UnsavedChangesController, WorkOrderController, dueLabel, dueState, hrefOf, localDay, type PeopleApi, type Role } from '../controllers';
import {
  addComment,
  editWorkOrder,
  mayEditWorkOrder,
  nextActions,
  workOrderKindLabels,
  workOrderPriorities,
  workOrderPriorityLabels,
  workOrderStatusLabels,
  type ChecklistItem,
  type WorkOrder,
  type WorkOrderAction,
  type WorkOrderPatch,
  type WorkOrderPriority,
} from '../core';
import { baseStyles, controlStyles } from './design/styles';
import { confirmDialog } from './design/confirm';
import { toastFailed, toastSaved } from './design/toast';
import { changesInWords, formatDay, formatWhen, historyLabel } from './work-order-format';

/** The Details form as typed: text for numbers, so a half-typed "1." stays as typed. */
interface Draft {
  priority: WorkOrderPriority;
  due: string;
  assignee: string;
  estimated: string;
  actual: string;
  parts: Array<{ id: string; name: string; quantity: string; part_number: string }>;
  notes: string;
}

function draftOf(doc: WorkOrder): Draft {
  return {
    priority: doc.priority ?? 'medium',
    due: doc.due ?? '',
    assignee: doc.assignee ?? '',
    estimated: doc.estimated_hours === undefined ? '' : String(doc.estimated_hours),
    actual: doc.actual_hours === undefined ? '' : String(doc.actual_hours),
    parts: (doc.parts ?? []).map((part) => ({ id: part.id, name: part.name, quantity: String(part.quantity), part_number: part.part_number ?? '' })),
    notes: doc.notes ?? '',
  };
}

/** An hours field as typed → the patch's value (null: cleared); NaN for what is not a number. */
function hoursOf(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

/** The patch a draft makes to `doc`: only the fields it changes (core lists them in the history). */
function patchOf(doc: WorkOrder, draft: Draft): WorkOrderPatch {
  const before = draftOf(doc);
  const patch: WorkOrderPatch = {};
  if (draft.priority !== before.priority) patch.priority = draft.priority;
  if (draft.due !== before.due) patch.due = draft.due || null;
  if (draft.assignee.trim() !== before.assignee) patch.assignee = draft.assignee.trim() || null;
  if (draft.estimated !== before.estimated) patch.estimated_hours = hoursOf(draft.estimated);
  if (draft.actual !== before.actual) patch.actual_hours = hoursOf(draft.actual);
  if (JSON.stringify(draft.parts) !== JSON.stringify(before.parts)) {
    const parts = draft.parts
      .filter((part) => part.name.trim() !== '')
      .map((part) => ({ id: part.id, name: part.name.trim(), quantity: Number(part.quantity || '1'), ...(part.part_number.trim() ? { part_number: part.part_number.trim() } : {}) }));
    patch.parts = parts.length > 0 ? parts : null;
  }
  if (draft.notes !== before.notes) patch.notes = draft.notes;
  return patch;
}

/** Whether `value` is outside an item's limits. */
function outOfLimits(item: ChecklistItem, value: number): boolean {
  return (item.min !== undefined && value < item.min) || (item.max !== undefined && value > item.max);
}

function limitsText(item: ChecklistItem): string {
  const unit = item.unit ? ` ${item.unit}` : '';
  if (item.min !== undefined && item.max !== undefined) return `Limits ${item.min} – ${item.max}${unit}`;
  if (item.min !== undefined) return `At least ${item.min}${unit}`;
  if (item.max !== undefined) return `At most ${item.max}${unit}`;
  return item.unit ? `In ${item.unit}` : '';
}

/**
 * One work order, offline first: its title (the shell's heading), status, priority, due date
 * (overdue marked), kind, site and asset (links), assignee, what it came from (alarm, prediction,
 * plan), hours, parts and notes; the lifecycle buttons the user's role has from this status
 * (Start, Put on hold, Resume, Mark done, Verify, Reopen with a comment); the checklist (pass /
 * fail toggles, values with unit and limits — out of limits marked and confirmed, a manual reading
 * written for items that feed a channel — and text); photos taken with the camera (resized in a
 * worker, stored as attachments, a gallery); the Details form (priority, due, assignee, hours,
 * parts, notes) guarded while unsaved; comments; the history, newest first. Every write goes
 * through core's edit functions (one history entry each) into the app's storage, which syncs.
 * Gadget methods: properties `workOrder` (id), `username` (recorded as `by`), `userRole` (what the
 * buttons offer); fires `fl-title` (bubbles, composed) with {title, trail}.
 */
export class FlWorkOrder extends LitElement {
  static override properties = {
    workOrder: { type: String },
    username: { type: String },
    userRole: { type: String },
    people: { attribute: false },
    draft: { state: true },
    busy: { state: true },
    comment: { state: true },
    reopenComment: { state: true },
    reopenTo: { state: true },
    values: { state: true },
    itemNotes: { state: true },
    photoErrors: { state: true },
    viewing: { state: true },
    outcome: { state: true },
  };

  declare workOrder: string;
  declare username: string | undefined;
  declare userRole: Role | undefined;
  /** Who work can be assigned to (default: the server's GET /api/people, online). */
  declare people: PeopleApi | undefined;
  /**
   * The Details fields typed and not saved, only those (undefined: none): the others show the
   * stored work order as it is now, so a change a sync brings is neither hidden nor written back.
   */
  declare draft: Partial<Draft> | undefined;
  declare busy: boolean;
  declare comment: string;
  declare reopenComment: string;
  /** The status a Reopen goes to (the dialog is open while set). */
  declare reopenTo: WorkOrderAction | undefined;
  /** Values and texts typed into checklist items, not saved yet, by item id. */
  declare values: ReadonlyMap<string, string>;
  /** Notes typed for checklist items, saved with the item's next answer, by item id. */
  declare itemNotes: ReadonlyMap<string, string>;
  /** Photos refused in the last Add photos (file name and why). */
  declare photoErrors: ReadonlyArray<{ file: string; message: string }>;
  /** The photo shown large (attachment name). */
  declare viewing: string | undefined;
  /** The Mark done dialog's outcome while it is open: whether a failure was found, its component and mode. */
  declare outcome: { found: boolean; component: string; mode: string; problem?: string } | undefined;

  readonly #order = new WorkOrderController(this, {
    id: () => this.workOrder,
    user: () => ({ ...(this.username ? { username: this.username } : {}), ...(this.userRole ? { role: this.userRole } : {}) }),
    people: () => this.people,
  });
  #titleSent = '';
  /** The checklist item the photos being picked document (undefined: the work order as a whole). */
  #photoItem: string | undefined;
  /** Photo object URLs resolved so far, by attachment name ('' = not on this device). */
  readonly #photoUrls = new Map<string, string>();

  constructor() {
    super();
    this.workOrder = '';
    this.username = undefined;
    this.userRole = undefined;
    this.people = undefined;
    this.draft = undefined;
    this.busy = false;
    this.comment = '';
    this.reopenComment = '';
    this.reopenTo = undefined;
    this.values = new Map();
    this.itemNotes = new Map();
    this.photoErrors = [];
    this.viewing = undefined;
    this.outcome = undefined;
    new UnsavedChangesController(this, {
      dirty: () => this.#unsaved().length > 0,
      describe: () => `${this.#unsaved().join(', ')} of work order "${this.#order.doc?.title ?? ''}"`,
    });
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-x-large); max-width: 64rem; }
      section { display: grid; gap: var(--sl-spacing-small); }
      .banner { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-x-small); align-items: center; }
      .banner sl-tag::part(base) { font-size: var(--sl-font-size-small); }
      .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: var(--sl-spacing-small) var(--sl-spacing-large); margin: 0; }
      .facts div { display: grid; align-content: start; }
      .facts dt { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .facts dd { margin: 0; overflow-wrap: anywhere; }
      .facts a { display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      .overdue { color: var(--fl-danger); font-weight: var(--sl-font-weight-semibold); }
      .notes-text { white-space: pre-wrap; overflow-wrap: anywhere; }
      .actions { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); }
      .actions sl-button { min-width: 9rem; }
      .items { display: grid; gap: var(--sl-spacing-small); }
      .item { display: grid; gap: var(--sl-spacing-x-small); padding: var(--sl-spacing-medium); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); background: var(--fl-surface); }
      .item h4 { font-weight: var(--sl-font-weight-semibold); }
      .item[data-out-of-limits] { border-color: var(--fl-danger); }
      .toggles { display: grid; grid-template-columns: 1fr 1fr; gap: var(--sl-spacing-small); }
      .toggles button { min-height: 3.5rem; font-size: var(--sl-font-size-large); }
      .toggles button[data-answer='pass'][aria-pressed='true'] { background: var(--fl-ok); border-color: var(--fl-ok); color: var(--sl-color-neutral-0); }
      .toggles button[data-answer='fail'][aria-pressed='true'] { background: var(--fl-danger); border-color: var(--fl-danger); color: var(--sl-color-neutral-0); }
      .entry { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: end; }
      .entry sl-input { flex: 1 1 12rem; max-width: 20rem; }
      .entry sl-textarea { flex: 1 1 16rem; }
      .entry sl-input.warn::part(base) { border-color: var(--fl-danger); }
      .extras { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: end; }
      .extras sl-input.note { flex: 1 1 16rem; max-width: 40rem; }
      .extras [data-item-photos] { align-self: center; }
      .hint { font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
      .hint.out { color: var(--fl-danger); font-weight: var(--sl-font-weight-semibold); }
      .result { font-size: var(--sl-font-size-small); color: var(--fl-text-muted); }
      .result strong { color: var(--fl-text); }
      .result .limits { color: var(--fl-danger); font-weight: var(--sl-font-weight-semibold); }
      .gallery { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: var(--sl-spacing-small); }
      .gallery button { padding: 0; width: 100%; aspect-ratio: 4 / 3; overflow: hidden; border-radius: var(--fl-radius); background: var(--sl-color-neutral-100); }
      .gallery img { width: 100%; height: 100%; object-fit: cover; display: block; }
      .gallery .when { font-size: var(--sl-font-size-x-small, 0.75rem); color: var(--fl-text-muted); }
      .large { width: 100%; height: auto; display: block; }
      sl-dialog[data-photo-view]::part(panel) { width: min(96vw, 64rem); }
      form.details { display: grid; gap: var(--sl-spacing-medium); }
      .fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: var(--sl-spacing-medium); }
      .parts { display: grid; gap: var(--sl-spacing-small); }
      .part { display: grid; grid-template-columns: minmax(10rem, 2fr) minmax(6rem, 1fr) minmax(8rem, 1fr) auto; gap: var(--sl-spacing-small); align-items: end; }
      .part sl-icon-button { font-size: 1.25rem; }
      .part sl-icon-button::part(base) { padding: 0.75rem; }
      @media (max-width: 640px) { .part { grid-template-columns: 1fr 1fr; } }
      .buttons { display: flex; gap: var(--sl-spacing-small); flex-wrap: wrap; }
      ol.history { list-style: none; margin: 0; padding: 0; border-inline-start: 2px solid var(--fl-border); }
      ol.history li { padding: var(--sl-spacing-x-small) var(--sl-spacing-medium); display: grid; gap: var(--sl-spacing-3x-small); }
      ol.history .when { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      ol.history .text { white-space: pre-wrap; overflow-wrap: anywhere; }
      .comment { display: grid; gap: var(--sl-spacing-small); max-width: 40rem; }
      .comment sl-button { justify-self: start; }
      input[type='file'] { display: none; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('workOrder')) {
      this.draft = undefined;
      this.values = new Map();
      this.itemNotes = new Map();
      this.comment = '';
      this.photoErrors = [];
      this.#titleSent = '';
      this.#photoUrls.clear();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The controller revokes the object URLs as the page goes: none may be drawn again.
    this.#photoUrls.clear();
  }

  protected override updated(): void {
    const doc = this.#order.doc;
    if (!doc) return;
    const titles = this.#order.titles;
    const key = JSON.stringify([this.workOrder, doc.title, titles.asset ?? '']);
    if (key === this.#titleSent) return;
    this.#titleSent = key;
    const trail = [{ label: 'Work orders', href: hrefOf('work-orders') }, ...(doc.asset && titles.asset ? [{ label: titles.asset, href: hrefOf('assets', doc.asset) }] : [])];
    this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: doc.title, trail }, bubbles: true, composed: true }));
  }

  /** What is typed and not saved, in words (empty: nothing). */
  #unsaved(): string[] {
    const unsaved: string[] = [];
    const doc = this.#order.doc;
    if (doc && this.draft && Object.keys(patchOf(doc, { ...draftOf(doc), ...this.draft })).length > 0) unsaved.push('the details');
    if ([...this.values.values(), ...this.itemNotes.values()].some((value) => value.trim() !== '')) unsaved.push('checklist answers');
    if (this.comment.trim() !== '') unsaved.push('a comment');
    return unsaved;
  }

  /** Runs one write with the page busy, a toast either way; resolves whether it was written. */
  async #run(saved: string, write: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    try {
      await write();
      void toastSaved(saved);
      return true;
    } catch (error) {
      void toastFailed('Not saved', error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async #transition(action: WorkOrderAction): Promise<void> {
    if (action.needsComment) {
      this.reopenComment = '';
      this.reopenTo = action;
      await this.updateComplete;
      await this.renderRoot.querySelector<SlDialog>('sl-dialog[data-reopen]')?.show();
      return;
    }
    await this.#run(`Work order ${workOrderStatusLabels[action.to].toLowerCase()}`, () => this.#order.write((doc, who) => editWorkOrder(doc, { status: action.to }, who)));
  }

  async #reopen(): Promise<void> {
    const action = this.reopenTo;
    const comment = this.reopenComment.trim();
    if (!action || !comment) return;
    const done = await this.#run('Work order reopened', () => this.#order.write((doc, who) => editWorkOrder(doc, { status: action.to }, who, { comment })));
    if (done) {
      await this.renderRoot.querySelector<SlDialog>('sl-dialog[data-reopen]')?.hide();
      this.reopenTo = undefined;
      this.reopenComment = '';
    }
  }

  /** Opens the "Failure found" outcome of Mark done. */
  async #openDone(): Promise<void> {
    this.outcome = { found: true, component: '', mode: '' };
    await this.updateComplete;
    await this.renderRoot.querySelector<SlDialog>('sl-dialog[data-done]')?.show();
  }

  async #markDone(): Promise<void> {
    const outcome = this.outcome;
    if (!outcome) return;
    if (outcome.found && outcome.mode.trim() === '') {
      this.outcome = { ...outcome, problem: 'Failure mode: say how it failed (e.g. outer race defect)' };
      return;
    }
    const failure = outcome.found ? { component: outcome.component, mode: outcome.mode } : undefined;
    const done = await this.#run(failure ? 'Work order done, failure recorded' : 'Work order done', () => this.#order.markDone(failure));
    if (done) {
      await this.renderRoot.querySelector<SlDialog>('sl-dialog[data-done]')?.hide();
      this.outcome = undefined;
    }
  }

  #doneDialog() {
    const outcome = this.outcome;
    const set = (patch: Partial<NonNullable<FlWorkOrder['outcome']>>) => outcome && (this.outcome = { ...outcome, ...patch, problem: undefined });
    return html`<sl-dialog data-done label="Done: failure found" @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.outcome = undefined)}>
      ${outcome
        ? html`<div class="stack">
            <sl-checkbox data-failure-found ?checked=${outcome.found} @sl-change=${(event: Event) => set({ found: (event.target as HTMLInputElement).checked })}>Failure found</sl-checkbox>
            ${outcome.found
              ? html`<sl-input name="failure-component" label="Component" help-text="The part that failed, e.g. outer race (optional)" maxlength="200" .value=${outcome.component} @sl-input=${(event: Event) => set({ component: (event.target as SlInput).value })}></sl-input>
                  <sl-input name="failure-mode" label="Failure mode" required maxlength="200" help-text="How it failed, e.g. outer race defect" .value=${outcome.mode} @sl-input=${(event: Event) => set({ mode: (event.target as SlInput).value })}></sl-input>
                  <p class="muted small">Recorded as a failure of ${this.#order.titles.asset ?? 'the asset'} now, linked to this work order: prediction models learn from it.</p>`
              : html`<p class="muted small">Tick it when the work found a part that had failed.</p>`}
            ${outcome.problem ? html`<p role="alert" class="error" data-problem>${outcome.problem}</p>` : nothing}
          </div>`
        : nothing}
      <sl-button slot="footer" @click=${() => void this.renderRoot.querySelector<SlDialog>('sl-dialog[data-done]')?.hide()}>Cancel</sl-button>
      <sl-button slot="footer" variant="primary" data-confirm-done ?loading=${this.busy} @click=${() => void this.#markDone()}>Mark done</sl-button>
    </sl-dialog>`;
  }

  async #saveDetails(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const doc = this.#order.doc;
    const edits = this.draft;
    if (!doc || !edits) return;
    const patch = patchOf(doc, { ...draftOf(doc), ...edits });
    if (Object.keys(patch).length === 0) {
      this.draft = undefined;
      return;
    }
    // Applied to the stored document as it is now: only the fields changed here are written.
    if (await this.#run('Work order saved', () => this.#order.write((current, who) => editWorkOrder(current, patch, who)))) this.draft = undefined;
  }

  async #addComment(): Promise<void> {
    const text = this.comment.trim();
    if (!text) return;
    if (await this.#run('Comment added', () => this.#order.write((doc, who) => addComment(doc, text, who)))) this.comment = '';
  }

  #setValue(itemId: string, value: string): void {
    const values = new Map(this.values);
    if (value === '') values.delete(itemId);
    else values.set(itemId, value);
    this.values = values;
  }

  #setNote(itemId: string, note: string): void {
    const notes = new Map(this.itemNotes);
    if (note === '') notes.delete(itemId);
    else notes.set(itemId, note);
    this.itemNotes = notes;
  }

  async #answer(item: ChecklistItem, value: 'pass' | 'fail' | number | string): Promise<void> {
    if (typeof value === 'number' && outOfLimits(item, value)) {
      const sure = await confirmDialog({
        label: 'Outside the limits',
        message: `${value}${item.unit ? ` ${item.unit}` : ''} is outside the limits of "${item.label}" (${limitsText(item)}). Save it anyway?`,
        confirm: 'Save it',
        cancel: 'Change it',
        danger: true,
      });
      if (!sure) return;
    }
    const saved = item.kind === 'value' && item.field && this.#order.doc?.asset ? 'Value and reading saved' : 'Answer saved';
    const note = (this.itemNotes.get(item.id) ?? '').trim();
    if (await this.#run(saved, () => this.#order.recordAnswer(item, value, note ? { note } : {}))) {
      this.#setValue(item.id, '');
      this.#setNote(item.id, '');
    }
  }

  async #saveTyped(item: ChecklistItem): Promise<void> {
    const typed = (this.values.get(item.id) ?? '').trim();
    if (!typed) return;
    if (item.kind === 'value') {
      const value = Number(typed);
      if (!Number.isFinite(value)) {
        void toastFailed('Not saved', new Error(`"${typed}" is not a number.`));
        return;
      }
      await this.#answer(item, value);
    } else {
      await this.#answer(item, typed);
    }
  }

  /** Opens the camera / file picker; photos taken go to checklist item `item` when given. */
  #takePhotos(item: string | undefined): void {
    this.#photoItem = item;
    this.renderRoot.querySelector<HTMLInputElement>('input[type="file"]')?.click();
  }

  async #photosChosen(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length === 0) return;
    this.photoErrors = [];
    try {
      const item = this.#photoItem;
      this.#photoItem = undefined;
      const result = await this.#order.addPhotos(files, item ? { item } : {});
      this.photoErrors = result.failed;
      if (result.added > 0) void toastSaved(result.added === 1 ? 'Photo added' : `${result.added} photos added`);
      if (result.failed.length > 0) void toastFailed(result.failed.length === 1 ? 'Photo not added' : `${result.failed.length} photos not added`, new Error(result.failed.map((failure) => failure.message).join(' ')));
    } catch (error) {
      void toastFailed('Photos not added', error);
    }
  }

  #facts(doc: WorkOrder) {
    const titles = this.#order.titles;
    const today = localDay();
    const fact = (label: string, value: unknown, name: string) => (value !== undefined && value !== '' && value !== nothing ? html`<div data-fact=${name}><dt>${label}</dt><dd>${value}</dd></div>` : nothing);
    const overdue = dueState(doc.due, today) === 'overdue' && doc.status !== 'done' && doc.status !== 'verified';
    return html`<dl class="facts">
      ${fact('Site', html`<a href=${hrefOf('sites', doc.site)}>${titles.site ?? 'The site (not on this device)'}</a>`, 'site')}
      ${doc.asset ? fact('Asset', html`<a href=${hrefOf('assets', doc.asset)}>${titles.asset ?? 'The asset (not on this device)'}</a>`, 'asset') : nothing}
      ${fact('Assignee', doc.assignee ?? 'Nobody yet', 'assignee')}
      ${fact('Due', doc.due ? html`<span class=${overdue ? 'overdue' : ''}>${formatDay(doc.due)} (${dueLabel(doc.due, today)})</span>` : undefined, 'due')}
      ${fact('Priority', workOrderPriorityLabels[doc.priority ?? 'medium'], 'priority')}
      ${fact('Kind', workOrderKindLabels[doc.kind ?? 'corrective'], 'kind')}
      ${doc.alarm ? fact('From the alarm', html`<a href=${hrefOf('alarms', doc.alarm)}>${titles.alarm ?? 'The alarm'}</a>`, 'alarm') : nothing}
      ${doc.prediction ? fact('From a prediction', doc.asset ? html`<a href=${hrefOf('assets', doc.asset)}>Predicted on ${titles.asset ?? 'the asset'}</a>` : 'A prediction', 'prediction') : nothing}
      ${doc.plan ? fact('From the plan', html`<a href=${hrefOf('plans')}>${titles.plan ?? 'A maintenance plan'} (occurrence ${doc.plan.occurrence})</a>`, 'plan') : nothing}
      ${fact('Estimated hours', doc.estimated_hours === undefined ? undefined : String(doc.estimated_hours), 'estimated-hours')}
      ${fact('Actual hours', doc.actual_hours === undefined ? undefined : String(doc.actual_hours), 'actual-hours')}
      ${fact('Parts', doc.parts && doc.parts.length > 0 ? doc.parts.map((part) => `${part.name} × ${part.quantity}${part.part_number ? ` (${part.part_number})` : ''}`).join(', ') : undefined, 'parts')}
      ${fact('Created', doc.created_at ? `${formatWhen(doc.created_at)}${doc.created_by ? ` by ${doc.created_by}` : ''}` : undefined, 'created')}
      ${fact('Completed', doc.completed_at ? formatWhen(doc.completed_at) : undefined, 'completed')}
      ${fact('Verified', doc.verified_at ? `${formatWhen(doc.verified_at)}${doc.verified_by ? ` by ${doc.verified_by}` : ''}` : undefined, 'verified')}
    </dl>
    ${doc.notes ? html`<p class="notes-text" data-notes>${doc.notes}</p>` : nothing}`;
  }

  #actions(doc: WorkOrder) {
    const role = this.userRole;
    const actions = role && this.username ? nextActions(doc, role) : [];
    const doneAction = actions.find((action) => action.to === 'done');
    let hint: string | typeof nothing = nothing;
    if (!this.username || !role) hint = 'Sign in to change this work order.';
    else if (!mayEditWorkOrder(doc.status, role)) hint = 'Verified: only an engineer or admin changes it now (Reopen).';
    else if (actions.length === 0) hint = doc.status === 'done' ? 'Done: an engineer verifies it, or reopens it with a comment.' : 'Nothing to do from here for your role.';
    return html`<section aria-labelledby="actions-heading">
      <h3 id="actions-heading">Actions</h3>
      ${hint !== nothing ? html`<p class="muted">${hint}</p>` : nothing}
      <div class="actions">
        ${actions.map(
          (action, index) =>
            html`<sl-button
              variant=${index === 0 && !action.needsComment ? 'primary' : 'default'}
              ?disabled=${this.busy || action.needsAssignee}
              data-transition=${action.to}
              title=${action.needsAssignee ? 'Choose an assignee in Details first' : ''}
              @click=${() => void this.#transition(action)}
              >${action.label}</sl-button
            >`,
        )}
      </div>
      ${doneAction && doc.asset
        ? html`<p class="small muted">Found a part that had failed? <sl-button data-failure-found ?disabled=${this.busy || doneAction.needsAssignee} @click=${() => void this.#openDone()}>Done, failure found…</sl-button></p>`
        : nothing}
      ${actions.some((action) => action.needsAssignee) ? html`<p class="muted small">Assign: choose an assignee in Details and save first.</p>` : nothing}
    </section>`;
  }

  #result(item: ChecklistItem, doc: WorkOrder) {
    const result = doc.results?.[item.id];
    if (!result) return nothing;
    const words = result.value === 'pass' ? 'Pass' : result.value === 'fail' ? 'Fail' : typeof result.value === 'number' ? `${result.value}${item.unit ? ` ${item.unit}` : ''}` : result.value;
    const out = typeof result.value === 'number' && outOfLimits(item, result.value);
    return html`<p class="result" data-result data-value=${String(result.value)}>
      <strong>${words}</strong>${out ? html` · <span class="limits">out of limits</span>` : nothing} · ${result.by}, ${formatWhen(result.at)}${result.reading ? ' · reading recorded' : ''}${result.note ? html` · ${result.note}` : nothing}
    </p>`;
  }

  #item(item: ChecklistItem, doc: WorkOrder, editable: boolean) {
    const result = doc.results?.[item.id];
    const headingId = `item-${doc.checklist?.indexOf(item) ?? 0}`;
    const typed = this.values.get(item.id) ?? '';
    const disabled = this.busy || !editable;
    let entry;
    if (item.kind === 'pass_fail') {
      entry = html`<div class="toggles">
        ${(['pass', 'fail'] as const).map(
          (answer) =>
            html`<button type="button" data-answer=${answer} aria-pressed=${String(result?.value === answer)} ?disabled=${disabled} @click=${() => void this.#answer(item, answer)}>
              <sl-icon name=${answer === 'pass' ? 'check2' : 'x-lg'} aria-hidden="true"></sl-icon>${answer === 'pass' ? 'Pass' : 'Fail'}
            </button>`,
        )}
      </div>`;
    } else if (item.kind === 'value') {
      const typedNumber = typed.trim() === '' ? undefined : Number(typed);
      const warn = typedNumber !== undefined && Number.isFinite(typedNumber) && outOfLimits(item, typedNumber);
      entry = html`<div class="entry">
        <sl-input
          type="number"
          inputmode="decimal"
          label=${item.unit ? `Value (${item.unit})` : 'Value'}
          class=${warn ? 'warn' : ''}
          step="any"
          .value=${typed}
          ?disabled=${disabled}
          @sl-input=${(event: Event) => this.#setValue(item.id, (event.target as SlInput).value)}
          @keydown=${(event: KeyboardEvent) => event.key === 'Enter' && void this.#saveTyped(item)}
        ></sl-input>
        <sl-button ?disabled=${disabled || typed.trim() === ''} @click=${() => void this.#saveTyped(item)}>Save value</sl-button>
      </div>
      ${limitsText(item) ? html`<p class=${warn ? 'hint out' : 'hint'} data-limits>${warn ? `Outside the limits: ${limitsText(item)}` : limitsText(item)}</p>` : nothing}`;
    } else {
      entry = html`<div class="entry">
        <sl-textarea label="Answer" rows="2" resize="auto" maxlength="10000" .value=${typed} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setValue(item.id, (event.target as SlTextarea).value)}></sl-textarea>
        <sl-button ?disabled=${disabled || typed.trim() === ''} @click=${() => void this.#saveTyped(item)}>Save text</sl-button>
      </div>`;
    }
    const out = typeof result?.value === 'number' && outOfLimits(item, result.value);
    const photos = Object.values(doc.photos ?? {}).filter((meta) => meta.item === item.id).length;
    return html`<div class="item" role="group" aria-labelledby=${headingId} data-item=${item.id} data-kind=${item.kind} ?data-out-of-limits=${out}>
      <h4 id=${headingId}>${item.label}</h4>
      ${entry}
      <div class="extras">
        <sl-input class="note" label="Note (saved with the answer)" maxlength="10000" .value=${this.itemNotes.get(item.id) ?? ''} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setNote(item.id, (event.target as SlInput).value)}></sl-input>
        <sl-button ?disabled=${disabled || this.#order.photoProgress !== undefined} @click=${() => this.#takePhotos(item.id)} data-item-photo
          ><sl-icon slot="prefix" name="upload" aria-hidden="true"></sl-icon>Photo for this item</sl-button
        >
        ${photos > 0 ? html`<span class="muted small" data-item-photos>${photos === 1 ? '1 photo' : `${photos} photos`}</span>` : nothing}
      </div>
      ${this.#result(item, doc)}
    </div>`;
  }

  #checklist(doc: WorkOrder, editable: boolean) {
    const items = doc.checklist ?? [];
    if (items.length === 0) return nothing;
    const answered = items.filter((item) => doc.results?.[item.id] !== undefined).length;
    return html`<section aria-labelledby="checklist-heading">
      <h3 id="checklist-heading">Checklist</h3>
      <p class="muted small" data-progress>${answered} of ${items.length} answered</p>
      <div class="items">${items.map((item) => this.#item(item, doc, editable))}</div>
    </section>`;
  }

  #photos(doc: WorkOrder, editable: boolean) {
    const names = Object.keys(doc.photos ?? {}).sort((a, b) => (doc.photos![a]!.taken_at < doc.photos![b]!.taken_at ? -1 : 1));
    const progress = this.#order.photoProgress;
    const viewing = this.viewing ? doc.photos?.[this.viewing] : undefined;
    const labels = new Map((doc.checklist ?? []).map((item) => [item.id, item.label]));
    return html`<section aria-labelledby="photos-heading">
      <h3 id="photos-heading">Photos</h3>
      <div class="buttons">
        <sl-button ?disabled=${!editable || progress !== undefined} @click=${() => this.#takePhotos(undefined)} data-add-photos>
          <sl-icon slot="prefix" name="upload" aria-hidden="true"></sl-icon>Add photos
        </sl-button>
        <input type="file" accept="image/*" capture="environment" multiple aria-label="Photos to add" @change=${(event: Event) => void this.#photosChosen(event)} />
      </div>
      ${progress
        ? html`<div role="status"><sl-progress-bar value=${Math.round((progress.done / progress.total) * 100)} label="Resizing photos"></sl-progress-bar>
            <p class="muted small">Resizing photo ${Math.min(progress.done + 1, progress.total)} of ${progress.total}…</p></div>`
        : nothing}
      ${this.photoErrors.length > 0
        ? html`<div role="alert" class="error" data-photo-errors>${this.photoErrors.map((failure) => html`<p>${failure.message}</p>`)}</div>`
        : nothing}
      ${names.length === 0
        ? html`<p class="muted">No photos yet.</p>`
        : html`<ul class="gallery" aria-label="Photos of the work order">
            ${names.map((name) => {
              const meta = doc.photos![name]!;
              return html`<li data-photo=${name}>
                <button type="button" @click=${() => this.#view(name)} aria-label=${`Photo by ${meta.by}, ${formatWhen(meta.taken_at)}`}>
                  ${this.#photo(name, (url) => html`<img src=${url} alt="" width=${meta.width} height=${meta.height} />`, html`<span class="muted small">Not on this device yet</span>`)}
                </button>
                <span class="when">${formatWhen(meta.taken_at)} · ${meta.by}${meta.item && labels.get(meta.item) ? html` · <span data-photo-item>${labels.get(meta.item)}</span>` : nothing}</span>
              </li>`;
            })}
          </ul>`}
      <sl-dialog data-photo-view label=${viewing ? `Photo by ${viewing.by}, ${formatWhen(viewing.taken_at)}` : 'Photo'} @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.viewing = undefined)}>
        ${this.viewing && viewing ? this.#photo(this.viewing, (url) => html`<img class="large" src=${url} alt=${`Photo by ${viewing.by}`} />`, nothing) : nothing}
      </sl-dialog>
    </section>`;
  }

  /**
   * A photo's object URL drawn by `draw` once read from this device (a spinner until then,
   * `missing` when its bytes have not arrived yet); the page draws again when it resolves.
   */
  #photo(name: string, draw: (url: string) => unknown, missing: unknown): unknown {
    const known = this.#photoUrls.get(name);
    if (known !== undefined) return known === '' ? missing : draw(known);
    void this.#order.photoUrl(name).then((url) => {
      if (this.#photoUrls.get(name) === (url ?? '')) return;
      // Not here yet: asked again on the next read (a sync may bring it).
      if (url === undefined) setTimeout(() => this.#photoUrls.delete(name), 0);
      this.#photoUrls.set(name, url ?? '');
      this.requestUpdate();
    });
    return html`<sl-spinner></sl-spinner>`;
  }

  async #view(name: string): Promise<void> {
    this.viewing = name;
    await this.updateComplete;
    await this.renderRoot.querySelector<SlDialog>('sl-dialog[data-photo-view]')?.show();
  }

  #setDraft(change: Partial<Draft>): void {
    this.draft = { ...this.draft, ...change };
  }

  #details(doc: WorkOrder, editable: boolean) {
    const draft: Draft = { ...draftOf(doc), ...this.draft };
    const changed = Object.keys(patchOf(doc, draft)).length > 0;
    const disabled = !editable || this.busy;
    const number = (label: string, key: 'estimated' | 'actual') =>
      html`<sl-input type="number" inputmode="decimal" min="0" max="10000" step="any" label=${label} name=${key} .value=${draft[key]} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ [key]: (event.target as SlInput).value })}></sl-input>`;
    return html`<section aria-labelledby="details-heading">
      <h3 id="details-heading">Details</h3>
      <form class="details" aria-label="Details" @submit=${(event: SubmitEvent) => void this.#saveDetails(event)}>
        <div class="fields">
          <sl-select label="Priority" name="priority" value=${draft.priority} ?disabled=${disabled} @sl-change=${(event: Event) => this.#setDraft({ priority: (event.target as SlSelect).value as WorkOrderPriority })}>
            ${workOrderPriorities.map((priority) => html`<sl-option value=${priority}>${workOrderPriorityLabels[priority]}</sl-option>`)}
          </sl-select>
          <sl-input type="date" label="Due" name="due" .value=${draft.due} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ due: (event.target as SlInput).value })}></sl-input>
          ${this.#assignee(draft, disabled)}
          ${number('Estimated hours', 'estimated')} ${number('Actual hours', 'actual')}
        </div>
        <div class="parts" aria-label="Parts used" role="group">
          <h4>Parts used</h4>
          ${draft.parts.map(
            (part, index) => html`<div class="part" data-part=${part.id}>
              <sl-input label="Part" .value=${part.name} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ parts: draft.parts.map((other, at) => (at === index ? { ...other, name: (event.target as SlInput).value } : other)) })}></sl-input>
              <sl-input label="Quantity" type="number" min="0" step="any" .value=${part.quantity} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ parts: draft.parts.map((other, at) => (at === index ? { ...other, quantity: (event.target as SlInput).value } : other)) })}></sl-input>
              <sl-input label="Part number" .value=${part.part_number} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ parts: draft.parts.map((other, at) => (at === index ? { ...other, part_number: (event.target as SlInput).value } : other)) })}></sl-input>
              <sl-icon-button name="x-lg" label=${`Remove ${part.name || 'this part'}`} ?disabled=${disabled} @click=${() => this.#setDraft({ parts: draft.parts.filter((_, at) => at !== index) })}></sl-icon-button>
            </div>`,
          )}
          <div><sl-button ?disabled=${disabled} @click=${() => this.#setDraft({ parts: [...draft.parts, { id: crypto.randomUUID(), name: '', quantity: '1', part_number: '' }] })}>Add part</sl-button></div>
        </div>
        <sl-textarea label="Notes" name="notes" rows="3" resize="auto" maxlength="100000" .value=${draft.notes} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ notes: (event.target as SlTextarea).value })}></sl-textarea>
        <div class="buttons">
          <sl-button type="submit" variant="primary" ?disabled=${disabled || !changed}>Save</sl-button>
          ${changed ? html`<sl-button ?disabled=${this.busy} @click=${() => (this.draft = undefined)}>Discard changes</sl-button>` : nothing}
        </div>
      </form>
    </section>`;
  }

  /**
   * The assignee: chosen from who the site's work can go to when the server said (online), else
   * typed (offline, or a name a list option cannot hold); the current assignee is always offered.
   */
  #assignee(draft: Draft, disabled: boolean) {
    const people = this.#order.people;
    const names = people ? [...new Set([...people.map((person) => person.name), ...(draft.assignee ? [draft.assignee] : [])])] : [];
    // Shoelace option values cannot hold spaces: such a name is typed instead.
    if (!people || names.some((name) => /\s/.test(name))) {
      return html`<sl-input label="Assignee" name="assignee" autocomplete="off" placeholder="User name" .value=${draft.assignee} ?disabled=${disabled} @sl-input=${(event: Event) => this.#setDraft({ assignee: (event.target as SlInput).value })}></sl-input>`;
    }
    const roles = new Map(people.map((person) => [person.name, person.role]));
    return html`<sl-select label="Assignee" name="assignee" clearable placeholder="Nobody" .value=${draft.assignee} ?disabled=${disabled} @sl-change=${(event: Event) => this.#setDraft({ assignee: String((event.target as SlSelect).value ?? '') })}>
      ${names.map((name) => html`<sl-option value=${name}>${name}${roles.get(name) ? html` <span class="muted small">(${roles.get(name)})</span>` : nothing}</sl-option>`)}
    </sl-select>`;
  }

  #comments(editable: boolean) {
    return html`<section aria-labelledby="comments-heading">
      <h3 id="comments-heading">Comments</h3>
      <div class="comment">
        <sl-textarea label="Comment" rows="2" resize="auto" maxlength="10000" .value=${this.comment} ?disabled=${!editable} @sl-input=${(event: Event) => (this.comment = (event.target as SlTextarea).value)}></sl-textarea>
        <sl-button ?disabled=${!editable || this.busy || this.comment.trim() === ''} @click=${() => void this.#addComment()}><sl-icon slot="prefix" name="chat-left-text" aria-hidden="true"></sl-icon>Add comment</sl-button>
      </div>
    </section>`;
  }

  #history(doc: WorkOrder) {
    const titles = new Map<string, string>();
    const known = this.#order.titles;
    if (known.site) titles.set(doc.site, known.site);
    if (doc.asset && known.asset) titles.set(doc.asset, known.asset);
    if (doc.plan && known.plan) titles.set(doc.plan.id, known.plan);
    const entries = [...(doc.history ?? [])].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    return html`<section aria-labelledby="history-heading">
      <h3 id="history-heading">History</h3>
      ${entries.length === 0
        ? html`<p class="muted">No history recorded (an older work order).</p>`
        : html`<ol class="history" aria-label="History of the work order">
            ${entries.map(
              (entry) => html`<li data-action=${entry.action}>
                <span><strong>${historyLabel(entry)}</strong> · ${entry.by}</span>
                <span class="when">${formatWhen(entry.at)}</span>
                ${changesInWords(entry, doc, titles).map((line) => html`<span class="text">${line}</span>`)}
                ${entry.comment ? html`<span class="text">“${entry.comment}”</span>` : nothing}
              </li>`,
            )}
          </ol>`}
      ${(doc.history_dropped ?? 0) > 0 ? html`<p class="muted small">${doc.history_dropped} older entries are not kept.</p>` : nothing}
    </section>`;
  }

  override render() {
    if (!this.workOrder) return html`<p>Choose a work order from the <a href=${hrefOf('work-orders')}>list</a>.</p>`;
    const doc = this.#order.doc;
    if (!doc) {
      if (this.#order.error) return html`<p role="alert" class="error">The work order could not be read: ${this.#order.error}</p>`;
      if (!this.#order.loaded) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the work order…</p>`;
      return html`<p role="alert" class="error">This work order is not on this device. It arrives with the next sync if you may see it.</p>`;
    }
    const editable = Boolean(this.username && this.userRole && mayEditWorkOrder(doc.status, this.userRole));
    const today = localDay();
    const overdue = dueState(doc.due, today) === 'overdue' && doc.status !== 'done' && doc.status !== 'verified';
    const priority = doc.priority ?? 'medium';
    return html`
      <div class="banner">
        <sl-tag variant=${doc.status === 'verified' || doc.status === 'done' ? 'success' : doc.status === 'on_hold' ? 'warning' : 'primary'} data-status=${doc.status}>${workOrderStatusLabels[doc.status] ?? doc.status}</sl-tag>
        <sl-tag variant=${priority === 'urgent' ? 'danger' : priority === 'high' ? 'warning' : 'neutral'} data-priority=${priority}>${workOrderPriorityLabels[priority]} priority</sl-tag>
        ${overdue ? html`<sl-tag variant="danger" data-overdue>Overdue</sl-tag>` : nothing}
      </div>
      ${this.#facts(doc)} ${this.#actions(doc)} ${this.#checklist(doc, editable)} ${this.#photos(doc, editable)} ${this.#details(doc, editable)} ${this.#comments(editable)} ${this.#history(doc)}
      <sl-dialog data-reopen label="Reopen the work order" @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.reopenTo = undefined)}>
        <sl-textarea label="Why reopen it?" required rows="3" maxlength="10000" .value=${this.reopenComment} @sl-input=${(event: Event) => (this.reopenComment = (event.target as SlTextarea).value)}></sl-textarea>
        <sl-button slot="footer" @click=${() => void this.renderRoot.querySelector<SlDialog>('sl-dialog[data-reopen]')?.hide()}>Cancel</sl-button>
        <sl-button slot="footer" variant="primary" ?disabled=${this.busy || this.reopenComment.trim() === ''} @click=${() => void this.#reopen()}>Reopen</sl-button>
      </sl-dialog>
      ${this.#doneDialog()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-work-order': FlWorkOrder;
  }
}
