/**
 * Sites and assets for the admin screens, read from and written to the server (the `http`
 * storage from serverStorageContext): these screens are online tools, and a write the model
 * refuses is answered at once (400 with the reason) instead of at the next sync. It lists again
 * when the server says a site or asset changed (live `doc` events). Before writing, the same
 * model checks the server applies run here, so most mistakes are said before a request.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { assetIdFor, assetParentProblem, assetProblem, assetTree, siteIdFor, siteProblem, type AssetDoc, type AssetTree, type SiteDoc } from '../core';
import type { Doc, Storage } from '../storage';
import { serverStorageContext } from './contexts';
import { LiveController } from './live-controller';

export type AdminSite = SiteDoc & { id: string };
export type AdminAsset = AssetDoc & { id: string };

/** What the site form holds (text as typed; empty: not set). */
export interface SiteFields {
  title: string;
  kind: string;
  locationLabel: string;
  lat: string;
  lon: string;
  timezone: string;
  description: string;
  /** Days raw samples are kept (empty: the server's default). */
  retentionDays?: string;
}

/** What the asset form holds (text as typed; empty: not set). */
export interface AssetFields {
  site: string;
  title: string;
  asset_type: string;
  parent: string;
  make: string;
  model: string;
  serial: string;
  commissioned: string;
  locationLabel: string;
  lat: string;
  lon: string;
}

export interface AdminModelOptions {
  /** Where sites and assets live, when not the server storage from context (tests). */
  storage?: () => Storage | undefined;
}

/** A number typed in a form: undefined when empty, NaN when not a number (the model check says so). */
const numberOf = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text.trim()));

/** `doc` with `key` set to `value`, or without `key` when the value is empty. */
function setOrDelete(doc: Doc, key: string, value: unknown): void {
  if (value === undefined || value === '') Reflect.deleteProperty(doc, key);
  else doc[key] = value as Doc[string];
}

function locationOf(fields: { locationLabel: string; lat: string; lon: string }): Doc | undefined {
  const location: Doc = {};
  setOrDelete(location, 'label', fields.locationLabel.trim());
  setOrDelete(location, 'lat', numberOf(fields.lat));
  setOrDelete(location, 'lon', numberOf(fields.lon));
  return Object.keys(location).length === 0 ? undefined : location;
}

export class AdminModelController implements ReactiveController {
  sites: AdminSite[] | undefined;
  assets: AdminAsset[] | undefined;
  /** Why the last listing failed (undefined: it did not). */
  error: string | undefined;
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: AdminModelOptions;
  readonly #server: ContextConsumer<typeof serverStorageContext, ReactiveControllerHost & HTMLElement>;
  /** The stored documents as read: an edit writes them back with every other key kept. */
  readonly #stored = new Map<string, Doc>();
  #request = 0;

  constructor(host: ReactiveControllerHost & HTMLElement, options: AdminModelOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.#server = new ContextConsumer(host, { context: serverStorageContext, subscribe: true, callback: () => void this.reload() });
    new LiveController(host, (event) => {
      if (event.type === 'reset' || (event.type === 'doc' && (event.id.startsWith('site/') || event.id.startsWith('asset/')))) void this.reload();
    });
    host.addController(this);
  }

  hostConnected(): void {
    void this.reload();
  }

