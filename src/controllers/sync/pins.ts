/**
 * Channel data kept on this device for offline use: "site X (or asset Y and its parts), the last
 * N days at full resolution, older at summary level". The arrays come down into the app's local
 * storage, each pin syncing through its own replicate storage (with its own signatures).
 *
 * Pins are PULL ONLY: the device never sends array chunks or array documents (no local creation,
 * modification or deletion travels), so a pin sync can never replace or lose anything recorded
 * here — readings travel as `reading/…` documents through the main replica (see
 * ../maintenance/readings.ts) and come back inside the server's manual-reading arrays. Whatever a
 * pin's local copy holds is the server's, so when both sides look changed (a pin's signature
 * database lost, say) the server's version is the right one to keep. Unpinning frees this device
 * only (and only arrays no other pin still keeps).
 *
 * A site pin follows the server's changes feed for the site's arrays. An asset pin keeps the
 * arrays of the channels of that asset and of its parts (asset tree on the device): a handful, so
 * its replica compares just those by id at each sync (no feed needed, and a channel added to the
 * asset is picked up at the next sync).
 *
 * Pins follow assignments: `followAssignments(username)` makes the pin service keep an automatic
 * asset pin (7 days) for the asset of every work order assigned to that user that is not done or
 * verified, refreshed at each `syncAll` (after the main replica brought the work orders), and
 * removed once no open work order needs it; manual pins are never removed by it.
 *
 * The pin list, each pin's size on the device and its last sync are kept in the `device` storage,
 * which never syncs. `status()` reports them; `change` fires when they change.
 */
import { assetTree } from '../../core';
import { ReplicateStorage, StorageError, attachmentInWindow, type AllDocsResult, type BulkWrite, type Capacity, type ChangesResult, type Doc, type Storage, type SyncProgress } from '../../storage';
import { PassThroughStorage } from '../../storage/common/pass-through';
import { requestPersistence } from '../storage-estimate';

export interface Pin {
  site: string;
  /** An asset pin: the arrays of this asset's channels and of its parts'. Absent: the whole site. */
  asset?: string;
  /** Days kept at full resolution; older chunks stay on the server (summaries come down). */
  days: number;
  /** Made by followAssignments for open work orders (removed by it when none needs it). */
  auto?: boolean;
}

export interface PinEstimate {
  arrays: number;
  bytes: number;
}

/** A pin with what is on the device for it (status()); a figure not known yet is absent. */
export interface PinStatus {
  site: string;
  asset?: string;
  days: number;
  auto: boolean;
  /** Bytes of its arrays on this device after its last sync. */
  bytes?: number;
  /** Arrays it keeps on this device after its last sync. */
  arrays?: number;
  /** What the server said it would bring down when it was made (before its first sync: the size to expect). */
  estimated_bytes?: number;
  /** Epoch ms (this device's clock) of its last completed sync. */
  last_sync?: number;
  /** The open work orders that need it (automatic pins). */
  work_orders: string[];
}

export interface PinServiceOptions {
  local: Storage;
  remote: Storage;
  /** Where the pin list lives (never synced). */
  device: Storage;
  /**
   * The signature storage of one pin's replication (the same one each time; unpin destroys it):
   * `asset` absent for a site pin.
   */
  signaturesFor: (site: string, asset?: string) => Storage;
  /** The clock the window ends at (tests). */
  now?: () => number;
}

/** Days an automatic pin keeps at full resolution. */
export const AUTO_PIN_DAYS = 7;
/** Fired on the pin service when its pins or their status changed. */
export const PINS_CHANGE_EVENT = 'change';

const PINS_ID = 'pins';
/** Work order statuses that no longer need the asset's data on the device. */
const FINISHED: ReadonlySet<string> = new Set(['done', 'verified']);

/** What the device document keeps per pin. */
interface StoredPin extends Pin {
  bytes?: number;
  arrays?: number;
  estimated_bytes?: number;
  last_sync?: number;
  work_orders?: string[];
}

interface PinsDoc {
  pins: StoredPin[];
  /** The user whose assignments the automatic pins follow. */
  following?: string;
}

const keyOf = (pin: { site: string; asset?: string | undefined }): string => `${pin.site}\n${pin.asset ?? ''}`;

function siteArrays(site: string): string {
  return `kind:"fl-channel-array" AND site:${JSON.stringify(site)}`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof StorageError && error.status === 404;
}

/**
 * One side of an asset pin's replication: only the arrays of `ids` exist for the replica, and it
 * has no changes feed, so the replica compares exactly those by id (jIO's scan over a few ids).
 * Reads and writes of those documents go straight through (atomic `bulk` where the side has it).
 */
