import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { html as staticHtml, unsafeStatic } from 'lit/static-html.js';
import { ContextProvider } from '@lit/context';
import {
  OnlineStatusController,
  RouteController,
  SessionController,
  ThemeController,
  hrefOf,
  liveContext,
  provisionalAlarmsContext,
  serverStorageContext,
  storageContext,
  syncContext,
  unsavedChanges,
  uploaderContext,
  type LiveEvents,
  type ProvisionalAlarmSource,
  type Role,
  type SyncService,
  type ThemeChoice,
  type Uploader,
} from '../controllers';
import type { Storage } from '../storage';
import { baseStyles } from './design/styles';
import { confirmDialog } from './design/confirm';
import { toast, toastFailed } from './design/toast';

const routes = ['sites', 'my-work', 'assets', 'alarms', 'alarm-rules', 'channels', 'explore', 'models', 'work-orders', 'plans', 'import', 'sources', 'sync', 'admin/users', 'admin/sites', 'admin/assets'] as const;
type Route = (typeof routes)[number];

/** Who may open a screen; navigation lists only these. Signed out: what a technician sees (the server decides the rest). */
const everyone: readonly Role[] = ['technician', 'engineer', 'admin'];
const engineers: readonly Role[] = ['engineer', 'admin'];
const admins: readonly Role[] = ['admin'];
const uploaders: readonly Role[] = ['technician', 'admin'];

interface Section {
  route: Route;
  label: string;
  icon: string;
  roles: readonly Role[];
  /** Shown in the navigation (assets are reached from their site). */
  nav: boolean;
  /** A navigation entry for the route with this query (`?q=status:done`): a filtered view, not a route of its own. */
  query?: string;
}

const sections: readonly Section[] = [
  { route: 'sites', label: 'Sites', icon: 'house', roles: everyone, nav: true },
  { route: 'my-work', label: 'My work', icon: 'person-workspace', roles: everyone, nav: true },
  { route: 'assets', label: 'Asset', icon: 'gear-wide-connected', roles: everyone, nav: false },
  { route: 'alarms', label: 'Alarms', icon: 'bell', roles: everyone, nav: true },
  { route: 'alarm-rules', label: 'Alarm rules', icon: 'sliders', roles: engineers, nav: true },
  { route: 'channels', label: 'Channels', icon: 'graph-up', roles: engineers, nav: true },
  { route: 'explore', label: 'Explore', icon: 'graph-up-arrow', roles: engineers, nav: true },
  { route: 'models', label: 'Models', icon: 'cpu', roles: engineers, nav: true },
  { route: 'work-orders', label: 'Work orders', icon: 'clipboard-check', roles: everyone, nav: true },
  // Engineers' review: the done work orders, to verify or reopen (the list filters by its ?q=).
  { route: 'work-orders', label: 'To review', icon: 'check2-all', roles: engineers, nav: true, query: `q=${encodeURIComponent('status:done')}` },
  { route: 'plans', label: 'Plans', icon: 'calendar-check', roles: everyone, nav: true },
  // Who the server lets upload: technicians into their sites and admins (engineers write no data).
  { route: 'import', label: 'Import', icon: 'upload', roles: uploaders, nav: true },
  { route: 'sources', label: 'Sources', icon: 'plug', roles: engineers, nav: true },
  { route: 'sync', label: 'Sync', icon: 'arrow-repeat', roles: everyone, nav: true },
  { route: 'admin/users', label: 'Users', icon: 'people', roles: admins, nav: false },
  { route: 'admin/sites', label: 'Sites and sources', icon: 'building', roles: admins, nav: false },
  { route: 'admin/assets', label: 'Assets', icon: 'diagram-3', roles: admins, nav: false },
];

/** The navigation's own entry for the admin screens (which then show their own tabs). */
const adminEntry: Section = { route: 'admin/users', label: 'Admin', icon: 'gear-wide-connected', roles: admins, nav: true };

