import { LitElement, css, html, nothing } from 'lit';
import { ContextConsumer } from '@lit/context';
import { serverStorageContext, storageContext } from '../controllers';
import { StorageError, type AllDocsOptions, type Doc, type Storage } from '../storage';
import { baseStyles, controlStyles } from './design/styles';

interface ChannelRow {
  id: string;
  doc: Doc;
}

type ServerState = { state: 'none' } | { state: 'loading' } | { state: 'signed_out' } | { state: 'unreachable' } | { state: 'error'; message: string } | { state: 'loaded'; channels: ChannelRow[] };

const channelQuery = (): AllDocsOptions => ({ query: 'type:channel', include_docs: true, sort_on: [['title', 'ascending']] });

/**
 * The channels on this device, each plotted with <fl-channel-chart>, and — when the app has a
 * server — the channels on the server (what data sources and uploads brought there), plotted
 * straight from the server's arrays. Signed out, it offers to sign in; offline, it says so.
 * Gadget methods: `reload()` lists the channels again (after a sync, the demo seed or a sign-in).
 */
export class FlChannelList extends LitElement {
  static override properties = { channels: { state: true }, elsewhere: { state: true }, error: { state: true }, server: { state: true } };

  declare channels: ChannelRow[] | undefined;
  /** Channels known here whose data is not on this device (the site is not pinned). */
  declare elsewhere: number;
  declare error: string | undefined;
  declare server: ServerState;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.reload() });
  readonly #serverStorage = new ContextConsumer(this, { context: serverStorageContext, subscribe: true, callback: () => void this.reload() });

  constructor() {
    super();
    this.server = { state: 'none' };
    this.elsewhere = 0;
  }

  static override styles = [
    baseStyles,
    controlStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); }
      section { display: grid; gap: var(--sl-spacing-medium); }
      h3 { margin-block-start: var(--sl-spacing-small); font-size: var(--sl-font-size-large); }
    `,
  ];

  /** A sync or a pin brought data (a pinned site's arrays arrive): list again. */
  readonly #onDataChanged = (): void => void this.reload();

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('fl-data-changed', this.#onDataChanged);
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('fl-data-changed', this.#onDataChanged);
  }

  async reload(): Promise<void> {
    await Promise.all([this.#reloadLocal(), this.#reloadServer()]);
  }

  async #reloadLocal(): Promise<void> {
    const storage = this.#storage.value;
    if (!storage) return;
    try {
      // Channel documents are records and sync brings the server's down, but their arrays come
      // only with a pin: list the channels whose array is here (a chart of any other could only
      // fail with "no array"); the rest are under "On the server".
      const [result, arrays] = await Promise.all([storage.allDocs(channelQuery()), storage.allDocs({ query: 'kind:"fl-channel-array"' })]);
      const here = new Set(arrays.rows.map((row) => row.id));
      const rows = result.rows.map((row) => ({ id: row.id, doc: row.doc! }));
      this.channels = rows.filter((row) => here.has(String(row.doc.array)));
      this.elsewhere = rows.length - this.channels.length;
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  async #reloadServer(): Promise<void> {
    const server = this.#serverStorage.value;
    if (!server) {
      this.server = { state: 'none' };
      return;
    }
    if (this.server.state !== 'loaded') this.server = { state: 'loading' };
    try {
      const result = await server.allDocs(channelQuery());
      this.server = { state: 'loaded', channels: result.rows.map((row) => ({ id: row.id, doc: row.doc! })) };
    } catch (error) {
      if (error instanceof StorageError && error.code === 'unauthorized') this.server = { state: 'signed_out' };
      else if (error instanceof StorageError && error.code === 'unavailable') this.server = { state: 'unreachable' };
      else this.server = { state: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  #charts(channels: ChannelRow[], storage?: Storage) {
    return channels.map(
      (channel) =>
        html`<fl-channel-chart
          .array=${String(channel.doc.array)}
          .label=${String(channel.doc.title ?? channel.id)}
          .unit=${String(channel.doc.unit ?? '')}
          .storage=${storage}
        ></fl-channel-chart>`,
    );
  }

  #serverSection() {
    const server = this.server;
    if (server.state === 'none') return nothing;
    let body;
    if (server.state === 'loading') body = html`<p>Asking the server…</p>`;
    else if (server.state === 'signed_out') body = html`<fl-sign-in legend="Sign in to see the server's channels" @fl-signed-in=${() => void this.#reloadServer()}></fl-sign-in>`;
    else if (server.state === 'unreachable') body = html`<p>The server is out of reach: its channels show when you are online.</p>`;
    else if (server.state === 'error') body = html`<p role="alert">${server.message}</p>`;
    else if (server.channels.length === 0) body = html`<p>No channels on the server yet.</p>`;
    else body = this.#charts(server.channels, this.#serverStorage.value);
    return html`<section aria-label="On the server"><h3>On the server</h3>${body}</section>`;
  }

  override render() {
    let local;
    if (this.error) local = html`<p role="alert">${this.error}</p>`;
    else if (!this.channels) local = html`<p>Loading channels…</p>`;
    else if (this.channels.length === 0) local = html`<p>No channels on this device yet.</p>`;
    else local = this.#charts(this.channels);
    const elsewhere = this.elsewhere
      ? html`<p class="elsewhere">${this.elsewhere} more channel${this.elsewhere === 1 ? ' is' : 's are'} on the server only: keep a site on this device in <a href="#/sync">Sync</a> to see ${this.elsewhere === 1 ? 'it' : 'them'} offline.</p>`
      : nothing;
    return html`<section aria-label="On this device"><h3>On this device</h3>${local}${elsewhere}</section>
      ${this.#serverSection()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-channel-list': FlChannelList;
  }
}
