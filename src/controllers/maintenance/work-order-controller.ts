/**
 * One work order on this device, for its page: read from the app's local storage (offline first),
 * read again when a sync brought data (`fl-data-changed`) or the id changes, with the titles of
 * what it names (site, asset, alarm, plan). Every write re-reads the stored document, applies one
 * of core's pure edit functions (one history entry each) and puts the result through the app's
 * storage, which syncs it. Photos are resized in the photo worker and stored as attachments
 * `photo/<uuid>.jpg`; a value item with a `field` first writes a manual reading.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { addPhoto, editWorkOrder, recordResult, type ChecklistItem, type ChecklistResult, type Role, type WorkOrder, type Who } from '../../core';
import type { Doc, Storage } from '../../storage';
import { peopleApi, type PeopleApi, type Person } from '../admin-api';
import { storageContext, syncContext } from '../contexts';
import { LiveController } from '../live-controller';
import { PhotoResizer } from '../photos/photo-resizer';
import { recordReading } from './readings';
import { failureInWords, recordFailure } from '../predict/failure-record';

/** Titles of what a work order names, read from this device (absent: not here). */
export interface WorkOrderTitles {
  site?: string;
  asset?: string;
  alarm?: string;
  plan?: string;
}

export interface WorkOrderControllerOptions {
  /** The work order's id. */
  id: () => string;
  /** Who is signed in (recorded as `by`), and their role (what they may do). */
  user: () => { username?: string; role?: Role };
  /** Who work can be assigned to (default: the server's GET /api/people); asked once per site, online only. */
  people?: () => PeopleApi | undefined;
}

/** How far the photos being added have come. */
export interface PhotoProgress {
  done: number;
  total: number;
}

/** What adding photos did: how many were stored, and the files refused with why. */
export interface PhotosAdded {
  added: number;
  failed: Array<{ file: string; message: string }>;
}

/** Thrown when there is nobody signed in to record as `by`. */
export class NotSignedIn extends Error {
  readonly status = 401;
  readonly code = 'not_signed_in';
  constructor() {
    super('Sign in to change this work order.');
    this.name = 'NotSignedIn';
  }
}

export class WorkOrderController implements ReactiveController {
  /** The work order as stored (other keys kept), undefined until read or when missing. */
  doc: WorkOrder | undefined;
  /** Whether the last read finished (with or without a document). */
  loaded = false;
  /** Why the last read failed (other than "not on this device"). */
  error: string | undefined;
  titles: WorkOrderTitles = {};
  /** Photos being resized and stored now (undefined: none). */
  photoProgress: PhotoProgress | undefined;
  /** Who the work order's site can be assigned to, by name (undefined: not known, e.g. offline). */
  people: Person[] | undefined;
  #peopleFor = '';

  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: WorkOrderControllerOptions;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #resizer = new PhotoResizer();
  /** Object URLs of the photos shown, by attachment name (revoked when the page goes). */
  readonly #urls = new Map<string, Promise<string | undefined>>();
  #urlsOf = '';
  #request = 0;
  #readFor = '';
  readonly #onDataChanged = () => void this.reload();