/** A step of the breadcrumb above a view's heading. */
interface Crumb {
  label: string;
  href: string;
}

/**
 * The admin screens by route: tag names, so the shell needs no import of them (gadgets/index.ts
 * registers them); a tag not defined yet shows "not available" until it is.
 */
export const adminScreens: ReadonlyMap<string, string> = new Map([
  ['admin/users', 'fl-admin-users'],
  ['admin/sites', 'fl-admin-sites'],
  ['admin/assets', 'fl-admin-assets'],
]);

const roleLabel: Record<Role, string> = { admin: 'Admin', engineer: 'Engineer', technician: 'Technician' };
const themeNext: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const themeIcon: Record<ThemeChoice, string> = { system: 'circle-half', light: 'sun', dark: 'moon' };

/**
 * Root gadget: the header (who is signed in with sign out, sync status, online state, the
 * "Simulated data" badge, the theme switch), the navigation for the user's role, the routed view,
 * the "update available" prompt, and the provider of app services to every gadget below it.
 * Gadget methods: properties `storage`, `uploader`, `serverStorage`, `sync`, `live` are provided
 * to descendants (contexts); `api` (a fetch) is how the header asks GET /api/session; `updateAvailable` shows the prompt, and clicking "Reload" fires
 * `fl-update-accept` (bubbles, composed) for the composition root to activate the new version.
 * Views fire `fl-title` (composed) with their title for the heading.
 */
export class FlApp extends LitElement {
  static override properties = {
    updateAvailable: { type: Boolean, attribute: 'update-available' },
    storage: { attribute: false },
    uploader: { attribute: false },
    serverStorage: { attribute: false },
    sync: { attribute: false },
    live: { attribute: false },
    provisionalAlarms: { attribute: false },
    api: { attribute: false },
    viewTitle: { state: true },
  };

  declare updateAvailable: boolean;
  declare storage: Storage | undefined;
  declare uploader: Uploader | undefined;
  declare serverStorage: Storage | undefined;
  declare sync: SyncService | undefined;
  declare live: LiveEvents | undefined;
  /** The device's own provisional alarms (provided to the alarm lists). */
  declare provisionalAlarms: ProvisionalAlarmSource | undefined;
  /** How the shell asks the server who is signed in (default: this window's fetch). */
  declare api: typeof fetch | undefined;
  /** The title the current view reported (site, asset or channel title) and the way to it. */
  declare viewTitle: { title: string; trail: Crumb[] } | undefined;

  readonly #storageProvider = new ContextProvider(this, { context: storageContext });
  readonly #uploaderProvider = new ContextProvider(this, { context: uploaderContext });
  readonly #serverStorageProvider = new ContextProvider(this, { context: serverStorageContext });
  readonly #syncProvider = new ContextProvider(this, { context: syncContext });
  readonly #liveProvider = new ContextProvider(this, { context: liveContext });
  readonly #provisionalAlarmsProvider = new ContextProvider(this, { context: provisionalAlarmsContext });

