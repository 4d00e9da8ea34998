/**
 * Who is signed in, for the shell: GET /api/session (which also renews the session) on connect,
 * on coming back online and after a sign-in anywhere in the app (`fl-signed-in`, composed); sign
 * out is DELETE /api/session. The last user seen is remembered on this device, so the app keeps
 * the right navigation offline (a technician works for days without the server); a 401 forgets it.
 * It also reads GET /api once, for `demo` (the server runs the simulated fleet).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type Role = 'admin' | 'engineer' | 'technician';

export interface SessionUser {
  username: string;
  role: Role;
  /** Sites a technician may see (other roles see every site). */
  sites: string[];
}

/** `checking` until the first answer; `offline` means no answer (the remembered user, if any, applies). */
export type SessionState = 'checking' | 'signed-in' | 'signed-out' | 'offline';

const rememberKey = 'fieldline-user';
const roles: readonly Role[] = ['admin', 'engineer', 'technician'];

/** A user object from the server (or storage), or undefined when it is not one. */
export function parseSessionUser(value: unknown): SessionUser | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const user = value as { username?: unknown; role?: unknown; sites?: unknown };
  const role = roles.find((known) => known === user.role);
  if (typeof user.username !== 'string' || !role) return undefined;
  const sites = Array.isArray(user.sites) ? user.sites.filter((site): site is string => typeof site === 'string') : [];
  return { username: user.username, role, sites };
}

export interface SessionControllerOptions {
  /** Where requests go and events arrive (tests pass their own). */
  fetch?: typeof fetch;
  target?: Window;
}

export class SessionController implements ReactiveController {
  state: SessionState = 'checking';
  user: SessionUser | undefined;
  /** The server runs the simulated fleet (GET /api says demo: true). */
  demo = false;
  readonly #host: ReactiveControllerHost;
  readonly #fetch: typeof fetch;
  readonly #target: Window;
  #request = 0;

  constructor(host: ReactiveControllerHost, options: SessionControllerOptions = {}) {
    this.#host = host;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#target = options.target ?? window;
    this.user = this.#remembered();
    host.addController(this);
  }

  #remembered(): SessionUser | undefined {
    try {
      const text = this.#target.localStorage.getItem(rememberKey);
      return text ? parseSessionUser(JSON.parse(text)) : undefined;
    } catch {
      return undefined;
    }
  }

  #remember(user: SessionUser | undefined): void {
    try {
      if (user) this.#target.localStorage.setItem(rememberKey, JSON.stringify(user));
      else this.#target.localStorage.removeItem(rememberKey);
    } catch {
      // Not remembered: offline the app then shows the sign-in until it reaches the server.
    }
  }

  #set(state: SessionState, user: SessionUser | undefined): void {
    this.state = state;
    this.user = user;
    this.#host.requestUpdate();
  }

  /** Asks the server who is signed in (and renews the session). */
  async refresh(): Promise<void> {
    const request = ++this.#request;
    let response: Response;
    try {
      response = await this.#fetch('/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    } catch {
      if (request === this.#request) this.#set('offline', this.#remembered());
      return;
    }
    if (request !== this.#request) return;
    if (response.status === 401) {
      this.#remember(undefined);
      this.#set('signed-out', undefined);
      return;
    }
    const user = response.ok ? parseSessionUser(((await response.json().catch(() => ({}))) as { user?: unknown }).user) : undefined;
    if (request !== this.#request) return;
    // A 5xx or a proxy's page is no answer about the session: keep what we knew.
    if (!user) return this.#set('offline', this.#remembered());
    this.#remember(user);
    this.#set('signed-in', user);
  }

  /** Signs out on the server and forgets the user here. Rejects when the server cannot be reached. */
  async signOut(): Promise<void> {
    this.#request++;
    let response: Response;
    try {
      response = await this.#fetch('/api/session', { method: 'DELETE', credentials: 'same-origin', headers: { accept: 'application/json' } });
    } catch {
      throw new Error('the server cannot be reached: sign out when online');
    }
    if (!response.ok && response.status !== 401) throw new Error(`the server answered ${response.status}`);
    this.#remember(undefined);
    this.#set('signed-out', undefined);
  }

  async #readDemo(): Promise<void> {
    try {
      const response = await this.#fetch('/api', { headers: { accept: 'application/json' } });
      const body = response.ok ? ((await response.json()) as { demo?: unknown }) : {};
      this.demo = body.demo === true;
      this.#host.requestUpdate();
    } catch {
      // Offline: the badge shows once the server answers.
    }
  }

  readonly #onSignedIn = (event: Event) => {
    const user = parseSessionUser((event as CustomEvent).detail);
    if (user) {
      this.#request++;
      this.#remember(user);
      this.#set('signed-in', user);
    }
    // The sign-in event carries no sites: ask the server for the whole user.
    void this.refresh();
  };

  readonly #onOnline = () => {
    void this.refresh();
    if (!this.demo) void this.#readDemo();
  };

  hostConnected(): void {
    this.#target.addEventListener('fl-signed-in', this.#onSignedIn);
    this.#target.addEventListener('online', this.#onOnline);
    void this.refresh();
    void this.#readDemo();
  }

  hostDisconnected(): void {
    this.#target.removeEventListener('fl-signed-in', this.#onSignedIn);
    this.#target.removeEventListener('online', this.#onOnline);
  }
}