  #storage(): Storage | undefined {
    return this.#options.storage?.() ?? this.#server.value;
  }

  /** Lists sites and assets again; a listing that resolves after a newer one is dropped. */
  async reload(): Promise<void> {
    const storage = this.#storage();
    if (!storage) return;
    const request = ++this.#request;
    try {
      const [sites, assets] = await Promise.all([
        storage.allDocs({ query: 'type:site', include_docs: true, sort_on: [['title', 'ascending']] }),
        storage.allDocs({ query: 'type:asset', include_docs: true, sort_on: [['title', 'ascending']] }),
      ]);
      if (request !== this.#request) return;
      this.#stored.clear();
      for (const row of [...sites.rows, ...assets.rows]) this.#stored.set(row.id, row.doc!);
      this.sites = sites.rows.map((row) => ({ ...(row.doc as unknown as SiteDoc), id: row.id }));
      this.assets = assets.rows.map((row) => ({ ...(row.doc as unknown as AssetDoc), id: row.id }));
      this.error = undefined;
    } catch (error) {
      if (request === this.#request) this.error = error instanceof Error ? error.message : String(error);
    }
    this.#host.requestUpdate();
  }

  /** The title of a site (never its id on screen). */
  siteTitle(id: string): string {
    return this.sites?.find((site) => site.id === id)?.title ?? 'Unknown site';
  }

  /** The asset tree of one site. */
  tree(site: string): AssetTree<AdminAsset> {
    return assetTree((this.assets ?? []).filter((asset) => asset.site === site));
  }

  /** An id not used yet: `base`, else `base-2`, `base-3`, … */
  #freeId(base: string): string {
    let id = base;
    for (let n = 2; this.#stored.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  /** Writes `doc` under `id`; a new one only if nothing is there yet (another admin may have just made it). */
  async #write(id: string, doc: Doc, isNew: boolean): Promise<void> {
    const storage = this.#storage();
    if (!storage) throw new Error('Not connected to the server: sign in, then try again.');
    if (isNew && storage.bulkDocs) {
      const [result] = await storage.bulkDocs([{ id, doc, expect: null }]);
      if (result && !result.ok) throw new Error(result.message);
    } else await storage.put(id, doc);
    await this.reload();
  }

  /** The site document the form describes, over the stored one (other keys kept). */
  siteDoc(id: string | undefined, fields: SiteFields): Doc {
    const doc: Doc = { ...(id ? this.#stored.get(id) : undefined), type: 'site', title: fields.title.trim() };
    setOrDelete(doc, 'kind', fields.kind);
    setOrDelete(doc, 'location', locationOf(fields));
    setOrDelete(doc, 'timezone', fields.timezone.trim());
    setOrDelete(doc, 'description', fields.description.trim());
    const retention = (fields.retentionDays ?? '').trim();
    setOrDelete(doc, 'retention_days', retention === '' ? undefined : Number(retention));
    return doc;
  }

  /** Saves a site (id undefined: a new one, its id made from the title); resolves with its id. Rejects with the model's reason. */
  async saveSite(id: string | undefined, fields: SiteFields): Promise<string> {
    const base = id ?? siteIdFor(fields.title);
    if (!base) throw new Error('The title needs a letter or a digit.');
    const target = id ?? this.#freeId(base);
    const doc = this.siteDoc(id, fields);
    const problem = siteProblem(doc, target);
    if (problem) throw new Error(problem);
    await this.#write(target, doc, id === undefined);
    return target;
  }

  /** The asset document the form describes, over the stored one (other keys kept). */
  assetDoc(id: string | undefined, fields: AssetFields): Doc {
    const doc: Doc = { ...(id ? this.#stored.get(id) : undefined), type: 'asset', site: fields.site, title: fields.title.trim(), asset_type: fields.asset_type.trim() };
    for (const key of ['parent', 'make', 'model', 'serial', 'commissioned'] as const) setOrDelete(doc, key, fields[key].trim());
    setOrDelete(doc, 'location', locationOf(fields));
    return doc;
  }

  /** Saves an asset (id undefined: a new one); resolves with its id. Rejects with the model's reason. */
  async saveAsset(id: string | undefined, fields: AssetFields): Promise<string> {
    const base = id ?? assetIdFor(fields.site, fields.title);
    if (!base) throw new Error('The title needs a letter or a digit.');
    const target = id ?? this.#freeId(base);
    const doc = this.assetDoc(id, fields);
    const problem = assetProblem(doc, target) ?? assetParentProblem(target, doc as unknown as AssetDoc, (other) => this.#stored.get(other));
    if (problem) throw new Error(problem);
    await this.#write(target, doc, id === undefined);
    return target;
  }

  hostDisconnected(): void {
    // Nothing held: the context consumer and the live controller release themselves.
  }
}