  constructor(host: ReactiveControllerHost & HTMLElement, options: WorkOrderControllerOptions) {
    this.#host = host;
    this.#options = options;
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true, callback: () => void this.reload() });
    const sync = new ContextConsumer(host, { context: syncContext, subscribe: true });
    // The server says this work order changed (an engineer verified it, another tablet synced):
    // the change comes through a sync like every record, and the sync's fl-data-changed reads it.
    new LiveController(host, (event) => {
      if (event.type === 'doc' && event.id === this.#options.id()) void sync.value?.syncNow();
    });
    host.addController(this);
  }

  get storage(): Storage | undefined {
    return this.#storage.value;
  }

  hostConnected(): void {
    window.addEventListener('fl-data-changed', this.#onDataChanged);
    void this.reload();
  }

  hostUpdate(): void {
    // A new id (the route changed under the same page): read it.
    if (this.#options.id() !== this.#readFor) void this.reload();
  }

  hostDisconnected(): void {
    window.removeEventListener('fl-data-changed', this.#onDataChanged);
    this.#request++;
    this.#revokeUrls();
    this.#resizer.close();
  }

  /** Reads the work order and the titles of what it names from this device. */
  async reload(): Promise<void> {
    const storage = this.storage;
    const id = this.#options.id();
    this.#readFor = id;
    const request = ++this.#request;
    if (!storage || !id) return;
    if (id !== this.#urlsOf) {
      this.#revokeUrls();
      this.#urlsOf = id;
    }
    try {
      const doc = await readDoc(storage, id);
      if (request !== this.#request) return;
      this.doc = doc as unknown as WorkOrder | undefined;
      this.error = undefined;
      this.titles = doc ? await this.#readTitles(storage, doc as unknown as WorkOrder) : {};
      if (request !== this.#request) return;
      if (doc) this.#askPeople((doc as unknown as WorkOrder).site);
    } catch (error) {
      if (request !== this.#request) return;
      this.error = error instanceof Error ? error.message : String(error);
    }
    this.loaded = true;
    this.#host.requestUpdate();
  }

  /** Asks who the site's work can go to, once per site; offline or refused, `people` stays unknown. */
  #askPeople(site: string): void {
    if (site === this.#peopleFor) return;
    this.#peopleFor = site;
    this.people = undefined;
    if (typeof navigator !== 'undefined' && !navigator.onLine) {
      // Asked again when a sync (back online) reads the work order.
      this.#peopleFor = '';
      return;
    }
    const api = this.#options.people?.() ?? peopleApi();
    api.people(site).then(
      (people) => {
        if (site !== this.#peopleFor) return;
        this.people = people;
        this.#host.requestUpdate();
      },
      () => {
        if (site === this.#peopleFor) this.#peopleFor = '';
      },
    );
  }

  async #readTitles(storage: Storage, doc: WorkOrder): Promise<WorkOrderTitles> {
    const title = async (id: string | undefined): Promise<string | undefined> => {
      if (!id) return undefined;
      const found = await readDoc(storage, id).catch(() => undefined);
      return typeof found?.title === 'string' ? found.title : typeof found?.message === 'string' ? found.message : undefined;
    };
    const [site, asset, alarm, plan] = await Promise.all([title(doc.site), title(doc.asset), title(doc.alarm), title(doc.plan?.id)]);
    return { ...(site ? { site } : {}), ...(asset ? { asset } : {}), ...(alarm ? { alarm } : {}), ...(plan ? { plan } : {}) };
  }

  /** Who makes a change now: the signed-in user, this moment, a fresh history entry id. */
  who(): Who {
    const { username, role } = this.#options.user();
    if (!username) throw new NotSignedIn();
    return { by: username, at: new Date().toISOString(), id: crypto.randomUUID(), ...(role ? { role } : {}) };
  }

  /**
   * Applies `edit` to the work order as stored now (a sync may have changed it since it was
   * shown) and writes the result; resolves the new document. An edit that changes nothing (core
   * returns the same document) writes nothing. Rejects with the edit's error (nothing written).
   */
  async write(edit: (doc: WorkOrder, who: Who) => WorkOrder): Promise<WorkOrder> {
    const storage = this.storage;
    if (!storage) throw new Error('No storage on this page to write the work order to.');
    const id = this.#options.id();
    const who = this.who();
    const stored = (await storage.get(id)) as unknown as WorkOrder;
    const next = edit(stored, who);
    if (next !== stored) await storage.put(id, next as unknown as Doc);
    if (id === this.#options.id()) {
      this.doc = next;
      this.#host.requestUpdate();
    }
    return next;
  }

  /**
   * Records a checklist answer. A value item that feeds a manual-reading channel (`field`, and the
   * work order has an asset) first writes a `reading/<uuid>` document, and the result names it;
   * the answer is checked before the reading is written, so a refused answer writes nothing.
   */
  async recordAnswer(item: ChecklistItem, value: ChecklistResult['value'], options: { note?: string } = {}): Promise<WorkOrder> {
    const storage = this.storage;
    const doc = this.doc;
    if (!storage || !doc) throw new Error('The work order is not read yet.');
    const who = this.who();
    // A dry run of the pure edit: throws for a refused answer before anything is written.
    recordResult(doc, item.id, value, who, options);
    let reading: string | undefined;
    if (item.kind === 'value' && item.field && doc.asset && typeof value === 'number') {
      reading = await recordReading(storage, {
        site: doc.site,
        asset: doc.asset,
        at: Date.parse(who.at),
        values: { [item.field]: value },
        ...(item.unit ? { units: { [item.field]: item.unit } } : {}),
        by: who.by,
        work_order: this.#options.id(),
        item: item.id,
      });
    }
    return this.write((current) => recordResult(current, item.id, value, { ...who, id: who.id }, { ...options, ...(reading ? { reading } : {}) }));
  }

  /**
   * Marks the work order done; with `failure` (the outcome "Failure found": component and mode),
   * first writes a `failure/<uuid>` document of the work order's asset, found now, that names the
   * work order, and the done entry's comment names the failure ("Failure found: outer race — outer
   * race defect (failure/…)"): linked both ways, offline too. The edit is tried first, so a work
   * order that cannot be done writes no failure; a refused failure (no mode) writes nothing.
   */
  async markDone(failure?: { component: string; mode: string; notes?: string }): Promise<{ doc: WorkOrder; failure?: string }> {
    const storage = this.storage;
    const doc = this.doc;
    if (!storage || !doc) throw new Error('The work order is not read yet.');
    const who = this.who();
    if (!failure) return { doc: await this.write((current, now) => editWorkOrder(current, { status: 'done' }, now)) };
    if (!doc.asset) throw new Error('This work order names no asset: record the failure on the asset instead.');
    // A dry run of the edit: throws before the failure is written when the work order cannot be done.
    editWorkOrder(doc, { status: 'done' }, who, { comment: failureInWords({ component: failure.component.trim(), mode: failure.mode.trim() || '?' }) });
    const at = Date.parse(who.at);
    const when = new Date(at);
    const two = (value: number) => String(value).padStart(2, '0');
    const local = `${when.getFullYear()}-${two(when.getMonth() + 1)}-${two(when.getDate())}T${two(when.getHours())}:${two(when.getMinutes())}:${two(when.getSeconds())}`;
    const recorded = await recordFailure(storage, { component: failure.component, mode: failure.mode, when: local, notes: failure.notes ?? '' }, { site: doc.site, asset: doc.asset, by: who.by, work_order: this.#options.id(), now: at });
    const comment = `${failureInWords(recorded.failure)} (${recorded.id})`;
    const next = await this.write((current, now) => editWorkOrder(current, { status: 'done' }, now, { comment }));
    return { doc: next, failure: recorded.id };
  }

  /**
   * Resizes each picture in the worker and stores it as attachment `photo/<uuid>.jpg` (image/jpeg)
   * with its metadata on the work order (one `photo` history entry each). A file that is not a
   * picture is reported in `failed` and writes nothing; the others are still added.
   */
  async addPhotos(files: readonly File[], options: { item?: string } = {}): Promise<PhotosAdded> {
    const storage = this.storage;
    if (!storage) throw new Error('No storage on this page to store photos in.');
    const id = this.#options.id();
    this.who();
    const result: PhotosAdded = { added: 0, failed: [] };
    this.photoProgress = { done: 0, total: files.length };
    this.#host.requestUpdate();
    try {
      for (const file of files) {
        try {
          const photo = await this.#resizer.resize(file);
          const name = `photo/${crypto.randomUUID()}.jpg`;
          const who = this.who();
          const meta = { taken_at: photo.taken_at, by: who.by, width: photo.width, height: photo.height, bytes: photo.bytes.byteLength, ...(options.item ? { item: options.item } : {}) };
          // Checked before the bytes are stored: a refused photo leaves no attachment behind.
          addPhoto((await storage.get(id)) as unknown as WorkOrder, name, meta, who);
          const blob = new Blob([photo.bytes], { type: 'image/jpeg' });
          await storage.putAttachment(id, name, blob, 'image/jpeg');
          this.#urls.set(name, Promise.resolve(URL.createObjectURL(blob)));
          await this.write((current) => addPhoto(current, name, meta, who));
          result.added++;
        } catch (error) {
          if (error instanceof NotSignedIn) throw error;
          result.failed.push({ file: file.name || 'a file', message: error instanceof Error ? error.message : String(error) });
        }
        this.photoProgress = { done: (this.photoProgress?.done ?? 0) + 1, total: files.length };
        this.#host.requestUpdate();
      }
    } finally {
      this.photoProgress = undefined;
      this.#host.requestUpdate();
    }
    return result;
  }

  /** An object URL of a photo attachment (undefined when its bytes are not on this device). */
  photoUrl(name: string): Promise<string | undefined> {
    let url = this.#urls.get(name);
    if (!url) {
      const storage = this.storage;
      const id = this.#options.id();
      url = storage
        ? storage.getAttachment(id, name, { format: 'blob' }).then(
            (blob) => URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'image/jpeg' })),
            () => undefined,
          )
        : Promise.resolve(undefined);
      // A photo not here yet (it syncs later) is asked for again on the next read.
      void url.then((found) => {
        if (found === undefined) this.#urls.delete(name);
      });
      this.#urls.set(name, url);
    }
    return url;
  }

  #revokeUrls(): void {
    for (const url of this.#urls.values()) void url.then((found) => found && URL.revokeObjectURL(found));
    this.#urls.clear();
  }
}

/** A document from `storage`, undefined when it is not there (404). */
async function readDoc(storage: Storage, id: string): Promise<Doc | undefined> {
  try {
    return await storage.get(id);
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw error;
  }
}
