/**
 * Hash routing (`#/sites/site%2Fnorth`): works from any URL the service worker serves offline, with
 * no server round-trip. A route name may have several segments (`admin/users`); what follows the
 * name are its parameters, each URL-encoded (ids hold `/`). Before the view changes, the
 * unsaved-changes guard is asked: with something unsaved, the old address is put back and
 * `confirmLeave` decides (the default answers "stay"), so nothing unsaved vanishes silently.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { unsavedChanges } from './unsaved-changes-controller';

/** A parsed location: the route's name and its decoded parameters. */
export interface RouteMatch<Route extends string> {
  route: Route;
  params: string[];
}

/**
 * The query of a location hash, the part after `?` (`#/work-orders?q=status%3Adone` → q =
 * `status:done`): a view's own state (a search, filters) that a link can preset and a reload keeps.
 */
export function queryOf(hash: string): URLSearchParams {
  const at = hash.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : hash.slice(at + 1));
}

/** The hash for a route and its parameters: `hrefOf('sites', 'site/north')` → `#/sites/site%2Fnorth`. */
export function hrefOf(route: string, ...params: string[]): string {
  return `#/${[route, ...params.map((param) => encodeURIComponent(param))].join('/')}`;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape typed by hand: keep it as written
  }
}

export interface RouteControllerOptions<Route extends string> {
  /** Known route names; the first one is the default for an empty or unknown hash. */
  routes: readonly [Route, ...Route[]];
  /** Asked when leaving would drop unsaved changes; resolves true to leave. */
  confirmLeave?: (unsaved: string[]) => Promise<boolean>;
  /** Where the location lives (tests pass their own window). */
  window?: Window;
}

export class RouteController<Route extends string> implements ReactiveController {
  route: Route;
  params: string[] = [];
  /** The query of the address shown (`queryOf`); the view may change it with replaceState. */
  query: URLSearchParams = new URLSearchParams();
  readonly #host: ReactiveControllerHost;
  readonly #routes: readonly Route[];
  readonly #confirmLeave: (unsaved: string[]) => Promise<boolean>;
  readonly #window: Window;
  /** The address of what is shown now (put back when a guarded leave is refused). */
  #shown = '';
  #asking = false;

  constructor(host: ReactiveControllerHost, options: RouteControllerOptions<Route>) {
    this.#host = host;
    this.#routes = options.routes;
    this.#confirmLeave = options.confirmLeave ?? (async () => false);
    this.#window = options.window ?? window;
    this.route = options.routes[0];
    host.addController(this);
  }

  /** The route and parameters a location hash names; the default route for anything unknown. */
  parse(hash: string): RouteMatch<Route> {
    const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
    const segments = path.split('/').filter((segment) => segment !== '');
    // The longest known name wins, so `admin/users` is not `admin` with a parameter.
    let best: Route | undefined;
    for (const route of this.#routes) {
      const names = route.split('/');
      if (names.length > segments.length || names.some((name, index) => name !== segments[index])) continue;
      if (!best || names.length > best.split('/').length) best = route;
    }
    if (!best) return { route: this.#routes[0]!, params: [] };
    return { route: best, params: segments.slice(best.split('/').length).map(decode) };
  }

  /** Goes to a route (through the guard, like a click on a link would). */
  go(route: Route, ...params: string[]): void {
    this.#window.location.hash = hrefOf(route, ...params);
  }

  #show(): void {
    const match = this.parse(this.#window.location.hash);
    this.route = match.route;
    this.params = match.params;
    this.query = queryOf(this.#window.location.hash);
    this.#shown = this.#window.location.href;
    this.#host.requestUpdate();
  }

  readonly #onHashChange = (event: Event) => {
    if (this.#asking) return;
    const unsaved = unsavedChanges(this.#window);
    if (unsaved.length === 0) {
      this.#show();
      return;
    }
    const wanted = this.#window.location.href;
    // Put the shown address back at once (no hashchange for replaceState), then ask. The address
    // left is the event's oldURL: a view may have rewritten its query since it was shown (a
    // search kept in the URL with replaceState), and that is what the user should come back to.
    const left = event instanceof HashChangeEvent && event.oldURL ? event.oldURL : this.#shown;
    this.#window.history.replaceState(this.#window.history.state, '', left);
    this.#asking = true;
    void this.#confirmLeave(unsaved)
      .catch(() => false)
      .then((leave) => {
        this.#asking = false;
        if (!leave) return;
        this.#window.history.replaceState(this.#window.history.state, '', wanted);
        this.#show();
      });
  };

  hostConnected(): void {
    this.#show();
    this.#window.addEventListener('hashchange', this.#onHashChange);
  }

  hostDisconnected(): void {
    this.#window.removeEventListener('hashchange', this.#onHashChange);
  }
}
