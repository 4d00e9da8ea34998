import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Hash routing (`#/channels`): works from any URL the service worker serves offline, with no
 * server round-trip. `routes` lists the known route names; the first one is the default.
 */
export class RouteController<Route extends string> implements ReactiveController {
  route: Route;
  readonly #host: ReactiveControllerHost;
  readonly #routes: readonly Route[];

  constructor(host: ReactiveControllerHost, options: { routes: readonly [Route, ...Route[]] }) {
    this.#host = host;
    this.#routes = options.routes;
    this.route = options.routes[0];
    host.addController(this);
  }

  /** The route named by a location hash, or the default route for anything unknown. */
  parse(hash: string): Route {
    const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
    return this.#routes.find((route) => route === name) ?? this.#routes[0]!;
  }

  readonly #onHashChange = () => {
    this.route = this.parse(location.hash);
    this.#host.requestUpdate();
  };

  hostConnected(): void {
    this.route = this.parse(location.hash);
    window.addEventListener('hashchange', this.#onHashChange);
  }

  hostDisconnected(): void {
    window.removeEventListener('hashchange', this.#onHashChange);
  }
}
