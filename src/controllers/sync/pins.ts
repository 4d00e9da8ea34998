/**
 * Channel data kept on this device for offline use, by site: "site X, the last N days at full
 * resolution, older at summary level". This module decides where pinned data lives: the arrays
 * come down into the app's local storage, each pin syncing through its own replicate storage (with
 * its own signatures), pull and push — readings recorded here on a pinned site go up — but a
 * local deletion never travels (unpinning frees this device only). The list of pins is kept in
 * the `device` storage, which never syncs.
 */
import { ReplicateStorage, StorageError, attachmentInWindow, type Doc, type Storage, type SyncProgress } from '../../storage';
import { requestPersistence } from '../storage-estimate';

export interface Pin {
  site: string;
  /** Days kept at full resolution; older chunks stay on the server (summaries come down). */
  days: number;
}

export interface PinEstimate {
  arrays: number;
  bytes: number;
}

export interface PinServiceOptions {
  local: Storage;
  remote: Storage;
  /** Where the pin list lives (never synced). */
  device: Storage;
  /** The signature storage of one pin's replication (the same one each time; unpin destroys it). */
  signaturesFor: (site: string) => Storage;
  /** The clock the window ends at (tests). */
  now?: () => number;
}

const PINS_ID = 'pins';

function arraysOf(site: string): string {
  return `kind:"fl-channel-array" AND site:${JSON.stringify(site)}`;
}

export class PinService extends EventTarget {
  readonly #options: PinServiceOptions;

  constructor(options: PinServiceOptions) {
    super();
    this.#options = options;
  }

  async list(): Promise<Pin[]> {
    try {
      return ((await this.#options.device.get(PINS_ID)) as { pins?: Pin[] }).pins ?? [];
    } catch (error) {
      if (error instanceof StorageError && error.status === 404) return [];
      throw error;
    }
  }

  async #save(pins: Pin[]): Promise<void> {
    await this.#options.device.put(PINS_ID, { pins } as unknown as Doc);
  }

  /** Sites on the server with channel arrays, and how many each has. */
  async sites(): Promise<Array<{ site: string; arrays: number }>> {
    const result = await this.#options.remote.allDocs({ query: 'kind:"fl-channel-array"', select_list: ['site'] });
    const counts = new Map<string, number>();
    for (const row of result.rows) {
      const site = typeof row.value.site === 'string' ? row.value.site : undefined;
      if (site) counts.set(site, (counts.get(site) ?? 0) + 1);
    }
    return [...counts].map(([site, arrays]) => ({ site, arrays })).sort((a, b) => a.site.localeCompare(b.site));
  }

  /** Bytes a pin would bring down (exact: the server's attachment sizes inside the window). */
  async estimate(pin: Pin): Promise<PinEstimate> {
    const result = await this.#options.remote.allDocs({ query: arraysOf(pin.site), include_docs: true });
    const window = { days: pin.days, now: (this.#options.now ?? Date.now)() };
    let bytes = 0;
    for (const row of result.rows) {
      bytes += JSON.stringify(row.doc).length;
      const attachments = await this.#options.remote.allAttachments(row.id);
      for (const [name, info] of Object.entries(attachments)) if (attachmentInWindow(row.doc!, name, window)) bytes += info.length;
    }
    return { arrays: result.rows.length, bytes };
  }

  #replica(pin: Pin): ReplicateStorage {
    const { local, remote, signaturesFor } = this.#options;
    const replica = new ReplicateStorage(local, remote, signaturesFor(pin.site), {
      query: arraysOf(pin.site),
      attachment_window: { days: pin.days, now: (this.#options.now ?? Date.now)() },
      check_local_deletion: false,
      conflict_handling: 'keep_remote',
      batch_size: 50,
    });
    replica.addEventListener('progress', (event) => this.dispatchEvent(new CustomEvent<SyncProgress>('progress', { detail: (event as CustomEvent<SyncProgress>).detail })));
    return replica;
  }

  /** Pins a site (replacing its window) and asks the browser to keep the data (persist()). */
  async pin(pin: Pin): Promise<void> {
    if (typeof pin.site !== 'string' || pin.site === '') throw new StorageError('bad_request', 'a pin needs a site');
    if (!Number.isFinite(pin.days) || pin.days <= 0) throw new StorageError('bad_request', 'a pin needs a positive number of days');
    await requestPersistence().catch(() => false);
    const pins = (await this.list()).filter((other) => other.site !== pin.site);
    await this.#save([...pins, { site: pin.site, days: pin.days }]);
  }

  /** Unpins a site and frees its channel data on this device (the server keeps it). */
  async unpin(site: string): Promise<void> {
    await this.#save((await this.list()).filter((pin) => pin.site !== site));
    const { local, signaturesFor } = this.#options;
    const arrays = await local.allDocs({ query: arraysOf(site) });
    for (const row of arrays.rows) {
      try {
        await local.remove(row.id);
      } catch (error) {
        if (!(error instanceof StorageError && error.status === 404)) throw error;
      }
    }
    await signaturesFor(site).destroy();
  }

  /** Syncs every pin; resolves the number of arrays that changed here. */
  async syncAll(): Promise<{ pulled: number }> {
    let pulled = 0;
    for (const pin of await this.list()) pulled += (await this.#replica(pin).sync()).pulled;
    return { pulled };
  }
}
