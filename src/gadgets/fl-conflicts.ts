import { LitElement, css, html, nothing } from 'lit';
import { SyncStatusController } from '../controllers';
import type { ConflictRecord, Doc } from '../storage';

type Json = Doc[string];

function show(value: Json | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Conflicts sync kept for the user: the same record changed here and on the server (or deleted on
 * one side and edited on the other). Each is shown side by side, the fields that differ marked,
 * with "Keep this device's version" (it goes to the server at the next sync) and "Keep the
 * server's version". Gadget methods: `reload()`.
 */
export class FlConflicts extends LitElement {
  static override properties = { conflicts: { state: true }, error: { state: true } };

  declare conflicts: ConflictRecord[] | undefined;
  declare error: string | undefined;

  readonly #sync = new SyncStatusController(this);
  #seen = -1;

  static override styles = css`
    :host { display: grid; gap: 1rem; }
    article { border: 1px solid #e9c46a; border-radius: 0.5rem; padding: 0.75rem; display: grid; gap: 0.5rem; }
    h3 { margin: 0; font-size: 1rem; }
    table { border-collapse: collapse; font-size: 0.875rem; }
    th, td { border: 1px solid #d7dee2; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
    tr.differs td { background: #fff3cd; }
    .buttons { display: flex; gap: 0.5rem; flex-wrap: wrap; }
    [role='alert'] { color: #9b2226; }
    button { font: inherit; padding: 0.25rem 0.75rem; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  protected override willUpdate(): void {
    // A sync found new conflicts (or another tab resolved some): read them again.
    const count = this.#sync.service?.status.conflicts ?? 0;
    if (count !== this.#seen) {
      this.#seen = count;
      void this.reload();
    }
  }

  async reload(): Promise<void> {
    const service = this.#sync.service;
    if (!service) return;
    try {
      this.conflicts = await service.replica.conflicts();
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

  #side(doc: Doc | null): string {
    return doc === null ? 'deleted' : 'edited';
  }

  override render() {
    if (!this.#sync.service) return nothing;
    const conflicts = this.conflicts ?? [];
    return html`
      ${this.error ? html`<p role="alert">${this.error}</p>` : nothing}
      ${conflicts.length === 0 ? html`<p class="none">No conflicts.</p>` : nothing}
      ${conflicts.map((conflict) => {
        const title = String(conflict.remote?.title ?? conflict.local?.title ?? conflict.id);
        const keys = [...new Set([...Object.keys(conflict.local ?? {}), ...Object.keys(conflict.remote ?? {})])].sort();
        return html`<article aria-label=${`Conflict: ${title}`}>
          <h3>${title}</h3>
          <p>This device ${this.#side(conflict.local)} it while the server had it ${this.#side(conflict.remote)}. The server's version is the one in use now.</p>
          <table>
            <thead><tr><th>Field</th><th>This device (not kept)</th><th>Server (in use)</th></tr></thead>
            <tbody>
              ${conflict.local === null || conflict.remote === null
                ? html`<tr class="differs"><td>—</td><td>${conflict.local === null ? 'deleted' : 'kept'}</td><td>${conflict.remote === null ? 'deleted' : 'kept'}</td></tr>`
                : nothing}
              ${keys.map((key) => {
                const mine = conflict.local?.[key];
                const theirs = conflict.remote?.[key];
                return html`<tr class=${JSON.stringify(mine) === JSON.stringify(theirs) ? '' : 'differs'}><td>${key}</td><td>${conflict.local === null ? '' : show(mine)}</td><td>${conflict.remote === null ? '' : show(theirs)}</td></tr>`;
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