class ArraySubset extends PassThroughStorage {
  readonly #ids: readonly string[];
  readonly bulk?: (writes: BulkWrite[]) => Promise<void>;

  constructor(sub: Storage, ids: readonly string[]) {
    super(sub);
    this.#ids = ids;
    if (sub.bulk) this.bulk = (writes) => sub.bulk!(writes);
  }

  override allDocs(): Promise<AllDocsResult> {
    // Listed whether present or not: the replica reads each one's state (absent is a state too).
    return Promise.resolve({ rows: this.#ids.map((id) => ({ id, value: {} })), total_rows: this.#ids.length });
  }

  override hasCapacity(name: Capacity | string): boolean {
    return name === 'changes' ? false : super.hasCapacity(name);
  }

  override changes(): Promise<ChangesResult> {
    return Promise.reject(new StorageError('not_supported', 'an asset pin compares its arrays by id'));
  }
}

/** The pin service (see the module comment). */
export class PinService extends EventTarget {
  readonly #options: PinServiceOptions;
  /** Writes of the device document, one after another. */
  #writing: Promise<unknown> = Promise.resolve();

  constructor(options: PinServiceOptions) {
    super();
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #load(): Promise<PinsDoc> {
    try {
      const doc = (await this.#options.device.get(PINS_ID)) as Partial<PinsDoc>;
      return { pins: Array.isArray(doc.pins) ? doc.pins : [], ...(typeof doc.following === 'string' ? { following: doc.following } : {}) };
    } catch (error) {
      if (isNotFound(error)) return { pins: [] };
      throw error;
    }
  }

  /**
   * Changes the device document with `change` (never two changes at once: each reads what the
   * one before wrote); writes it and fires `change` only when it differs.
   */
  #update(change: (doc: PinsDoc) => void): Promise<void> {
    const run = this.#writing.catch(() => undefined).then(async () => {
      const doc = await this.#load();
      const before = JSON.stringify(doc);
      change(doc);
      const after = JSON.stringify(doc);
      if (after === before) return;
      await this.#options.device.put(PINS_ID, JSON.parse(after) as Doc);
      this.dispatchEvent(new Event(PINS_CHANGE_EVENT));
    });
    this.#writing = run;
    return run;
  }

  /** The pins (site pins and asset pins, manual and automatic). */
  async list(): Promise<Pin[]> {
    return (await this.#load()).pins.map(({ site, asset, days, auto }) => ({ site, ...(asset ? { asset } : {}), days, ...(auto ? { auto: true } : {}) }));
  }

  /** Every pin with what is on this device for it (for the Sync view and My work). */
  async status(): Promise<PinStatus[]> {
    return (await this.#load()).pins.map((pin) => ({
      site: pin.site,
      ...(pin.asset ? { asset: pin.asset } : {}),
      days: pin.days,
      auto: pin.auto === true,
      ...(typeof pin.bytes === 'number' ? { bytes: pin.bytes } : {}),
      ...(typeof pin.arrays === 'number' ? { arrays: pin.arrays } : {}),
      ...(typeof pin.estimated_bytes === 'number' ? { estimated_bytes: pin.estimated_bytes } : {}),
      ...(typeof pin.last_sync === 'number' ? { last_sync: pin.last_sync } : {}),
      work_orders: pin.work_orders ?? [],
    }));
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

  /**
   * The array ids of an asset pin: the channels (on this device) of the asset and of every asset
   * below it in the site's asset tree.
   */
  async arraysOfAsset(site: string, asset: string): Promise<string[]> {
    const { local } = this.#options;
    const [assets, channels] = await Promise.all([
      local.allDocs({ query: `type:asset AND site:${JSON.stringify(site)}`, select_list: ['parent', 'title'] }),
      local.allDocs({ query: `type:channel AND site:${JSON.stringify(site)}`, select_list: ['asset', 'array'] }),
    ]);
    const tree = assetTree(assets.rows.map((row) => ({ id: row.id, site, parent: typeof row.value.parent === 'string' ? row.value.parent : undefined, title: typeof row.value.title === 'string' ? row.value.title : undefined })));
    const covered = new Set([asset, ...tree.descendants(asset).map((item) => item.id)]);
    const arrays = new Set<string>();
    for (const row of channels.rows) if (typeof row.value.asset === 'string' && covered.has(row.value.asset) && typeof row.value.array === 'string') arrays.add(row.value.array);
    return [...arrays].sort();
  }

