/**
 * When the app syncs, and what the user sees of it. Writes land in IndexedDB first (the replicate
 * storage's local side is the outbox); this service sends them when the device is online: soon
 * after a write, on the `online` event, every few minutes, on a Background Sync wake-up, and on
 * "Sync now", retrying with backoff after a failure. Before each sync it renews the session
 * (GET /api/session slides it), so a technician who signed in before days offline keeps working.
 * State changes fire `change`; a sync that brought data fires `fl-data-changed` on the window so
 * gadgets reload. A sign-in anywhere in the app (the `fl-signed-in` event <fl-sign-in> fires, which
 * reaches the window) leaves "Signed out" at once and syncs: the session is back, and nothing
 * else would notice before the next local write (the periodic sync skips a signed-out device).
 */
import { StorageError, type ReplicateStorage, type Refusal, type SyncProgress } from '../../storage';
import { onBackgroundSyncRequest, requestBackgroundSync } from '../background-sync';
import type { PinService } from './pins';

export type SyncState = 'idle' | 'syncing' | 'offline' | 'error' | 'signed-out';

export interface SyncStatus {
  state: SyncState;
  /** When the last sync finished (this device's clock; shown, never compared). */
  lastSync: number | null;
  /** Changes made here and not on the server yet (refused ones included). */
  pending: number;
  /** Photos (`photo/…` attachments) among them, not on the server yet. */
  pendingPhotos: number;
  progress: SyncProgress | null;
  error: { code: string; message: string } | null;
  refused: Refusal[];
  conflicts: number;
  /** When the next automatic try is due after a failure. */
  retryAt: number | null;
}

export type SessionCheck = 'ok' | 'signed-out' | 'offline';

export interface SyncServiceOptions {
  replica: ReplicateStorage;
  pins?: PinService;
  /** Renews the session; default GET /api/session on this origin. */
  renewSession?: () => Promise<SessionCheck>;
  /** The window whose online/offline events and timers drive syncing. */
  target?: Window;
  /** Periodic sync while online (ms). */
  intervalMs?: number;
  /** Delay after a local write before syncing it (ms), so a burst of writes goes at once. */
  debounceMs?: number;
  /** Where the time of the last sync is remembered across reloads. */
  lastSyncKey?: string;
}

const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 5 * 60_000;

/** GET /api/session: 200 renews the session, 401 means signed out, no answer means offline. */
export async function renewSessionOnThisOrigin(): Promise<SessionCheck> {
  try {
    const response = await fetch('/api/session', { credentials: 'include', headers: { accept: 'application/json' } });
    if (response.status === 401) return 'signed-out';
    return response.ok ? 'ok' : 'offline';
  } catch {
    return 'offline';
  }
}

export class SyncService extends EventTarget {
  readonly replica: ReplicateStorage;
  readonly pins: PinService | undefined;
  status: SyncStatus;
  readonly #renew: () => Promise<SessionCheck>;
  readonly #target: Window;
  readonly #interval: number;
  readonly #debounce: number;
  readonly #lastSyncKey: string;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #periodic: ReturnType<typeof setInterval> | undefined;
  #stopBackground: (() => void) | undefined;
  #running: Promise<boolean> | undefined;
  /** The sync asked for while one ran: it starts when that one ends. */
  #again: Promise<boolean> | undefined;

  constructor(options: SyncServiceOptions) {
    super();
    this.replica = options.replica;
    this.pins = options.pins;
    this.#renew = options.renewSession ?? renewSessionOnThisOrigin;
    this.#target = options.target ?? window;
    this.#interval = options.intervalMs ?? 5 * 60_000;
    this.#debounce = options.debounceMs ?? 1_000;
    this.#lastSyncKey = options.lastSyncKey ?? 'fieldline-last-sync';
    const remembered = Number(this.#target.localStorage?.getItem(this.#lastSyncKey));
    this.status = {
      state: this.#target.navigator.onLine ? 'idle' : 'offline',
      lastSync: Number.isFinite(remembered) && remembered > 0 ? remembered : null,
      pending: 0,
      pendingPhotos: 0,
      progress: null,
      error: null,
      refused: [],
      conflicts: 0,
      retryAt: null,
    };
  }

  #set(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch };
    this.dispatchEvent(new Event('change'));
  }

