import { LitElement, css, html, nothing } from 'lit';
import { DocsController, SyncStatusController, formatBytes, type Pin, type PinEstimate } from '../controllers';
import type { SiteDoc } from '../core';
import { baseStyles, controlStyles } from './design/styles';

/**
 * Channel data kept on this device for offline use. Lists the server's sites with channels; for a
 * site, the technician picks how many days to keep at full resolution (older data comes down as
 * summaries), sees the size before downloading, and pins it; pinned sites can be unpinned to free
 * space. Gadget methods: `reload()`.
 */
export class FlOfflineData extends LitElement {
  static override properties = { sites: { state: true }, pins: { state: true }, estimates: { state: true }, error: { state: true }, busy: { state: true } };

  declare sites: Array<{ site: string; arrays: number }> | undefined;
  declare pins: Pin[];
  declare estimates: Record<string, PinEstimate & { days: number }>;
  declare error: string | undefined;
  declare busy: string | undefined;

  readonly #sync = new SyncStatusController(this);
  // The sites on this device, for their titles (the server lists sites by id).
  readonly #siteDocs = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });

  constructor() {
    super();
    this.pins = [];
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

  async reload(): Promise<void> {
    const pins = this.#sync.service?.pins;
    if (!pins) return;
    try {
      this.pins = await pins.list();
      this.sites = await pins.sites().catch(() => undefined);
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
      this.pins = await service.pins!.list();
      await service.syncNow();
      window.dispatchEvent(new Event('fl-data-changed'));
    });
  }

  #unpin(site: string): Promise<void> {
    return this.#run(site, async () => {
      await this.#sync.service!.pins!.unpin(site);
      this.pins = await this.#sync.service!.pins!.list();
      window.dispatchEvent(new Event('fl-data-changed'));
    });
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
    `;
  }
}