  readonly #online = new OnlineStatusController(this);
  /** The user whose assignments the pins follow (set once per signed-in user). */
  #following: string | undefined;
  readonly #session = new SessionController(this, { fetch: (input, init) => (this.api ?? window.fetch.bind(window))(input, init) });
  readonly #theme = new ThemeController(this);
  readonly #router = new RouteController<Route>(this, {
    routes: [...routes] as [Route, ...Route[]],
    confirmLeave: (unsaved) =>
      confirmDialog({
        label: 'Leave without saving?',
        message: `Not saved yet: ${unsaved.join('; ')}. Leave this page and lose it?`,
        confirm: 'Leave without saving',
        cancel: 'Stay',
        danger: true,
      }),
  });
  #shownRoute = '';

  constructor() {
    super();
    this.updateAvailable = false;
    this.storage = undefined;
    this.uploader = undefined;
    this.serverStorage = undefined;
    this.sync = undefined;
    this.live = undefined;
    this.provisionalAlarms = undefined;
    this.viewTitle = undefined;
    this.addEventListener('fl-title', (event) => {
      event.stopPropagation();
      const detail = (event as CustomEvent<{ title?: unknown; trail?: Crumb[] } | undefined>).detail;
      if (typeof detail?.title === 'string' && detail.title !== '') this.viewTitle = { title: detail.title, trail: Array.isArray(detail.trail) ? detail.trail : [] };
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('storage')) this.#storageProvider.setValue(this.storage);
    if (changed.has('uploader')) this.#uploaderProvider.setValue(this.uploader);
    if (changed.has('serverStorage')) this.#serverStorageProvider.setValue(this.serverStorage);
    if (changed.has('sync')) this.#syncProvider.setValue(this.sync);
    if (changed.has('live')) this.#liveProvider.setValue(this.live);
    if (changed.has('provisionalAlarms')) this.#provisionalAlarmsProvider.setValue(this.provisionalAlarms);
    const shown = `${this.#router.route}/${this.#router.params.join('/')}`;
    if (shown !== this.#shownRoute) {
      // A new view reports its own title; until then the section's name stands.
      if (this.#shownRoute !== '') this.viewTitle = undefined;
      this.#shownRoute = shown;
    }
  }

  protected override updated(): void {
    const title = this.renderRoot.querySelector('main h2')?.textContent?.trim();
    if (title) document.title = `${title} · Fieldline`;
    // Pins follow the signed-in user's open work orders (their assets' data is on the device
    // before they leave); a sign-out leaves them, the next user's sign-in replaces them.
    const username = this.#session.user?.username;
    const pins = this.sync?.pins;
    if (pins && username && username !== this.#following) {
      this.#following = username;
      void pins.followAssignments(username).catch((error: unknown) => console.warn('pins could not follow the assignments', error));
    }
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: grid; grid-template-rows: auto auto auto 1fr; min-height: 100vh; background: var(--fl-page); }
      header {
        display: flex; flex-wrap: wrap; align-items: center; gap: var(--sl-spacing-small) var(--sl-spacing-medium);
        padding: var(--sl-spacing-x-small) var(--sl-spacing-large);
        background: var(--fl-header-bg); color: var(--fl-header-text);
      }
      header h1 { font-size: var(--sl-font-size-large); letter-spacing: 0.02em; display: flex; align-items: center; gap: var(--sl-spacing-small); min-height: var(--fl-touch); }
      header .spacer { flex: 1; }
      header .pill { font-size: var(--sl-font-size-small); padding: var(--sl-spacing-3x-small) var(--sl-spacing-small); border-radius: var(--sl-border-radius-pill); border: 1px solid currentColor; display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); white-space: nowrap; }
      .simulated { background: var(--sl-color-warning-100); color: var(--sl-color-warning-900); border-color: transparent !important; font-weight: var(--sl-font-weight-semibold); }
      header fl-sync-status { color: inherit; }
      .user { display: inline-flex; align-items: center; gap: var(--sl-spacing-x-small); font-size: var(--sl-font-size-small); }
      .user strong { font-size: var(--sl-font-size-medium); }
      header sl-icon-button { font-size: 1.5rem; color: inherit; }
      header sl-icon-button::part(base) { color: inherit; padding: 0.625rem; }
      header sl-icon-button::part(base):hover { color: inherit; opacity: 0.85; }
      /* Entries wrap onto a second row rather than scroll sideways (an engineer has a dozen; a hidden one is a lost one on a tablet). */
      nav { display: flex; flex-wrap: wrap; gap: 0 var(--sl-spacing-2x-small); padding: 0 var(--sl-spacing-medium); background: var(--fl-surface); border-bottom: 1px solid var(--fl-border); }
      nav a fl-review-count { margin-inline-start: var(--sl-spacing-2x-small); }
      nav a {
        display: inline-flex; align-items: center; gap: var(--sl-spacing-x-small); min-height: var(--fl-touch);
        padding: 0 var(--sl-spacing-medium); color: var(--fl-text); text-decoration: none; white-space: nowrap;
        border-bottom: 3px solid transparent;
      }
      nav a:hover { background: var(--sl-color-neutral-100); }
      nav a[aria-current='page'] { border-bottom-color: var(--sl-color-primary-600); font-weight: var(--sl-font-weight-semibold); color: var(--fl-link); }
      /* Tablets in portrait: the header stays one row and every section fits the navigation. */
      @media (max-width: 900px) {
        header { padding-inline: var(--sl-spacing-medium); gap: var(--sl-spacing-x-small) var(--sl-spacing-small); }
        .user .role, .sign-out-label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        sl-button[data-sign-out]::part(label) { padding: 0; }
        sl-button[data-sign-out]::part(prefix) { padding-inline: var(--sl-spacing-small); }
        nav { padding: 0 var(--sl-spacing-x-small); }
        nav a { padding: 0 var(--sl-spacing-small); gap: var(--sl-spacing-2x-small); }
        nav a sl-icon { display: none; }
        main { padding: var(--sl-spacing-medium); }
      }
      main { padding: var(--sl-spacing-large); width: 100%; max-width: var(--fl-content-width); margin: 0 auto; box-sizing: border-box; display: grid; gap: var(--sl-spacing-large); align-content: start; }
      main > h2 { outline: none; }
      .update { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-medium); align-items: center; padding: var(--sl-spacing-x-small) var(--sl-spacing-large); background: var(--sl-color-warning-100); color: var(--sl-color-warning-900); }
      .crumbs { font-size: var(--sl-font-size-small); }
      nav.tabs { padding: 0; background: none; border-bottom: 1px solid var(--fl-border); }
      .sign-in { max-width: 32rem; }
      .not-available { max-width: 40rem; }
    `,
  ];

  #role(): Role | undefined {
    return this.#session.user?.role;
  }

  #allowed(section: Section): boolean {
    const role = this.#role();
    // Signed out or not known yet: what needs no role; each view then asks for a sign-in itself.
    if (!role) return section.roles.includes('technician');
    return section.roles.includes(role);
  }

  async #signOut(): Promise<void> {
    const unsaved = unsavedChanges();
    if (unsaved.length > 0) {
      const leave = await confirmDialog({
        label: 'Sign out without saving?',
        message: `Not saved yet: ${unsaved.join('; ')}. Sign out and lose it?`,
        confirm: 'Sign out without saving',
        cancel: 'Stay',
        danger: true,
      });
      if (!leave) return;
    }
    try {
      await this.#session.signOut();
      void toast('Signed out', { variant: 'primary' });
    } catch (error) {
      void toastFailed('Not signed out', error);
    }
  }

  #acceptUpdate() {
    this.dispatchEvent(new CustomEvent('fl-update-accept', { bubbles: true, composed: true }));
  }

  #header() {
    const online = this.#online.online;
    const session = this.#session;
    const user = session.user;
    const choice = this.#theme.choice;
    return html`<header>
      <h1><sl-icon name="lightning-charge" aria-hidden="true"></sl-icon>Fieldline</h1>
      ${session.demo ? html`<span class="pill simulated" data-simulated title="The server runs a simulated fleet: its data is invented">Simulated data</span>` : nothing}
      <span class="spacer"></span>
      <fl-alarm-badge></fl-alarm-badge>
      <fl-sync-status compact></fl-sync-status>
      <span class="pill" role="status" aria-label="Connection" data-online=${String(online)}>${online ? 'Online' : 'Offline'}</span>
      ${user
        ? html`<span class="user" aria-label="Signed in user" data-user=${user.username}>
              <sl-icon name="person-circle" aria-hidden="true"></sl-icon><strong>${user.username}</strong><span class="role">${roleLabel[user.role]}</span>
            </span>
            <sl-button variant="default" @click=${() => void this.#signOut()} data-sign-out>
              <sl-icon slot="prefix" name="box-arrow-right" aria-hidden="true"></sl-icon><span class="sign-out-label">Sign out</span>
            </sl-button>`
        : nothing}
      <sl-icon-button
        name=${themeIcon[choice]}
        label="Theme: ${choice} (switch to ${themeNext[choice]})"
        data-theme=${choice}
        @click=${() => this.#theme.choose(themeNext[choice])}
      ></sl-icon-button>
    </header>`;
  }

  #signInPanel(legend: string) {
    return html`<div class="panel sign-in"><fl-sign-in legend=${legend}></fl-sign-in></div>`;
  }

  #view(section: Section, params: string[]) {
    const [id] = params;
    if (!this.#allowed(section)) {
      return this.#role()
        ? html`<p class="panel">This screen is for ${section.roles.map((role) => `${roleLabel[role].toLowerCase()}s`).join(' and ')}. You are signed in as ${this.#role()}.</p>`
        : this.#signInPanel(`Sign in to open ${section.label}`);
    }
    const signedOut = this.#session.state === 'signed-out' || (this.#session.state === 'offline' && !this.#session.user);
    switch (section.route) {
      case 'sites':
        return html`${signedOut ? this.#signInPanel('Sign in to sync your sites') : nothing}${id ? html`<fl-site .site=${id}></fl-site>` : html`<fl-sites></fl-sites>`}`;
      case 'assets':
        return id ? html`<fl-asset .asset=${id} .username=${this.#session.user?.username} .userRole=${this.#role()}></fl-asset>` : html`<p>Choose an asset from one of the <a href=${hrefOf('sites')}>sites</a>.</p>`;
      case 'channels':
        return id ? html`<fl-channel .channel=${id}></fl-channel>` : html`<fl-channel-list></fl-channel-list>`;
      case 'explore':
        return html`<fl-explorer .username=${this.#session.user?.username}></fl-explorer>`;
      case 'models':
        return html`<fl-prediction-models .username=${this.#session.user?.username} .userRole=${this.#role()}></fl-prediction-models>`;
      case 'alarms':
        return id ? html`<fl-alarm .alarm=${id} .username=${this.#session.user?.username}></fl-alarm>` : html`<fl-alarms></fl-alarms>`;
      case 'alarm-rules':
        return html`<fl-alarm-rules .username=${this.#session.user?.username}></fl-alarm-rules>`;
      case 'my-work':
        return html`<fl-my-work .username=${this.#session.user?.username} .userRole=${this.#role()}></fl-my-work>`;
      case 'work-orders':
        return id
          ? html`<fl-work-order .workOrder=${id} .username=${this.#session.user?.username} .userRole=${this.#role()}></fl-work-order>`
          : html`<fl-work-orders .username=${this.#session.user?.username} .userRole=${this.#role()}></fl-work-orders>`;
      case 'plans':
        return html`<fl-maintenance-plans .username=${this.#session.user?.username} .userRole=${this.#role()}></fl-maintenance-plans>`;
      case 'import':
        return html`<fl-upload></fl-upload>`;
      case 'sources':
        return html`<fl-sources .userRole=${this.#role()}></fl-sources>`;
      case 'sync':
        return html`<fl-sync-status></fl-sync-status>
          <section class="stack" aria-labelledby="conflicts-heading"><h3 id="conflicts-heading">Conflicts</h3><fl-conflicts></fl-conflicts></section>
          <section class="stack" aria-labelledby="offline-heading"><h3 id="offline-heading">Channel data on this device</h3><fl-offline-data></fl-offline-data></section>`;
      default: {
        const tag = adminScreens.get(section.route);
        if (!tag) return nothing;
        if (!customElements.get(tag)) {
          void customElements.whenDefined(tag).then(() => this.requestUpdate());
          return html`<p class="panel not-available" data-not-available>${section.label} is not available in this version yet.</p>`;
        }
        return staticHtml`<${unsafeStatic(tag)}></${unsafeStatic(tag)}>`;
      }
    }
  }

  #title(section: Section, params: string[]): string {
    if (section.route === 'work-orders' && params.length > 0) return this.viewTitle?.title ?? 'Work order';
    if (params.length > 0 && this.viewTitle) return this.viewTitle.title;
    if (section.route === 'sites' && params.length > 0) return 'Site';
    if (section.route === 'channels' && params.length > 0) return 'Channel';
    if (section.route === 'alarms' && params.length > 0) return 'Alarm';
    return section.label;
  }

  override render() {
    const section = sections.find((candidate) => candidate.route === this.#router.route && candidate.query === undefined) ?? sections[0]!;
    const params = this.#router.params;
    const navSections = [...sections, adminEntry].filter((candidate) => candidate.nav && this.#allowed(candidate));
    const current = section.route === 'assets' ? 'sites' : section.route.startsWith('admin/') ? 'admin/users' : section.route;
    // The filtered entry (To review) is the current one while its query is shown; the plain one otherwise.
    const shownQuery = this.#router.query.toString();
    const currentOf = (item: Section): 'page' | 'location' | 'false' => {
      if (item.route !== current) return 'false';
      const filtered = navSections.some((other) => other.route === item.route && other.query !== undefined && other.query === shownQuery);
      if (item.query === undefined ? filtered : item.query !== shownQuery) return 'false';
      return params.length === 0 ? 'page' : 'location';
    };
    const trail = params.length > 0 ? (this.viewTitle?.trail ?? (section.route === 'work-orders' ? [{ label: 'Work orders', href: hrefOf('work-orders') }] : [{ label: 'Sites', href: hrefOf('sites') }])) : [];
    return html`
      ${this.#header()}
      ${this.updateAvailable
        ? html`<div class="update" role="alert">
            <span>An update of Fieldline is available.</span>
            <sl-button variant="primary" @click=${this.#acceptUpdate}>Reload</sl-button>
          </div>`
        : nothing}
      <nav aria-label="Main">
        ${navSections.map(
          (item) =>
            html`<a href=${item.query ? `${hrefOf(item.route)}?${item.query}` : hrefOf(item.route)} aria-current=${currentOf(item)}
              ><sl-icon name=${item.icon} aria-hidden="true"></sl-icon>${item.label}${item.query && item.route === 'work-orders' ? html`<fl-review-count></fl-review-count>` : nothing}</a
            >`,
        )}
      </nav>
      <main>
        ${trail.length > 0
          ? html`<sl-breadcrumb class="crumbs" label="Breadcrumb">
              ${trail.map((crumb) => html`<sl-breadcrumb-item href=${crumb.href}>${crumb.label}</sl-breadcrumb-item>`)}
              <sl-breadcrumb-item aria-current="page">${this.#title(section, params)}</sl-breadcrumb-item>
            </sl-breadcrumb>`
          : nothing}
        ${section.route.startsWith('admin/') && this.#allowed(section)
          ? html`<nav class="tabs" aria-label="Admin">
              ${sections
                .filter((candidate) => candidate.route.startsWith('admin/'))
                .map((item) => html`<a href=${hrefOf(item.route)} aria-current=${item.route === section.route ? 'page' : 'false'}><sl-icon name=${item.icon} aria-hidden="true"></sl-icon>${item.label}</a>`)}
            </nav>`
          : nothing}
        <h2 tabindex="-1" data-view-heading>${this.#title(section, params)}</h2>
        ${this.#view(section, params)}
      </main>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-app': FlApp;
  }
}
