import { LitElement, css, html, nothing } from 'lit';
import { DocsController, PINS_CHANGE_EVENT, SyncStatusController, formatBytes, type Pin, type PinEstimate, type PinService, type PinStatus } from '../controllers';
import type { AssetDoc, SiteDoc } from '../core';
import { baseStyles, controlStyles } from './design/styles';

/**
 * Channel data kept on this device for offline use. Lists the server's sites with channels; for a
 * site, the technician picks how many days to keep at full resolution (older data comes down as
 * summaries), sees the size before downloading, and pins it; pinned sites can be unpinned to free
 * space. Below, the assets kept for the signed-in user's open work orders (pins that follow
 * assignments: their size on the device, or before their first sync the size to expect, and when
 * they last synced) and assets pinned by hand (Unpin). Gadget methods: `reload()`.
 */
export class FlOfflineData extends LitElement {
  static override properties = { sites: { state: true }, pins: { state: true }, statuses: { state: true }, estimates: { state: true }, error: { state: true }, busy: { state: true } };

  declare sites: Array<{ site: string; arrays: number }> | undefined;
  declare pins: Pin[];
  /** Every pin with what is on the device for it (asset pins are listed from it). */
  declare statuses: PinStatus[];
  declare estimates: Record<string, PinEstimate & { days: number }>;
  declare error: string | undefined;
  declare busy: string | undefined;

  readonly #sync = new SyncStatusController(this);
  // The sites on this device, for their titles (the server lists sites by id).
  readonly #siteDocs = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  // The assets on this device, for the titles of asset pins.
  readonly #assetDocs = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });
  /** The pin service listened to (its `change`: pins made, synced or removed by followAssignments). */
  #listened: PinService | undefined;
  readonly #onPinsChange = (): void => void this.reload();

