import { LitElement, css, html, nothing } from 'lit';
import { SyncStatusController, formatBytes, requestPersistence, storageEstimate, type StorageEstimateReport, type SyncStatus } from '../controllers';
import { baseStyles, controlStyles } from './design/styles';

const stateLabels: Record<SyncStatus['state'], string> = {
  idle: 'Up to date',
  syncing: 'Syncing…',
  offline: 'Offline',
  error: 'Sync failed',
  'signed-out': 'Signed out',
};

/**
 * What is waiting to sync, in words: "3 changes waiting, 2 photos" ("1 change waiting"), empty
 * when nothing is. Refused writes are not counted: they do not go until the user corrects or drops them.
 */
export function waitingText(status: Pick<SyncStatus, 'pending' | 'refused'> & Partial<Pick<SyncStatus, 'pendingPhotos'>>): string {
  const waiting = Math.max(0, status.pending - status.refused.length);
  const photos = status.pendingPhotos ?? 0;
  return waiting ? `${waiting} change${waiting === 1 ? '' : 's'} waiting${photos ? `, ${photos} photo${photos === 1 ? '' : 's'}` : ''}` : '';
}

/** How long ago `time` was, in words ("just now", "5 min ago", "3 h ago", "2 days ago"). */
export function ago(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/**
 * How this device stands with the server: last sync, changes waiting, errors and writes the server
 * refused (kept here), a progress bar while syncing, "Sync now", a sign-in form when the session
 * is gone, and the device's storage use. Attribute `compact`: one line for the app's header.
 * Gadget methods: none; it follows the SyncService from context.
 */
export class FlSyncStatus extends LitElement {
  static override properties = { compact: { type: Boolean, reflect: true }, estimate: { state: true } };

  declare compact: boolean;
  declare estimate: StorageEstimateReport | null | undefined;

  readonly #sync = new SyncStatusController(this);

  constructor() {
    super();
    this.compact = false;
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-small); }
      /* In the header: the header's own colours (baseStyles would set the page's text colour). */
      :host([compact]) { display: inline-flex; align-items: center; gap: var(--sl-spacing-x-small); font-size: var(--sl-font-size-small); color: inherit; }
      :host([compact]) a { color: inherit; display: inline-flex; align-items: center; min-height: var(--fl-touch); white-space: nowrap; }
      /* What waits to sync stands out in the header (the changes a technician must not lose). */
      .waiting { display: inline-flex; align-items: center; gap: var(--sl-spacing-3x-small); padding: 0 var(--sl-spacing-x-small); border-radius: var(--sl-border-radius-pill); background: var(--sl-color-warning-100); color: var(--sl-color-warning-900); font-weight: var(--sl-font-weight-semibold); }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: var(--sl-spacing-2x-small) var(--sl-spacing-medium); margin: 0; }
      dt { font-weight: var(--sl-font-weight-semibold); }
      dd { margin: 0; }
      [role='alert'] { color: var(--fl-danger); margin: 0; }
      .refused { border: 1px solid var(--sl-color-warning-300); background: var(--sl-color-warning-50); color: var(--sl-color-neutral-900); border-radius: var(--fl-radius); padding: var(--sl-spacing-small) var(--sl-spacing-medium); }
      ul { margin: var(--sl-spacing-2x-small) 0 0; padding-left: var(--sl-spacing-large); }
      button { justify-self: start; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.compact) void this.#refreshEstimate();
  }

  async #refreshEstimate(): Promise<void> {
    this.estimate = await storageEstimate().catch(() => null);
  }

  async #syncNow(): Promise<void> {
    await this.#sync.service?.syncNow();
    if (!this.compact) await this.#refreshEstimate();
  }

  async #persist(): Promise<void> {
    await requestPersistence();
    await this.#refreshEstimate();
  }

  override render() {
    const service = this.#sync.service;
    if (!service) return this.compact ? nothing : html`<p>Sync is not available in this app.</p>`;
    const status = service.status;
    const label = stateLabels[status.state];
    if (this.compact) {
      // A refused write is not "up to date": it will never go until the user corrects or drops it.
      const refused = status.refused.length;
      const waiting = waitingText(status);
      // "Up to date · 3 changes waiting" would contradict itself: idle with changes waiting says only what waits.
      const state = status.state === 'idle' && (refused || waiting) ? '' : label;
      const head = [state, refused ? `${refused} refused` : ''].filter(Boolean).join(' · ');
      return html`<a href="#/sync" data-state=${status.state} title="Sync">${head}${waiting
          ? html`${head ? ' · ' : nothing}<span class="waiting" data-waiting=${status.pending - refused}><sl-icon name="cloud-arrow-up" aria-hidden="true"></sl-icon>${waiting}</span>`
          : nothing}${status.conflicts ? html` · ${status.conflicts} conflict${status.conflicts === 1 ? '' : 's'}` : nothing}</a>`;
    }
    const progress = status.progress;
    return html`
      <dl>
        <dt>Status</dt><dd data-state=${status.state}>${label}</dd>
        <dt>Last sync</dt><dd class="last-sync">${status.lastSync === null ? 'never' : html`${ago(status.lastSync, Date.now())} (${new Date(status.lastSync).toLocaleString()})`}</dd>
        <dt>Waiting to send</dt><dd class="pending">${status.pending} change${status.pending === 1 ? '' : 's'}${status.pendingPhotos ? `, ${status.pendingPhotos} photo${status.pendingPhotos === 1 ? '' : 's'}` : ''}</dd>
        <dt>Conflicts</dt><dd class="conflicts">${status.conflicts}</dd>
      </dl>
      ${status.state === 'syncing'
        ? html`<label>Syncing: ${progress ? `${progress.done}${progress.total === null ? '' : ` of ${progress.total}`} changes, ${formatBytes(progress.bytes)}` : 'starting'}
            <progress aria-label="Sync progress" max=${progress?.total ?? 1} value=${progress && progress.total !== null ? progress.done : nothing}></progress></label>`
        : nothing}
      ${status.error ? html`<p role="alert">${status.error.message}${status.retryAt ? ` Next try at ${new Date(status.retryAt).toLocaleTimeString()}.` : ''}${status.error.code === 'quota_exceeded' ? html` <a href="#/sync">Unpin offline data</a>` : nothing}</p>` : nothing}
      ${status.refused.length
        ? html`<div class="refused" role="status"><strong>The server refused ${status.refused.length} change${status.refused.length === 1 ? '' : 's'}; they are kept on this device.</strong>
            <ul>${status.refused.map((refusal) => html`<li><code>${refusal.id}</code>: ${refusal.message}</li>`)}</ul></div>`
        : nothing}
      ${status.state === 'signed-out'
        ? html`<fl-sign-in legend="Sign in to sync" @fl-signed-in=${() => void this.#refreshEstimate()}></fl-sign-in>`
        : html`<button @click=${() => void this.#syncNow()} ?disabled=${status.state === 'syncing' || status.state === 'offline'}>Sync now</button>`}
      ${this.estimate
        ? html`<label>Storage on this device: ${formatBytes(this.estimate.usage)} of ${formatBytes(this.estimate.quota)}
              <meter aria-label="Storage used" min="0" max=${this.estimate.quota} value=${this.estimate.usage} high=${this.estimate.quota * 0.8}></meter></label>
            <p class="persisted">${this.estimate.persisted
              ? 'The browser keeps this data even when space runs low.'
              : html`The browser may clear this data when space runs low. <button @click=${() => void this.#persist()}>Keep data on this device</button>`}</p>`
        : nothing}
    `;
  }
}
