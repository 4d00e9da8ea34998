import { LitElement, css, html, nothing } from 'lit';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import { ApiError, DocsController, parseUnits, siteAssetChoice, sourcesApi, type DataSource, type Listed, type Role, type SiteAssetChoice } from '../controllers';
import type { AssetDoc, SiteDoc } from '../core';
import { baseStyles, controlStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';

type Created = DataSource & { token: string; shared_key: string };
/** What this view asks of the server (sourcesApi; a test gives an in-page one). */
export type SourcesViewApi = Pick<typeof sourcesApi, 'list' | 'create' | 'rebuild' | 'rebind' | 'forwardPort' | 'mqtt'>;
/** A channel document as far as this view reads it: which source it belongs to. */
interface ChannelOfSource {
  type: 'channel';
  source?: string;
}

/**
 * Data sources: the producers (fluentd tags, HTTP clients) that push data to the server. Lists
 * them with the events stored and the late events waiting; admins register new ones (the token
 * and shared key are shown once, with how to point fluentd at the server); engineers and admins
 * merge late events into the arrays; admins move a source to another site or asset (its channels
 * and their history follow, server side). Gadget methods: `reload()`.
 */
export class FlSources extends LitElement {
  static override properties = { sources: { state: true }, problem: { state: true }, created: { state: true }, message: { state: true }, busy: { state: true }, forwardPort: { state: true }, mqtt: { state: true }, newSite: { state: true }, newAsset: { state: true }, moving: { state: true }, moveSite: { state: true }, moveAsset: { state: true }, moveProblem: { state: true }, userRole: { attribute: false }, api: { attribute: false } };

  declare sources: DataSource[] | undefined;
  /** Why the list is not shown: 'signed_out', or a message. */
  declare problem: string | undefined;
  declare created: Created | undefined;
  declare message: string | undefined;
  declare busy: boolean;
  /** The server's forward protocol port (FORWARD_PORT, as the server says), null when unknown. */
  declare forwardPort: number | null | undefined;
  /** The server's MQTT broker (port and topic patterns), null when it has none, undefined before asking. */
  declare mqtt: { port: number; topics: string[] } | null | undefined;
  /** The site and asset chosen in the register form ('' while none is). */
  declare newSite: string;
  declare newAsset: string;
  declare api: SourcesViewApi;
  /** The signed-in user's role (the shell passes it): only admins are offered "Move…". */
  declare userRole: Role | undefined;
  /** The source being moved (its dialog is open), and the site/asset picked for it. */
  declare moving: DataSource | undefined;
  declare moveSite: string;
  declare moveAsset: string;
  /** Why the server refused the move (shown in the dialog, which stays open). */
  declare moveProblem: string | undefined;

  // The sites and assets on this device, for their titles: a source is bound to ids, a user reads titles.
  readonly #sites = new DocsController<SiteDoc>(this, { query: () => 'type:site', prefixes: ['site/'] });
  readonly #assets = new DocsController<AssetDoc>(this, { query: () => 'type:asset', prefixes: ['asset/'] });
  // Only while a move is being confirmed: how many channels (with their history) go along.
  readonly #channels = new DocsController<ChannelOfSource>(this, { query: () => (this.moving ? 'type:channel' : undefined), prefixes: ['channel/'] });

  constructor() {
    super();
    this.busy = false;
    this.newSite = '';
    this.newAsset = '';
    this.moveSite = '';
    this.moveAsset = '';
    this.api = sourcesApi;
  }

  /** The title of a site or asset on this device; the id only when the document is not here. */
  #title(id: string | null | undefined, docs: ReadonlyArray<Listed<{ title?: string }>> | undefined): string {
    if (!id) return '';
    return docs?.find((doc) => doc.id === id)?.title ?? id;
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); max-width: 60rem; }
      table { font-size: var(--sl-font-size-small); background: var(--fl-surface); }
      th, td { border: 1px solid var(--fl-border); }
      td.number { text-align: right; font-variant-numeric: tabular-nums; }
      .row { display: flex; gap: var(--sl-spacing-medium); flex-wrap: wrap; align-items: end; }
      label { display: grid; gap: var(--sl-spacing-2x-small); }
      .secret { background: var(--sl-color-warning-50); color: var(--sl-color-neutral-900); border: 1px solid var(--sl-color-warning-300); border-radius: var(--fl-radius); padding: var(--sl-spacing-medium); display: grid; gap: var(--sl-spacing-small); }
      pre { margin: 0; white-space: pre-wrap; }
      dl.mqtt { display: grid; grid-template-columns: max-content 1fr; gap: var(--sl-spacing-2x-small) var(--sl-spacing-medium); margin: 0; }
      dl.mqtt dt { font-weight: var(--sl-font-weight-semibold); }
      dl.mqtt dd { margin: 0; overflow-wrap: anywhere; }
      [role='alert'] { color: var(--fl-danger); }
    `,
  ];

  protected override willUpdate(): void {
    // The channel list is read only while a move dialog is open (its query follows `moving`).
    this.#channels.refreshIfChanged();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  async reload(): Promise<void> {
    try {
      this.sources = await this.api.list();
      this.problem = undefined;
      // Asked once: the port is the server's setting, not a constant of the protocol.
      if (this.forwardPort === undefined) this.forwardPort = await this.api.forwardPort().catch(() => null);
      if (this.mqtt === undefined) this.mqtt = await this.api.mqtt().catch(() => null);
    } catch (error) {
      this.sources = undefined;
      if (error instanceof ApiError && error.status === 401) this.problem = 'signed_out';
      else if (error instanceof ApiError && error.status === 403) this.problem = 'Data sources are managed by engineers and admins.';
      else this.problem = error instanceof Error ? error.message : String(error);
    }
  }

  async #create(event: Event): Promise<void> {
    event.preventDefault();
    const formElement = event.target as HTMLFormElement;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    // Site and asset come from the lists (ids behind titles), never from typed text.
    const choice = this.#choice();
    const site = choice?.site ?? '';
    const asset = choice?.asset ?? '';
    this.busy = true;
    try {
      this.created = await this.api.create({
        tag: text('tag'),
        ...(site ? { site } : {}),
        ...(asset ? { asset } : {}),
        units: parseUnits(text('units')),
      });
      this.message = undefined;
      formElement.reset();
      this.newSite = '';
      this.newAsset = '';
      await this.reload();
    } catch (error) {
      this.message = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  async #rebuild(source: DataSource): Promise<void> {
    this.busy = true;
    try {
      const result = await this.api.rebuild(source.id);
      this.message = `${source.tag}: ${result.merged.toLocaleString('en')} late events merged.`;
      await this.reload();
    } catch (error) {
      this.message = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  #openMove(source: DataSource): void {
    this.moving = source;
    this.moveSite = source.site ?? '';
    this.moveAsset = source.asset ?? '';
    this.moveProblem = undefined;
  }

  #moveChoice(): SiteAssetChoice | undefined {
    return siteAssetChoice(this.#sites.docs, this.#assets.docs, { site: this.moveSite, asset: this.moveAsset });
  }

  /** What the move means, in words: where the channels go, and who loses access. */
  #moveSummary(source: DataSource, choice: SiteAssetChoice): string {
    const count = this.#channels.docs?.filter((channel) => channel.source === source.id).length ?? 0;
    const what = count > 0 ? `Its ${count.toLocaleString('en')} channel${count === 1 ? '' : 's'} and their history` : 'Its channels and their history';
    const to = choice.asset ? this.#title(choice.asset, this.#assets.docs) : this.#title(choice.site, this.#sites.docs);
    const leaving = source.site && source.site !== choice.site ? `; technicians of ${this.#title(source.site, this.#sites.docs)} lose access` : '';
    return `${what} move to ${to}${leaving}.`;
  }

  async #move(event: Event): Promise<void> {
    event.preventDefault();
    const source = this.moving;
    const choice = this.#moveChoice();
    if (!source || !choice?.site) return;
    this.busy = true;
    try {
      // Ids behind the titles chosen; no asset = bound to the whole site.
      const result = await this.api.rebind(source.id, { site: choice.site, asset: choice.asset || null });
      const to = choice.asset ? this.#title(choice.asset, this.#assets.docs) : this.#title(choice.site, this.#sites.docs);
      void toastSaved(`${source.tag} moved to ${to}: ${result.moved.channels.toLocaleString('en')} channels, ${result.moved.arrays.toLocaleString('en')} arrays`);
      this.moving = undefined;
      await this.reload();
    } catch (error) {
      this.moveProblem = error instanceof Error ? error.message : String(error);
      void toastFailed(`${source.tag} not moved`, error);
    } finally {
      this.busy = false;
    }
  }

  #moveDialog(source: DataSource) {
    const choice = this.#moveChoice();
    return html`<sl-dialog open label=${`Move ${source.tag}`} @sl-after-hide=${(event: Event) => event.target === event.currentTarget && (this.moving = undefined)}>
      <form class="stack" aria-label=${`Move ${source.tag}`} @submit=${(event: Event) => void this.#move(event)}>
        ${!choice
          ? html`<p>No sites on this device to move the source to.</p>`
          : html`<sl-select label="Site" required value=${choice.site} @sl-change=${(event: Event) => ((this.moveSite = (event.target as SlSelect).value as string), (this.moveAsset = ''))}>
                ${choice.sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
              </sl-select>
              <sl-select label="Asset" clearable placeholder="The whole site" value=${choice.asset} ?disabled=${!choice.site} @sl-change=${(event: Event) => (this.moveAsset = (event.target as SlSelect).value as string)}>
                ${choice.assets.map((asset) => html`<sl-option value=${asset.id}>${asset.title}</sl-option>`)}
              </sl-select>
              ${choice.site ? html`<p role="status">${this.#moveSummary(source, choice)}</p>` : nothing}`}
        ${this.moveProblem ? html`<p role="alert">${this.moveProblem}</p>` : nothing}
        <div class="row">
          <sl-button type="submit" variant="primary" ?disabled=${this.busy || !choice?.site}>Move</sl-button>
          <sl-button @click=${() => (this.moving = undefined)}>Cancel</sl-button>
        </div>
      </form>
    </sl-dialog>`;
  }

  /** The site/asset lists of the register form (undefined: no site on this device to bind to). */
  #choice(): SiteAssetChoice | undefined {
    return siteAssetChoice(this.#sites.docs, this.#assets.docs, { site: this.newSite, asset: this.newAsset });
  }

  #placeFields() {
    const choice = this.#choice();
    // No typed ids: without a site here the source is registered unbound (bind it once the site exists).
    if (!choice) return html`<p class="muted small">No sites on this device yet: the source is registered without a site.</p>`;
    return html`<sl-select label="Site" clearable placeholder="No site" value=${choice.site} @sl-change=${(event: Event) => ((this.newSite = (event.target as SlSelect).value as string), (this.newAsset = ''))}>
        ${choice.sites.map((site) => html`<sl-option value=${site.id}>${site.title}</sl-option>`)}
      </sl-select>
      <sl-select label="Asset" clearable placeholder="The whole site" value=${choice.asset} ?disabled=${!choice.site} @sl-change=${(event: Event) => (this.newAsset = (event.target as SlSelect).value as string)}>
        ${choice.assets.map((asset) => html`<sl-option value=${asset.id}>${asset.title}</sl-option>`)}
      </sl-select>`;
  }

  #createdNotice(created: Created) {
    const host = location.hostname;
    return html`<div class="secret" role="status" aria-label="New source">
      <p><strong>${created.tag}</strong> is registered. Its token and shared key are shown only now:</p>
      <p>Token: <code>${created.token}</code></p>
      <p>Shared key: <code>${created.shared_key}</code></p>
      <pre>
&lt;match ${created.tag}&gt;
  @type forward
  require_ack_response true
  &lt;server&gt;
    host ${host}
    port ${this.forwardPort ?? '<the server\'s FORWARD_PORT>'}
  &lt;/server&gt;
&lt;/match&gt;</pre
      >
      <p>Or by HTTP: <code>POST /api/ingest?reference=${created.tag}</code> with <code>Authorization: Bearer &lt;token&gt;</code>.</p>
      ${this.mqtt ? this.#mqttSettings(created, host, this.mqtt) : nothing}
      <div><button @click=${() => (this.created = undefined)}>Done</button></div>
    </div>`;
  }

  /** How a device reaches the embedded MQTT broker: host, port, credentials and its topic. */
  #mqttSettings(created: Created, host: string, mqtt: { port: number; topics: string[] }) {
    // The first pattern with the tag in place (a `+` shown as a word to choose, `#` as nothing more).
    const topic = (mqtt.topics[0] ?? 'fieldline/{tag}')
      .split('/')
      .filter((level) => level !== '#')
      .map((level) => (level === '{tag}' ? created.tag : level === '+' ? '<any>' : level))
      .join('/');
    return html`<p>Or by MQTT (QoS 1, JSON such as <code>{"ts": 1764720000000, "temp": 21.5}</code>):</p>
      <dl class="mqtt" aria-label="MQTT settings">
        <dt>Broker</dt>
        <dd><code>mqtt://${host}:${mqtt.port}</code></dd>
        <dt>Username</dt>
        <dd><code>${created.tag}</code></dd>
        <dt>Password</dt>
        <dd>the token above</dd>
        <dt>Topic</dt>
        <dd><code>${topic}</code></dd>
      </dl>`;
  }

  override render() {
    if (this.problem === 'signed_out') return html`<fl-sign-in legend="Sign in to manage data sources" @fl-signed-in=${() => void this.reload()}></fl-sign-in>`;
    if (this.problem) return html`<p role="alert">${this.problem}</p>`;
    if (!this.sources) return html`<p>Loading data sources…</p>`;
    return html`
      ${this.message ? html`<p role="alert">${this.message}</p>` : nothing}
      ${this.created ? this.#createdNotice(this.created) : nothing}
      ${this.sources.length === 0
        ? html`<p>No data sources yet.</p>`
        : html`<table aria-label="Data sources">
            <thead>
              <tr>
                <th>Tag</th>
                <th>Site</th>
                <th>Asset</th>
                <th>Events stored</th>
                <th>Late events</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${this.sources.map(
                (source) =>
                  html`<tr aria-label=${source.tag}>
                    <td>${source.tag}</td>
                    <td>${this.#title(source.site, this.#sites.docs)}</td>
                    <td>${this.#title(source.asset, this.#assets.docs)}</td>
                    <td class="number">${source.events_stored.toLocaleString('en')}</td>
                    <td class="number">${source.late_pending.toLocaleString('en')}</td>
                    <td>
                      ${source.late_pending > 0 ? html`<button ?disabled=${this.busy} @click=${() => void this.#rebuild(source)}>Merge late events</button>` : nothing}
                      ${this.userRole === 'admin' ? html`<button aria-label=${`Move ${source.tag}`} ?disabled=${this.busy} @click=${() => this.#openMove(source)}>Move…</button>` : nothing}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`}
      ${this.moving ? this.#moveDialog(this.moving) : nothing}
      <form aria-label="Register a data source" @submit=${(event: Event) => void this.#create(event)}>
        <fieldset>
          <legend>Register a data source (admins)</legend>
          <div class="row">
            <label>Tag <input name="tag" required placeholder="turbine.t07" /></label>
            ${this.#placeFields()}
            <label>Units <input name="units" placeholder="temp=°C, power=kW" /></label>
          </div>
          <div><button type="submit" ?disabled=${this.busy}>Register</button></div>
        </fieldset>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-sources': FlSources;
  }
}
