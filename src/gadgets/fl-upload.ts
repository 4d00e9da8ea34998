import { LitElement, css, html, nothing } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { DocsController, siteAssetChoice, type SiteAssetChoice, uploaderContext, type CsvInspection, type Uploader, type UploadJob } from '../controllers';
import type { AssetDoc, SiteDoc } from '../core';
import { baseStyles, controlStyles } from './design/styles';

const delimiterNames: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

const stateLabels: Record<UploadJob['state'], string> = {
  queued: 'Queued — uploads when online',
  uploading: 'Uploading',
  waiting: 'Waiting for the network',
  needs_file: 'Pick the file again to resume',
  signed_out: 'Sign in to go on',
  complete: 'Complete',
  failed: 'Failed',
};

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

/**
 * Imports CSV files of readings: pick a file, check what was detected (delimiter, time column,
 * units, the first rows), choose site and asset (from this device's lists, by title; typed only
 * while the device holds no site yet), upload. Uploads show their progress, go on after
 * a network cut, wait for the network when offline (the file is kept on the device), and resume
 * when the same file is picked again after the tab was closed.
 * Gadget methods: `reload()` lists the uploads again. Needs an `Uploader` from its ancestors.
 */
export class FlUpload extends LitElement {
  static override properties = {
    inspection: { state: true },
    file: { state: true },
    jobs: { state: true },
    error: { state: true },
    signIn: { state: true },
    newSite: { state: true },
    newAsset: { state: true },
  };

