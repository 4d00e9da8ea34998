/**
 * A live list of documents from the app's local storage (what sync brought to this device, so a
 * technician only ever lists their own sites' documents, offline too). It lists again when a sync
 * finishes and, when the server says a document of interest changed (live `doc` event), asks the
 * sync for it first — the change reaches this device through the sync, like every record.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { storageContext, syncContext } from './contexts';
import { LiveController } from './live-controller';
import type { Storage } from '../storage';
import type { SyncService } from './sync/sync-service';

/** A listed document: its id and its fields. */
export type Listed<T> = T & { id: string };

export interface DocsControllerOptions {
  /** The query (storage query language), or undefined to list nothing (e.g. no site chosen yet). */
  query: () => string | undefined;
  /** Id prefixes whose live `doc` events concern this list (`['asset/']`). */
  prefixes: readonly string[];
  /** Sort field (default `title`). */
  sortOn?: string;
  /** How long to gather live events before one sync (ms). */
  debounceMs?: number;
}

export class DocsController<T extends object> implements ReactiveController {
  /** The documents, undefined until the first listing. */
  docs: Array<Listed<T>> | undefined;
  error: string | undefined;
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: DocsControllerOptions;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #sync: ContextConsumer<typeof syncContext, ReactiveControllerHost & HTMLElement>;
  #watched: SyncService | undefined;
  #lastSync: number | null = null;
  #request = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #query: string | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, options: DocsControllerOptions) {
    this.#host = host;
    this.#options = options;
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true, callback: () => void this.reload() });
    this.#sync = new ContextConsumer(host, { context: syncContext, subscribe: true, callback: (sync) => this.#watch(sync) });
    new LiveController(host, (event) => {
      if (event.type === 'reset') this.#soon();
      else if (event.type === 'doc' && this.#options.prefixes.some((prefix) => event.id.startsWith(prefix))) this.#soon();
    });
    host.addController(this);
  }

  readonly #onSyncChange = () => {
    const lastSync = this.#watched?.status.lastSync ?? null;
    if (lastSync !== this.#lastSync) {
      this.#lastSync = lastSync;
      void this.reload();
    }
  };

  #watch(sync: SyncService | undefined): void {
    this.#watched?.removeEventListener('change', this.#onSyncChange);
    this.#watched = sync;
    this.#lastSync = sync?.status.lastSync ?? null;
    if (this.#host.isConnected) sync?.addEventListener('change', this.#onSyncChange);
  }

  /** A change on the server: sync (which lists again when done), or list again when there is no sync. */
  #soon(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const sync = this.#sync.value;
      if (sync) void sync.syncNow();
      else void this.reload();
    }, this.#options.debounceMs ?? 300);
  }

  /** Lists again now (also after the query's inputs changed: call it from the gadget's willUpdate). */
  async reload(): Promise<void> {
    const storage: Storage | undefined = this.#storage.value;
    const query = this.#options.query();
    this.#query = query;
    const request = ++this.#request;
    if (!storage || query === undefined) return;
    try {
      const result = await storage.allDocs({ query, include_docs: true, sort_on: [[this.#options.sortOn ?? 'title', 'ascending']] });
      if (request !== this.#request) return;
      this.docs = result.rows.map((row) => ({ ...(row.doc as T), id: row.id }));
      this.error = undefined;
    } catch (error) {
      if (request !== this.#request) return;
      this.error = error instanceof Error ? error.message : String(error);
    }
    this.#host.requestUpdate();
  }

  /** Lists again if the query changed since the last listing (cheap to call on every update). */
  refreshIfChanged(): void {
    if (this.#options.query() !== this.#query) void this.reload();
  }

  hostConnected(): void {
    this.#watched?.addEventListener('change', this.#onSyncChange);
    void this.reload();
  }

  hostDisconnected(): void {
    this.#watched?.removeEventListener('change', this.#onSyncChange);
    clearTimeout(this.#timer);
    this.#request++;
  }
}

/** `key:"value"` matching exactly (quotes, backslashes and the LIKE wildcards % _ escaped). */
export function whereEquals(key: string, value: string): string {
  return `${key}:"${value.replace(/[\\"%_]/g, (char) => `\\${char}`)}"`;
}