  readonly #onOnline = (): void => {
    this.#failures = 0;
    this.#set({ state: 'idle' });
    void this.syncNow();
  };

  readonly #onOffline = (): void => {
    this.#set({ state: 'offline', progress: null });
  };

  readonly #onLocalChange = (): void => {
    void this.refreshCounts();
    if (!this.#target.navigator.onLine) {
      void requestBackgroundSync();
      return;
    }
    this.#schedule(this.#debounce);
  };

  /** A sign-in in any view: the session is back, so say so now and sync (after one in flight). */
  readonly #onSignedIn = (): void => {
    this.#failures = 0;
    clearTimeout(this.#timer);
    if (this.status.state === 'signed-out' || this.status.state === 'error') this.#set({ state: 'syncing', progress: null, error: null, retryAt: null });
    // A sync that started before the sign-in may still end "signed out" from its old session
    // check: syncNow runs one more after it.
    void this.syncNow();
  };

  readonly #onProgress = (event: Event): void => {
    this.#set({ progress: (event as CustomEvent<SyncProgress>).detail });
  };

  /** Starts syncing on its own: now if online, then on every trigger. */
  start(): void {
    this.#target.addEventListener('online', this.#onOnline);
    this.#target.addEventListener('offline', this.#onOffline);
    this.#target.addEventListener('fl-signed-in', this.#onSignedIn);
    this.replica.addEventListener('localchange', this.#onLocalChange);
    this.replica.addEventListener('progress', this.#onProgress);
    this.pins?.addEventListener('progress', this.#onProgress);
    this.#stopBackground = onBackgroundSyncRequest(() => this.syncNow());
    this.#periodic = setInterval(() => {
      if (this.#target.navigator.onLine && this.status.state !== 'signed-out') void this.syncNow();
    }, this.#interval);
    void this.refreshCounts();
    if (this.#target.navigator.onLine) void this.syncNow();
  }

  stop(): void {
    this.#target.removeEventListener('online', this.#onOnline);
    this.#target.removeEventListener('offline', this.#onOffline);
    this.#target.removeEventListener('fl-signed-in', this.#onSignedIn);
    this.replica.removeEventListener('localchange', this.#onLocalChange);
    this.replica.removeEventListener('progress', this.#onProgress);
    this.pins?.removeEventListener('progress', this.#onProgress);
    this.#stopBackground?.();
    clearInterval(this.#periodic);
    clearTimeout(this.#timer);
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.syncNow(), delay);
  }

  /** Pending changes and conflicts, counted again (after a local write or a resolution). */
  async refreshCounts(): Promise<void> {
    const [summary, conflicts, refused] = await Promise.all([this.replica.pendingSummary(), this.replica.conflictCount(), this.replica.refusals()]);
    // Counted in the same pass as the changes: a photo is what a technician most fears losing.
    const pendingPhotos = summary.attachments.filter((attachment) => attachment.name.startsWith('photo/')).length;
    this.#set({ pending: summary.changes, pendingPhotos, conflicts, refused });
  }

  /**
   * One sync that starts now or, while one is running, right after it (every call meanwhile shares
   * that one). Joining the running sync instead lost changes: a live event about a document the
   * server changed after the running sync had read its feed would wait for the next periodic sync.
   * Resolves whether it completed.
   */
  syncNow(): Promise<boolean> {
    if (!this.#running) {
      this.#running = this.#syncOnce().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    this.#again ??= this.#running.then(() => {
      this.#again = undefined;
      return this.syncNow();
    });
    return this.#again;
  }

  async #syncOnce(): Promise<boolean> {
    clearTimeout(this.#timer);
    if (!this.#target.navigator.onLine) {
      this.#set({ state: 'offline', progress: null });
      void requestBackgroundSync();
      return false;
    }
    const session = await this.#renew();
    if (session === 'signed-out') {
      this.#set({ state: 'signed-out', progress: null, error: null });
      return false;
    }
    if (session === 'offline') return this.#failed(new StorageError('unavailable', 'The server cannot be reached.'));
    this.#set({ state: 'syncing', progress: null, error: null, retryAt: null });
    try {
      const pulled = await this.#exclusively(async () => {
        const report = await this.replica.sync();
        return report.pulled + report.conflicts + (this.pins ? (await this.pins.syncAll()).pulled : 0);
      });
      const lastSync = Date.now();
      this.#target.localStorage?.setItem(this.#lastSyncKey, String(lastSync));
      this.#failures = 0;
      this.#set({ state: 'idle', lastSync, progress: null });
      await this.refreshCounts();
      if (pulled > 0) this.#target.dispatchEvent(new Event('fl-data-changed'));
      return true;
    } catch (error) {
      return this.#failed(error);
    }
  }

  /**
   * Runs `task` while no other tab of this app syncs (Web Locks, where the browser has them): two
   * tabs syncing the same IndexedDB at once would only redo each other's work.
   */
  async #exclusively<T>(task: () => Promise<T>): Promise<T> {
    const locks = (this.#target.navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) return task();
    return locks.request('fieldline-sync', () => task()) as Promise<T>;
  }

  #failed(error: unknown): false {
    const storageError = error instanceof StorageError ? error : new StorageError('storage_failure', error instanceof Error ? error.message : String(error));
    if (storageError.code === 'unauthorized') {
      this.#set({ state: 'signed-out', progress: null });
      return false;
    }
    const message =
      storageError.code === 'quota_exceeded'
        ? 'This device is out of storage space. Nothing was lost: unpin offline data to make room, then sync again.'
        : storageError.code === 'unavailable'
          ? 'The server cannot be reached; changes stay on this device and go when it can be reached.'
          : storageError.code === 'server_out_of_space'
            ? 'The server is out of storage space. Nothing was lost: changes stay on this device and go up once the server has room again.'
            : storageError.message;
    // Out of space needs the user; anything else is tried again, later and later.
    let retryAt: number | null = null;
    if (storageError.code !== 'quota_exceeded') {
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#failures++);
      retryAt = Date.now() + delay;
      this.#schedule(delay);
      void requestBackgroundSync();
    }
    this.#set({ state: 'error', progress: null, error: { code: storageError.code, message }, retryAt });
    void this.refreshCounts().catch(() => undefined);
    return false;
  }
}