  declare inspection: CsvInspection | undefined;
  declare file: File | undefined;
  declare jobs: UploadJob[];
  declare error: string | undefined;
  declare signIn: boolean;
  /** The site and asset chosen from the lists ('' while none is). */
  declare newSite: string;
  declare newAsset: string;

  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });

  #listening: Uploader | undefined;
  readonly #onChange = () => void this.reload();

  readonly #uploader = new ContextConsumer(this, {
    context: uploaderContext,
    subscribe: true,
    callback: (uploader) => {
      this.#listening?.removeEventListener('change', this.#onChange);
      this.#listening = uploader;
      uploader?.addEventListener('change', this.#onChange);
      void this.reload();
    },
  });

  constructor() {
    super();
    this.jobs = [];
    this.signIn = false;
    this.newSite = '';
    this.newAsset = '';
  }

  /** The lists to choose from and what is chosen (undefined: no site on this device yet). */
  #lists(): SiteAssetChoice | undefined {
    return siteAssetChoice(this.#sites.docs, this.#assets.docs, { site: this.newSite, asset: this.newAsset });
  }

  #placeFields() {
    const lists = this.#lists();
    if (!lists) return html`<label>Site <input name="site" placeholder="site/…" /></label> <label>Asset <input name="asset" placeholder="asset/…" /></label>`;
    return html`<sl-select label="Site" value=${lists.site} placeholder="Choose a site" @sl-change=${(event: Event) => ((this.newSite = (event.target as SlSelect).value as string), (this.newAsset = ''))}>
        ${lists.sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
      </sl-select>
      <sl-select label="Asset" clearable placeholder="The whole site" value=${lists.asset} ?disabled=${!lists.site} @sl-change=${(event: Event) => (this.newAsset = (event.target as SlSelect).value as string)}>
        ${lists.assets.map((asset) => html`<sl-option value=${asset.id}>${asset.title}</sl-option>`)}
      </sl-select>`;
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); max-width: 60rem; }
      label { display: grid; gap: var(--sl-spacing-2x-small); }
      .row { display: flex; gap: var(--sl-spacing-medium); flex-wrap: wrap; align-items: end; }
      table { font-size: var(--sl-font-size-small); overflow-x: auto; display: block; background: var(--fl-surface); }
      th, td { border: 1px solid var(--fl-border); white-space: nowrap; }
      ul { list-style: none; padding: 0; margin: 0; display: grid; gap: var(--sl-spacing-small); }
      li { display: grid; gap: var(--sl-spacing-x-small); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); padding: var(--sl-spacing-small) var(--sl-spacing-medium); background: var(--fl-surface); }
      progress { max-width: none; }
      .error, [role='alert'] { color: var(--fl-danger); }
      li button { justify-self: start; }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#listening?.removeEventListener('change', this.#onChange);
  }

  async reload(): Promise<void> {
    const uploader = this.#uploader.value;
    if (!uploader) return;
    this.jobs = await uploader.jobs();
    this.signIn = this.jobs.some((job) => job.state === 'signed_out');
  }

  async #pick(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    this.inspection = undefined;
    this.error = undefined;
    this.file = file;
    if (file) await this.#inspect({});
  }

  async #inspect(options: { delimiter?: string; timeColumn?: string }): Promise<void> {
    const uploader = this.#uploader.value;
    if (!uploader || !this.file) return;
    try {
      this.inspection = await uploader.inspect(this.file, options);
      this.error = undefined;
    } catch (error) {
      this.inspection = undefined;
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  async #start(event: Event): Promise<void> {
    event.preventDefault();
    const uploader = this.#uploader.value;
    if (!uploader || !this.file || !this.inspection) return;
    const form = new FormData(event.target as HTMLFormElement);
    const lists = this.#lists();
    const site = lists ? lists.site : String(form.get('site') ?? '').trim();
    const asset = lists ? lists.asset : String(form.get('asset') ?? '').trim();
    await uploader.add(this.file, this.inspection, { ...(site ? { site } : {}), ...(asset ? { asset } : {}) });
    this.file = undefined;
    this.inspection = undefined;
    (this.renderRoot.querySelector('input[type=file]') as HTMLInputElement | null)?.form?.reset();
    this.newAsset = '';
    await this.reload();
  }

  #signedIn(): void {
    this.signIn = false;
    void this.#uploader.value?.resumeAll();
  }

  #preview(inspection: CsvInspection) {
    const { dialect, preview } = inspection;
    const columns = dialect.columns;
    return html`
      <table aria-label="First rows">
        <thead>
          <tr>
            ${columns.map((column, index) => html`<th>${column.name}${column.unit ? html` [${column.unit}]` : nothing}${index === dialect.timeColumn ? ' (time)' : nothing}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${preview.slice(0, 5).map(
            (row) =>
              html`<tr>
                ${columns.map((column, index) => html`<td>${index === dialect.timeColumn ? new Date(row.time).toISOString() : String(row.record[column.name] ?? '')}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    `;
  }

  #job(job: UploadJob) {
    const uploader = this.#uploader.value;
    const rate = uploader?.rate(job.id) ?? 0;
    return html`<li data-state=${job.state} aria-label=${`Upload ${job.name}`}>
      <strong>${job.name}</strong>
      <progress max=${job.size} value=${job.offset} aria-label=${`${job.name} progress`}></progress>
      <span class="status">${stateLabels[job.state]} · ${megabytes(job.offset)} of ${megabytes(job.size)}${job.rows ? ` · ${job.rows.toLocaleString('en')} rows` : ''}${job.state === 'uploading' && rate ? ` · ${megabytes(rate)}/s` : ''}</span>
      ${job.error && job.state !== 'uploading' ? html`<span class="error">${job.error}</span>` : nothing}
      ${job.state === 'complete' || job.state === 'failed' ? html`<button @click=${() => uploader?.remove(job.id)}>Remove from list</button>` : nothing}
    </li>`;
  }

  override render() {
    const inspection = this.inspection;
    return html`
      <form @submit=${(event: Event) => void this.#start(event)}>
        <fieldset>
          <legend>Import a CSV file</legend>
          <label>File <input type="file" name="file" accept=".csv,.txt,text/csv" @change=${(event: Event) => void this.#pick(event)} /></label>
          ${this.error ? html`<p role="alert">${this.error}</p>` : nothing}
          ${inspection
            ? html`
                <div class="row">
                  <label
                    >Delimiter
                    <select name="delimiter" @change=${(event: Event) => void this.#inspect({ delimiter: (event.target as HTMLSelectElement).value })}>
                      ${Object.entries(delimiterNames).map(([value, name]) => html`<option value=${value} ?selected=${value === inspection.dialect.delimiter}>${name}</option>`)}
                    </select>
                  </label>
                  <label
                    >Time column
                    <select
                      name="time"
                      @change=${(event: Event) => void this.#inspect({ delimiter: inspection.dialect.delimiter, timeColumn: (event.target as HTMLSelectElement).value })}
                    >
                      ${inspection.dialect.columns.map((column, index) => html`<option value=${column.name} ?selected=${index === inspection.dialect.timeColumn}>${column.name}</option>`)}
                    </select>
                  </label>
                  ${this.#placeFields()}
                </div>
                <p>${inspection.dialect.columns.length - 1} channels, about ${inspection.estimatedRows.toLocaleString('en')} rows.</p>
                ${this.#preview(inspection)}
                <div><button type="submit">Upload</button></div>
              `
            : nothing}
        </fieldset>
      </form>
      ${this.signIn ? html`<fl-sign-in legend="Sign in to upload" @fl-signed-in=${() => this.#signedIn()}></fl-sign-in>` : nothing}
      ${this.jobs.length > 0 ? html`<ul aria-label="Uploads">${this.jobs.map((job) => this.#job(job))}</ul>` : html`<p>No uploads yet.</p>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-upload': FlUpload;
  }
}
