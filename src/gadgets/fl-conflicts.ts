import { LitElement, css, html, nothing } from 'lit';
import { SyncStatusController } from '../controllers';
import type { ConflictRecord, Doc, Refusal } from '../storage';
import { baseStyles, controlStyles } from './design/styles';

type Json = Doc[string];

function show(value: Json | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Words for a name of the document (`actual_hours` → "actual hours"). */
function words(name: string): string {
  return name.replace(/_/g, ' ');
}

function labelOf(list: Json | undefined, id: string, key: 'label' | 'name'): string | undefined {
  if (!Array.isArray(list)) return undefined;
  const item = list.find((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry) && entry.id === id);
  const label = item && typeof item === 'object' && !Array.isArray(item) ? item[key] : undefined;
  return typeof label === 'string' ? label : undefined;
}

/**
 * What a merged conflict's paths are in words: `notes` → "notes", `results.c2` → the checklist
 * item's label, `parts.p1` → the part's name, a photo once however many of its paths conflict.
 */
function conflictFieldNames(conflict: ConflictRecord): string[] {
  const doc = conflict.remote ?? conflict.local ?? {};
  const names = new Set<string>();
  for (const path of conflict.fields ?? []) {
    if (path.startsWith('attachments/')) names.add(`photo ${path.slice('attachments/'.length)}`);
    else if (path.startsWith('photos.')) names.add(`photo ${path.slice('photos.'.length)}`);
    else if (path.startsWith('results.')) {
      const id = path.slice('results.'.length);
      names.add(`checklist "${labelOf(doc.checklist, id, 'label') ?? id}"`);
    } else if (path.startsWith('parts.')) {
      const id = path.slice('parts.'.length);
      names.add(`part "${labelOf(doc.parts, id, 'name') ?? id}"`);
    } else if (path.startsWith('checklist.')) {
      const id = path.slice('checklist.'.length);
      names.add(`checklist item "${labelOf(doc.checklist, id, 'label') ?? id}"`);
    } else names.add(words(path));
  }
  return [...names];
}

/** A write the server refused, with the document as this device holds it (null: a deletion). */
interface RefusedRow {
  refusal: Refusal;
  doc: Doc | null;
}

/**
 * Conflicts sync kept for the user: the same record changed here and on the server (or deleted on
 * one side and edited on the other). Each is shown side by side, the fields that differ marked,
 * with "Keep this device's version" (it goes to the server at the next sync) and "Keep the
 * server's version". Above them, the writes the server refused (a technician writing into a site
 * not theirs), each with the server's reason: the user corrects the site (chosen from the sites on
 * this device) and sends it again, or discards this device's change (the server's version comes
 * back). Without this a refused write stayed on the device for ever, retried and refused at every
 * sync. A work order (or plan) changed on both sides was merged: only the fields changed on both
 * conflict, named above the table ("Changed on both: priority, notes"), and the table shows just
 * those (everything else is the same in both versions). Gadget methods: `reload()`.
 */
export class FlConflicts extends LitElement {
  static override properties = { conflicts: { state: true }, refused: { state: true }, sites: { state: true }, error: { state: true } };

  declare conflicts: ConflictRecord[] | undefined;
  declare refused: RefusedRow[];
  /** Sites on this device (id → title), to correct a refused write's site from a list. */
  declare sites: Map<string, string>;
  declare error: string | undefined;

  readonly #sync = new SyncStatusController(this);
  #seen = -1;
  #seenRefused: Refusal[] | undefined;

  constructor() {
    super();
    this.refused = [];
    this.sites = new Map();
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); }
      article { border: 1px solid var(--sl-color-warning-300); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); display: grid; gap: var(--sl-spacing-small); background: var(--fl-surface); }
      h3 { font-size: var(--sl-font-size-medium); }
      table { font-size: var(--sl-font-size-small); }
      th, td { border: 1px solid var(--fl-border); vertical-align: top; }
      tr.differs td { background: var(--sl-color-warning-100); color: var(--sl-color-neutral-900); }
      .fields { font-weight: var(--sl-font-weight-semibold); }
      .buttons { display: flex; gap: var(--sl-spacing-small); flex-wrap: wrap; }
      [role='alert'] { color: var(--fl-danger); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  protected override willUpdate(): void {
    // A sync found new conflicts (or another tab resolved some): read them again.
    const count = this.#sync.service?.status.conflicts ?? 0;
    const refused = this.#sync.service?.status.refused;
    if (count !== this.#seen || refused !== this.#seenRefused) {
      this.#seen = count;
      this.#seenRefused = refused;
      void this.reload();
    }
  }

  async reload(): Promise<void> {
    const service = this.#sync.service;
    if (!service) return;
    try {
      const replica = service.replica;
      this.conflicts = await replica.conflicts();
      const refusals = await replica.refusals();
      this.refused = await Promise.all(refusals.map(async (refusal) => ({ refusal, doc: await replica.get(refusal.id).catch(() => null) })));
      if (refusals.length > 0) {
        const sites = await replica.allDocs({ query: 'type:site', include_docs: true });
        this.sites = new Map(sites.rows.map((row) => [row.id, typeof row.doc?.title === 'string' ? row.doc.title : row.id]));
      }
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  async #resolve(id: string, choice: 'local' | 'remote'): Promise<void> {
    const service = this.#sync.service;
    if (!service) return;
    try {
      await service.replica.resolveConflict(id, choice);
      await this.reload();
      await service.refreshCounts();
      window.dispatchEvent(new Event('fl-data-changed'));
      void service.syncNow();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  /** Writes the corrected document (another site); the sync sends it again at once. */
  async #correct(event: SubmitEvent, row: RefusedRow): Promise<void> {
    event.preventDefault();
    const service = this.#sync.service;
    if (!service || !row.doc) return;
    const site = String(new FormData(event.target as HTMLFormElement).get('site') ?? '');
    if (!site) return;
    try {
      await service.replica.put(row.refusal.id, { ...row.doc, site });
      window.dispatchEvent(new Event('fl-data-changed'));
      await service.syncNow();
      await service.refreshCounts();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  async #discard(row: RefusedRow): Promise<void> {
    const service = this.#sync.service;
    if (!service) return;
    try {
      await service.replica.discardRefused(row.refusal.id);
      await service.refreshCounts();
      window.dispatchEvent(new Event('fl-data-changed'));
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  #refusedCard(row: RefusedRow, index: number) {
    const { refusal, doc } = row;
    const title = String(doc?.title ?? refusal.id);
    const site = typeof doc?.site === 'string' ? doc.site : '';
    const choices = new Map(this.sites);
    if (site && !choices.has(site)) choices.set(site, site);
    const id = `refused-${index}`;
    return html`<article class="refused" aria-label=${`Refused: ${title}`} data-id=${refusal.id}>
      <h3>${title}</h3>
      <p>The server refused this device's ${doc === null ? 'deletion' : 'change'}: <span class="reason">${refusal.message}</span></p>
      ${doc === null
        ? nothing
        : html`<form aria-label=${`Correct ${title}`} @submit=${(event: SubmitEvent) => void this.#correct(event, row)}>
            <label for=${`${id}-site`}>Site</label>
            <select id=${`${id}-site`} name="site">
              ${[...choices].map(([value, label]) => html`<option value=${value} ?selected=${value === site}>${label}</option>`)}
            </select>
            <button type="submit">Save and send again</button>
          </form>`}
      <div class="buttons"><button @click=${() => void this.#discard(row)}>Discard this device's change</button></div>
    </article>`;
  }

  #side(doc: Doc | null): string {
    return doc === null ? 'deleted' : 'edited';
  }

  override render() {
    if (!this.#sync.service) return nothing;
    const conflicts = this.conflicts ?? [];
    return html`
      ${this.error ? html`<p role="alert">${this.error}</p>` : nothing}
      ${this.refused.map((row, index) => this.#refusedCard(row, index))}
      ${conflicts.length === 0 ? html`<p class="none">No conflicts.</p>` : nothing}
      ${conflicts.map((conflict) => {
        const title = String(conflict.remote?.title ?? conflict.local?.title ?? conflict.id);
        const merged = conflict.fields !== undefined;
        const differs = (key: string): boolean => JSON.stringify(conflict.local?.[key]) !== JSON.stringify(conflict.remote?.[key]);
        // A merge differs only in its conflicting fields: show those; the rest is the same on both.
        const keys = [...new Set([...Object.keys(conflict.local ?? {}), ...Object.keys(conflict.remote ?? {})])].sort().filter((key) => !merged || differs(key));
        return html`<article aria-label=${`Conflict: ${title}`} data-id=${conflict.id}>
          <h3>${title}</h3>
          ${merged
            ? html`<p class="fields">Changed on both: ${conflictFieldNames(conflict).join(', ')}</p>
                <p>Everything else this device and the server changed was merged. The server's values of these are the ones in use now.</p>`
            : html`<p>This device ${this.#side(conflict.local)} it while the server had it ${this.#side(conflict.remote)}. The server's version is the one in use now.</p>`}
          <table>
            <thead><tr><th>Field</th><th>This device (not kept)</th><th>Server (in use)</th></tr></thead>
            <tbody>
              ${conflict.local === null || conflict.remote === null
                ? html`<tr class="differs"><td>—</td><td>${conflict.local === null ? 'deleted' : 'kept'}</td><td>${conflict.remote === null ? 'deleted' : 'kept'}</td></tr>`
                : nothing}
              ${keys.map((key) => {
                const mine = conflict.local?.[key];
                const theirs = conflict.remote?.[key];
                return html`<tr class=${differs(key) ? 'differs' : ''}><td>${key}</td><td>${conflict.local === null ? '' : show(mine)}</td><td>${conflict.remote === null ? '' : show(theirs)}</td></tr>`;
              })}
            </tbody>
          </table>
          <div class="buttons">
            <button @click=${() => void this.#resolve(conflict.id, 'local')}>Keep this device's version</button>
            <button @click=${() => void this.#resolve(conflict.id, 'remote')}>Keep the server's version</button>
          </div>
        </article>`;
      })}
    `;
  }
}
