import { LitElement, css, html, type PropertyValues } from 'lit';
import { ContextProvider } from '@lit/context';
import { OnlineStatusController, RouteController, serverStorageContext, storageContext, syncContext, uploaderContext, type SeedProgress, type SyncService, type Uploader } from '../controllers';
import type { Storage } from '../storage';

const sections = [
  { route: 'sites', label: 'Sites', placeholder: 'Your sites and their assets will be listed here.' },
  { route: 'channels', label: 'Channels', placeholder: '' },
  { route: 'import', label: 'Import', placeholder: '' },
  { route: 'sources', label: 'Sources', placeholder: '' },
  { route: 'work-orders', label: 'Work orders', placeholder: '' },
  { route: 'sync', label: 'Sync', placeholder: '' },
] as const;

type Route = (typeof sections)[number]['route'];

/**
 * Root gadget: the navigation, the online/offline indicator and the "update available" prompt,
 * and the provider of app services (storage) to every gadget below it.
 * Gadget methods: `storage` (property) is provided to descendants; `updateAvailable` shows the
 * prompt, and clicking "Reload" fires `fl-update-accept` (bubbles, composed) for the composition
 * root to activate the new version; `uploader` (CSV imports) and `serverStorage` (the companion
 * server's documents and arrays) are provided to descendants; `sync` (the SyncService) too, and
 * the header shows its status; `seeding` ({done, total} or null) shows the demo's progress.
 */
export class FlApp extends LitElement {
  static override properties = {
    updateAvailable: { type: Boolean, attribute: 'update-available' },
    storage: { attribute: false },
    uploader: { attribute: false },
    serverStorage: { attribute: false },
    sync: { attribute: false },
    seeding: { attribute: false },
  };

  declare updateAvailable: boolean;
  declare storage: Storage | undefined;
  declare uploader: Uploader | undefined;
  declare serverStorage: Storage | undefined;
  declare sync: SyncService | undefined;
  declare seeding: SeedProgress | null;

  readonly #storageProvider = new ContextProvider(this, { context: storageContext });
  readonly #uploaderProvider = new ContextProvider(this, { context: uploaderContext });
  readonly #serverStorageProvider = new ContextProvider(this, { context: serverStorageContext });
  readonly #syncProvider = new ContextProvider(this, { context: syncContext });

  readonly #online = new OnlineStatusController(this);
  readonly #router = new RouteController<Route>(this, { routes: ['sites', 'channels', 'import', 'sources', 'work-orders', 'sync'] });

  constructor() {
    super();
    this.updateAvailable = false;
    this.storage = undefined;
    this.uploader = undefined;
    this.serverStorage = undefined;
    this.sync = undefined;
    this.seeding = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('storage')) this.#storageProvider.setValue(this.storage);
    if (changed.has('uploader')) this.#uploaderProvider.setValue(this.uploader);
    if (changed.has('serverStorage')) this.#serverStorageProvider.setValue(this.serverStorage);
    if (changed.has('sync')) this.#syncProvider.setValue(this.sync);
  }

  protected override updated(changed: PropertyValues<this>): void {
    // The demo finished arriving: list the channels again.
    if (changed.has('seeding') && this.seeding === null && changed.get('seeding')) {
      void this.renderRoot.querySelector('fl-channel-list')?.reload();
    }
  }

  static override styles = css`
    :host { display: grid; grid-template-rows: auto auto 1fr; min-height: 100vh; }
    header { display: flex; align-items: center; gap: 1rem; padding: 0.75rem 1rem; background: #0f4c5c; color: #fff; }
    h1 { font-size: 1.25rem; margin: 0; flex: 1; letter-spacing: 0.02em; }
    .status { font-size: 0.875rem; padding: 0.25rem 0.75rem; border-radius: 1rem; background: #2a9d8f; }
    .status[data-online='false'] { background: #e76f51; }
    nav { display: flex; gap: 0.25rem; padding: 0 1rem; background: #fff; border-bottom: 1px solid #d7dee2; overflow-x: auto; }
    nav a { padding: 0.75rem 1rem; color: inherit; text-decoration: none; border-bottom: 3px solid transparent; white-space: nowrap; }
    nav a[aria-current='page'] { border-bottom-color: #0f4c5c; font-weight: 600; }
    main { padding: 1.5rem 1rem; }
    .update { display: flex; gap: 1rem; align-items: center; padding: 0.5rem 1rem; background: #f4d35e; }
    button { font: inherit; padding: 0.25rem 0.75rem; }
    .seeding { display: flex; gap: 0.75rem; align-items: center; padding: 0.5rem 1rem; background: #e8f1f2; }
    progress { flex: 1; max-width: 24rem; }
  `;

  #section(route: Route, placeholder: string) {
    if (route === 'channels') return html`<fl-channel-list></fl-channel-list>`;
    if (route === 'import') return html`<fl-upload></fl-upload>`;
    if (route === 'sources') return html`<fl-sources></fl-sources>`;
    if (route === 'work-orders') return html`<fl-work-orders></fl-work-orders>`;
    if (route === 'sync') {
      return html`<fl-sync-status></fl-sync-status>
        <h3>Conflicts</h3>
        <fl-conflicts></fl-conflicts>
        <h3>Channel data on this device</h3>
        <fl-offline-data></fl-offline-data>`;
    }
    return html`<p>${placeholder}</p>`;
  }

  #acceptUpdate() {
    this.dispatchEvent(new CustomEvent('fl-update-accept', { bubbles: true, composed: true }));
  }

  override render() {
    const current = sections.find((section) => section.route === this.#router.route) ?? sections[0];
    const online = this.#online.online;
    return html`
      <header>
        <h1>Fieldline</h1>
        <fl-sync-status compact></fl-sync-status>
        <span class="status" role="status" aria-label="Connection" data-online=${String(online)}>${online ? 'Online' : 'Offline'}</span>
      </header>
      ${this.updateAvailable
        ? html`<div class="update" role="alert">
            <span>An update of Fieldline is available.</span>
            <button @click=${this.#acceptUpdate}>Reload</button>
          </div>`
        : ''}
      <nav aria-label="Main">
        ${sections.map(
          (section) => html`<a href="#/${section.route}" aria-current=${section === current ? 'page' : 'false'}>${section.label}</a>`,
        )}
      </nav>
      ${this.seeding
        ? html`<div class="seeding" role="status" aria-label="Demo data">
            <span>Writing the demo wind turbine to this device…</span>
            <progress max=${this.seeding.total} value=${this.seeding.done}></progress>
            <span>${Math.floor((100 * this.seeding.done) / Math.max(1, this.seeding.total))} %</span>
          </div>`
        : ''}
      <main>
        <h2>${current.label}</h2>
        ${this.#section(current.route, current.placeholder)}
      </main>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-app': FlApp;
  }
}
