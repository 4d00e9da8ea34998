import { LitElement, css, html, nothing } from 'lit';
import { ContextConsumer } from '@lit/context';
import { serverStorageContext, storageContext } from '../controllers';
import { StorageError, type AllDocsOptions, type Doc, type Storage } from '../storage';
import { baseStyles, controlStyles } from './design/styles';

interface ChannelRow {
  id: string;
  doc: Doc;
}

/** The server's channels of one asset (or of a site with no asset), shown by titles. */
interface ChannelGroup {
  /** Site and asset ids: what the group's open/closed state is kept by. */
  key: string;
  siteTitle: string;
  title: string;
  channels: ChannelRow[];
}

type ServerState = { state: 'none' } | { state: 'loading' } | { state: 'signed_out' } | { state: 'unreachable' } | { state: 'error'; message: string } | { state: 'loaded'; channels: ChannelRow[]; groups: ChannelGroup[] };

/** Up to this many server channels, every group starts open (a small install sees all its charts at once). */
const ALL_OPEN_UP_TO = 12;

/**
 * The server's channels grouped by site and asset, sites and assets in title order (a site's
 * channels bound to no asset last). Titles come from the site and asset documents the server
 * lists for this user; an id is shown only when its document is not there.
 */
function groupChannels(channels: ChannelRow[], titles: ReadonlyMap<string, string>): ChannelGroup[] {
  const groups = new Map<string, ChannelGroup & { site: string; asset: string }>();
  for (const channel of channels) {
    const site = typeof channel.doc.site === 'string' ? channel.doc.site : '';
    const asset = typeof channel.doc.asset === 'string' ? channel.doc.asset : '';
    const key = `${site}\u0000${asset}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, site, asset, siteTitle: site ? (titles.get(site) ?? site) : 'No site', title: asset ? (titles.get(asset) ?? asset) : 'The whole site', channels: [] };
      groups.set(key, group);
    }
    group.channels.push(channel);
  }
  return [...groups.values()].sort((a, b) => a.siteTitle.localeCompare(b.siteTitle) || a.site.localeCompare(b.site) || Number(!a.asset) - Number(!b.asset) || a.title.localeCompare(b.title));
}

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
  /** Server groups the user opened (true) or closed (false); the others follow the default. */
  readonly #opened = new Map<string, boolean>();

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
      h4 { margin: var(--sl-spacing-small) 0 0; }
      sl-details::part(content) { display: grid; gap: var(--sl-spacing-medium); }
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
      // Sites and assets only for their titles: a listing that fails leaves ids, not an empty view.
      const [result, sites, assets] = await Promise.all([
        server.allDocs(channelQuery()),
        server.allDocs({ query: 'type:site', include_docs: true }).catch(() => undefined),
        server.allDocs({ query: 'type:asset', include_docs: true }).catch(() => undefined),
      ]);
      const titles = new Map<string, string>();
      for (const row of [...(sites?.rows ?? []), ...(assets?.rows ?? [])]) if (typeof row.doc?.title === 'string') titles.set(row.id, row.doc.title);
      const channels = result.rows.map((row) => ({ id: row.id, doc: row.doc! }));
      this.server = { state: 'loaded', channels, groups: groupChannels(channels, titles) };
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

  /**
   * The server's channels, a collapsible group per asset under its site's heading. Charts are made
   * only in open groups: with the fleet (over a hundred channels) the page would otherwise draw
   * every chart at once (tens of thousands of pixels, each chart reading its array); there only
   * the first group starts open, the rest open on demand and close again.
   */
  #groups(groups: ChannelGroup[], total: number) {
    const storage = this.#serverStorage.value;
    return groups.map((group, index) => {
      const open = this.#opened.get(group.key) ?? (total <= ALL_OPEN_UP_TO || index === 0);
      const toggle = (event: Event, value: boolean) => {
        // sl-show/sl-hide bubble: only this group's own, not those of a component inside it.
        if (event.target !== event.currentTarget) return;
        this.#opened.set(group.key, value);
        this.requestUpdate();
      };
      const count = `${group.channels.length} channel${group.channels.length === 1 ? '' : 's'}`;
      return html`${index === 0 || groups[index - 1]!.siteTitle !== group.siteTitle ? html`<h4>${group.siteTitle}</h4>` : nothing}
        <sl-details summary="${group.title} · ${count}" ?open=${open} @sl-show=${(event: Event) => toggle(event, true)} @sl-hide=${(event: Event) => toggle(event, false)}>
          ${open ? this.#charts(group.channels, storage) : nothing}
        </sl-details>`;
    });
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
    else body = this.#groups(server.groups, server.channels.length);
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