  constructor() {
    super();
    this.pins = [];
    this.statuses = [];
    this.estimates = {};
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-small); }
      table { font-size: var(--sl-font-size-small); background: var(--fl-surface); }
      th, td { border: 1px solid var(--fl-border); }
      input:not([type='checkbox']) { width: 5rem; }
      [role='alert'] { color: var(--fl-danger); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#listened?.removeEventListener(PINS_CHANGE_EVENT, this.#onPinsChange);
    this.#listened = undefined;
  }

  protected override updated(): void {
    // The sync service arrives by context: listen to its pins once they are there.
    const pins = this.#sync.service?.pins;
    if (pins && pins !== this.#listened) {
      this.#listened?.removeEventListener(PINS_CHANGE_EVENT, this.#onPinsChange);
      this.#listened = pins;
      pins.addEventListener(PINS_CHANGE_EVENT, this.#onPinsChange);
      void this.reload();
    }
  }

  async reload(): Promise<void> {
    const pins = this.#sync.service?.pins;
    if (!pins) return;
    try {
      this.pins = (await pins.list()).filter((pin) => !pin.asset);
      this.statuses = await pins.status();
      // Asked again on every reload (a site may have gained channels since); offline the last answer stays.
      this.sites = (await pins.sites().catch(() => undefined)) ?? this.sites;
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  #days(site: string): number {
    const input = this.renderRoot.querySelector<HTMLInputElement>(`input[data-site="${CSS.escape(site)}"]`);
    return Number(input?.value ?? 30);
  }

  async #run(site: string, task: () => Promise<void>): Promise<void> {
    this.busy = site;
    try {
      await task();
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = undefined;
    }
  }

  #estimate(site: string): Promise<void> {
    return this.#run(site, async () => {
      const days = this.#days(site);
      const estimate = await this.#sync.service!.pins!.estimate({ site, days });
      this.estimates = { ...this.estimates, [site]: { ...estimate, days } };
    });
  }

  #pin(site: string): Promise<void> {
    return this.#run(site, async () => {
      const service = this.#sync.service!;
      await service.pins!.pin({ site, days: this.estimates[site]?.days ?? this.#days(site) });
      await this.reload();
      await service.syncNow();
      window.dispatchEvent(new Event('fl-data-changed'));
    });
  }

  #unpin(site: string, asset?: string): Promise<void> {
    return this.#run(asset ?? site, async () => {
      await this.#sync.service!.pins!.unpin(site, asset);
      await this.reload();
      window.dispatchEvent(new Event('fl-data-changed'));
    });
  }

  /** What an asset pin holds, in words: its size on the device, or what to expect before its first sync. */
  #size(status: PinStatus): string {
    if (status.bytes !== undefined) return `${formatBytes(status.bytes)} on this device (${status.arrays ?? 0} channel${status.arrays === 1 ? '' : 's'})`;
    if (status.estimated_bytes !== undefined) return `about ${formatBytes(status.estimated_bytes)} to download at the next sync`;
    return 'downloads at the next sync';
  }

  #assetPins(statuses: readonly PinStatus[], auto: boolean) {
    const rows = statuses.filter((status) => status.asset !== undefined && status.auto === auto);
    if (rows.length === 0) return nothing;
    const titleOf = (id: string, docs: ReadonlyArray<{ id: string; title?: string }> | undefined) => docs?.find((doc) => doc.id === id)?.title ?? id;
    return html`<section aria-labelledby=${auto ? 'auto-pins' : 'asset-pins'} class="stack">
      <h4 id=${auto ? 'auto-pins' : 'asset-pins'}>${auto ? 'For your work orders' : 'Assets kept on this device'}</h4>
      ${auto ? html`<p class="muted small">Kept by itself while a work order assigned to you on the asset is open: the last ${rows[0]!.days} days at full resolution, the asset's parts included.</p>` : nothing}
      <table>
        <thead><tr><th>Asset</th><th>Site</th>${auto ? html`<th>Work orders</th>` : html`<th>Full resolution</th>`}<th>Size</th><th>Last sync</th>${auto ? nothing : html`<th></th>`}</tr></thead>
        <tbody>
          ${rows.map((status) => {
            const title = titleOf(status.asset!, this.#assetDocs.docs);
            return html`<tr aria-label=${`Asset ${title}`} data-asset=${status.asset!}>
              <td>${title}</td>
              <td>${titleOf(status.site, this.#siteDocs.docs)}</td>
              ${auto ? html`<td class="numeric">${status.work_orders.length}</td>` : html`<td>last ${status.days} days</td>`}
              <td class="size">${this.#size(status)}</td>
              <td>${status.last_sync === undefined ? 'not yet' : new Date(status.last_sync).toLocaleString()}</td>
              ${auto ? nothing : html`<td><button ?disabled=${this.busy === status.asset} @click=${() => void this.#unpin(status.site, status.asset)}>Unpin</button></td>`}
            </tr>`;
          })}
        </tbody>
      </table>
    </section>`;
  }

  override render() {
    if (!this.#sync.service?.pins) return nothing;
    const pinned = new Map(this.pins.map((pin) => [pin.site, pin]));
    return html`
      ${this.error ? html`<p role="alert">${this.error}</p>` : nothing}
      ${this.sites === undefined
        ? html`<p>Sign in and go online to choose channel data to keep on this device.</p>`
        : this.sites.length === 0
          ? html`<p>The server has no channel data yet.</p>`
          : html`<table>
              <thead><tr><th>Site</th><th>Channels</th><th>Full resolution</th><th></th></tr></thead>
              <tbody>
                ${this.sites.map(({ site, arrays }) => {
                  const pin = pinned.get(site);
                  const estimate = this.estimates[site];
                  // Its title when the site is on this device, else the id the server gave.
                  const title = this.#siteDocs.docs?.find((doc) => doc.id === site)?.title ?? site;
                  return html`<tr aria-label=${`Site ${title}`}>
                    <td>${title}</td>
                    <td>${arrays}</td>
                    <td><label>last <input type="number" min="1" max="3650" .value=${String(pin?.days ?? estimate?.days ?? 30)} data-site=${site} aria-label=${`Days for ${title}`} /> days</label></td>
                    <td>
                      ${pin
                        ? html`Kept on this device <button ?disabled=${this.busy === site} @click=${() => void this.#unpin(site)}>Unpin</button>`
                        : estimate
                          ? html`<span class="estimate">${formatBytes(estimate.bytes)} for ${estimate.arrays} channel${estimate.arrays === 1 ? '' : 's'}</span>
                              <button ?disabled=${this.busy === site} @click=${() => void this.#pin(site)}>Download</button>`
                          : html`<button ?disabled=${this.busy === site} @click=${() => void this.#estimate(site)}>Keep offline…</button>`}
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>`}
      ${this.#assetPins(this.statuses, true)} ${this.#assetPins(this.statuses, false)}
    `;
  }
}
