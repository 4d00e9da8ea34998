import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Tracks whether the browser believes it is online and re-renders its host when that changes.
 * The `online`/`offline` events are the truth when they fire; `navigator.onLine` seeds the start.
 */
export class OnlineStatusController implements ReactiveController {
  online: boolean;
  readonly #host: ReactiveControllerHost;
  readonly #target: Window;

  constructor(host: ReactiveControllerHost, options: { target?: Window } = {}) {
    this.#host = host;
    this.#target = options.target ?? window;
    this.online = this.#target.navigator.onLine;
    host.addController(this);
  }

  readonly #onChange = (event: Event) => {
    this.online = event.type === 'online';
    this.#host.requestUpdate();
  };

  hostConnected(): void {
    this.online = this.#target.navigator.onLine;
    this.#target.addEventListener('online', this.#onChange);
    this.#target.addEventListener('offline', this.#onChange);
  }

  hostDisconnected(): void {
    this.#target.removeEventListener('online', this.#onChange);
    this.#target.removeEventListener('offline', this.#onChange);
  }
}
