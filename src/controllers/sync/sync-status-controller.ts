import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { syncContext } from '../contexts';
import type { SyncService } from './sync-service';

/** Gives a gadget the app's SyncService (from context) and re-renders it whenever sync's status changes. */
export class SyncStatusController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #consumer: ContextConsumer<typeof syncContext, ReactiveControllerHost & HTMLElement>;
  #watched: SyncService | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    this.#consumer = new ContextConsumer(host, { context: syncContext, subscribe: true, callback: (service) => this.#watch(service) });
    host.addController(this);
  }

  get service(): SyncService | undefined {
    return this.#consumer.value;
  }

  readonly #onChange = (): void => this.#host.requestUpdate();

  #watch(service: SyncService | undefined): void {
    this.#watched?.removeEventListener('change', this.#onChange);
    this.#watched = service;
    service?.addEventListener('change', this.#onChange);
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    if (this.#consumer.value) this.#watch(this.#consumer.value);
  }

  hostDisconnected(): void {
    this.#watched?.removeEventListener('change', this.#onChange);
    this.#watched = undefined;
  }
}