  /** Bytes a pin would bring down (exact: the server's attachment sizes inside the window). */
  async estimate(pin: Pin): Promise<PinEstimate> {
    const { remote } = this.#options;
    const window = { days: pin.days, now: this.#now() };
    let docs: Array<{ id: string; doc: Doc }>;
    if (pin.asset) {
      docs = [];
      for (const id of await this.arraysOfAsset(pin.site, pin.asset)) {
        try {
          docs.push({ id, doc: await remote.get(id) });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    } else {
      docs = (await remote.allDocs({ query: siteArrays(pin.site), include_docs: true })).rows.filter((row) => row.doc).map((row) => ({ id: row.id, doc: row.doc! }));
    }
    let bytes = 0;
    for (const { id, doc } of docs) {
      bytes += JSON.stringify(doc).length;
      const attachments = await remote.allAttachments(id);
      for (const [name, info] of Object.entries(attachments)) if (attachmentInWindow(doc, name, window)) bytes += info.length;
    }
    return { arrays: docs.length, bytes };
  }

  /** Pull only: nothing of the device's copy is ever sent (see the module comment). */
  #replica(pin: Pin, arrays?: readonly string[]): ReplicateStorage {
    const { local, remote, signaturesFor } = this.#options;
    const [from, to] = arrays ? [new ArraySubset(local, arrays), new ArraySubset(remote, arrays)] : [local, remote];
    const replica = new ReplicateStorage(from, to, signaturesFor(pin.site, pin.asset), {
      query: pin.asset ? 'kind:"fl-channel-array"' : siteArrays(pin.site),
      attachment_window: { days: pin.days, now: this.#now() },
      check_local_creation: false,
      check_local_modification: false,
      check_local_deletion: false,
      conflict_handling: 'keep_remote',
      batch_size: 50,
    });
    replica.addEventListener('progress', (event) => this.dispatchEvent(new CustomEvent<SyncProgress>('progress', { detail: (event as CustomEvent<SyncProgress>).detail })));
    return replica;
  }

  /**
   * Pins a site, or an asset with its parts (replacing that pin's window; an automatic pin of
   * the asset becomes a manual one), and asks the browser to keep the data (persist()). Rejects
   * with `bad_request` for a pin without a site or a positive number of days.
   */
  async pin(pin: Pin & { estimated_bytes?: number }): Promise<void> {
    if (typeof pin.site !== 'string' || pin.site === '') throw new StorageError('bad_request', 'a pin needs a site');
    if (pin.asset !== undefined && (typeof pin.asset !== 'string' || pin.asset === '')) throw new StorageError('bad_request', 'an asset pin needs an asset id');
    if (!Number.isFinite(pin.days) || pin.days <= 0) throw new StorageError('bad_request', 'a pin needs a positive number of days');
    await requestPersistence().catch(() => false);
    await this.#update((doc) => {
      const key = keyOf(pin);
      const before = doc.pins.find((other) => keyOf(other) === key);
      doc.pins = doc.pins.filter((other) => keyOf(other) !== key);
      // A manual pin of an asset an automatic pin kept: manual from now on (followAssignments leaves it).
      const kept: StoredPin = { ...before, site: pin.site, days: pin.days };
      delete kept.auto;
      delete kept.work_orders;
      doc.pins.push({
        ...kept,
        site: pin.site,
        ...(pin.asset ? { asset: pin.asset } : {}),
        days: pin.days,
        ...(pin.estimated_bytes === undefined ? {} : { estimated_bytes: pin.estimated_bytes }),
      });
    });
  }

  /** Unpins a site (or an asset pin) and frees its channel data on this device (the server keeps it). */
  async unpin(site: string, asset?: string): Promise<void> {
    await this.#update((doc) => {
      doc.pins = doc.pins.filter((pin) => keyOf(pin) !== keyOf({ site, asset }));
    });
    await this.#free({ site, ...(asset ? { asset } : {}) });
  }

  /** Removes from the device the arrays of a pin that is gone, except those another pin still keeps. */
  async #free(gone: { site: string; asset?: string }): Promise<void> {
    const { local, signaturesFor } = this.#options;
    const remaining = await this.list();
    const kept = new Set<string>();
    const keptSites = new Set(remaining.filter((pin) => !pin.asset).map((pin) => pin.site));
    for (const pin of remaining) if (pin.asset) for (const id of await this.arraysOfAsset(pin.site, pin.asset)) kept.add(id);
    const candidates = gone.asset ? await this.arraysOfAsset(gone.site, gone.asset) : (await local.allDocs({ query: siteArrays(gone.site) })).rows.map((row) => row.id);
    for (const id of candidates) {
      if (kept.has(id)) continue;
      if (gone.asset) {
        // An array of the asset is kept by its site's pin when that site is pinned.
        const doc = await local.get(id).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
        if (!doc || (typeof doc.site === 'string' && keptSites.has(doc.site))) continue;
      }
      try {
        await local.remove(id);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    await signaturesFor(gone.site, gone.asset).destroy();
  }

  /**
   * Makes the automatic pins follow `username`'s open work orders from now on (undefined: stop;
   * the automatic pins go). Updates them now from the work orders on this device; each `syncAll`
   * updates them again.
   */
  async followAssignments(username: string | undefined): Promise<void> {
    await this.#update((doc) => {
      if (username) doc.following = username;
      else delete doc.following;
    });
    await this.#follow();
  }

  /** The assets the followed user's open work orders need, with those work orders. */
  async #needed(username: string): Promise<Map<string, { site: string; asset: string; work_orders: string[] }>> {
    const { rows } = await this.#options.local.allDocs({ query: 'type:work_order', select_list: ['site', 'asset', 'assignee', 'status'] });
    const needed = new Map<string, { site: string; asset: string; work_orders: string[] }>();
    for (const row of rows) {
      const { site, asset, assignee, status } = row.value;
      if (assignee !== username || typeof site !== 'string' || typeof asset !== 'string' || asset === '' || (typeof status === 'string' && FINISHED.has(status))) continue;
      const key = keyOf({ site, asset });
      const entry = needed.get(key) ?? { site, asset, work_orders: [] };
      entry.work_orders.push(row.id);
      needed.set(key, entry);
    }
    for (const entry of needed.values()) entry.work_orders.sort();
    return needed;
  }

  /** Adds the automatic pins open work orders need and removes those none needs (manual pins stay). */
  async #follow(): Promise<void> {
    const following = (await this.#load()).following;
    const needed = following ? await this.#needed(following) : new Map<string, { site: string; asset: string; work_orders: string[] }>();
    const removed: StoredPin[] = [];
    const added: StoredPin[] = [];
    await this.#update((doc) => {
      const next: StoredPin[] = [];
      for (const pin of doc.pins) {
        if (!pin.auto) {
          next.push(pin);
          continue;
        }
        const need = needed.get(keyOf(pin));
        if (need) next.push({ ...pin, work_orders: need.work_orders });
        else removed.push(pin);
      }
      const present = new Set(next.map(keyOf));
      for (const [key, need] of needed) {
        if (present.has(key)) continue;
        const pin: StoredPin = { site: need.site, asset: need.asset, days: AUTO_PIN_DAYS, auto: true, work_orders: need.work_orders };
        next.push(pin);
        added.push(pin);
      }
      doc.pins = next;
    });
    for (const pin of removed) await this.#free({ site: pin.site, ...(pin.asset ? { asset: pin.asset } : {}) });
    // What a new automatic pin will bring down, from the server (offline: told after its first sync).
    for (const pin of added) {
      const estimate = await this.estimate(pin).catch(() => undefined);
      if (!estimate) continue;
      await this.#update((doc) => {
        const stored = doc.pins.find((other) => keyOf(other) === keyOf(pin));
        if (stored) stored.estimated_bytes = estimate.bytes;
      });
    }
  }

  /** Bytes and arrays of `ids` on this device (documents and attachments). */
  async #measure(ids: readonly string[]): Promise<{ bytes: number; arrays: number }> {
    const { local } = this.#options;
    let bytes = 0;
    let arrays = 0;
    for (const id of ids) {
      let doc: Doc;
      try {
        doc = await local.get(id);
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      arrays++;
      bytes += JSON.stringify(doc).length;
      for (const info of Object.values(await local.allAttachments(id))) bytes += info.length;
    }
    return { bytes, arrays };
  }

  /**
   * Updates the automatic pins (followAssignments), then syncs every pin, pull only; records each
   * pin's size on the device and its last sync. Resolves the number of arrays that changed here.
   * Rejects when the server cannot be reached (pins synced before stay synced).
   */
  async syncAll(): Promise<{ pulled: number }> {
    await this.#follow();
    let pulled = 0;
    for (const pin of await this.list()) {
      let ids: string[] | undefined;
      if (pin.asset) ids = await this.arraysOfAsset(pin.site, pin.asset);
      pulled += (await this.#replica(pin, ids).sync()).pulled;
      ids ??= (await this.#options.local.allDocs({ query: siteArrays(pin.site) })).rows.map((row) => row.id);
      const measured = await this.#measure(ids);
      const at = Date.now();
      await this.#update((doc) => {
        const stored = doc.pins.find((other) => keyOf(other) === keyOf(pin));
        if (!stored) return;
        stored.bytes = measured.bytes;
        stored.arrays = measured.arrays;
        stored.last_sync = at;
      });
    }
    return { pulled };
  }
}
