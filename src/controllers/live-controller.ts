/**
 * Hands a gadget the server's live events while it is connected: consumes `liveContext`,
 * subscribes to the LiveService when it arrives, unsubscribes when the gadget leaves the page or
 * the service is replaced. Without a LiveService (no server) nothing arrives, nothing fails.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { liveContext, type LiveEvent, type LiveEvents } from './contexts';

export class LiveController implements ReactiveController {
  readonly #consumer: ContextConsumer<typeof liveContext, ReactiveControllerHost & HTMLElement>;
  readonly #listener: (event: LiveEvent) => void;
  #unsubscribe: (() => void) | undefined;
  #service: LiveEvents | undefined;
  #connected = false;

  constructor(host: ReactiveControllerHost & HTMLElement, listener: (event: LiveEvent) => void) {
    this.#listener = listener;
    this.#consumer = new ContextConsumer(host, { context: liveContext, subscribe: true, callback: (service) => this.#watch(service) });
    host.addController(this);
  }

  /** Whether the event stream is connected now (false without a LiveService). */
  get connected(): boolean {
    return this.#consumer.value?.connected ?? false;
  }

  #watch(service: LiveEvents | undefined): void {
    if (service === this.#service && this.#unsubscribe) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#service = service;
    if (service && this.#connected) this.#unsubscribe = service.subscribe((event) => this.#listener(event));
  }

  hostConnected(): void {
    this.#connected = true;
    this.#watch(this.#consumer.value);
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
