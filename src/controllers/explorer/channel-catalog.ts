/**
 * The explorer's channel catalog: every channel an engineer can put on a panel, with the titles of
 * its asset and site, from two places. Online, the server's channels (what the server lists for
 * this user, read from the server's arrays); always, this device's channel documents whose array
 * is pinned here (offline that is all there is). A channel listed by both is one entry that knows
 * both. Search and the asset tree (site → asset → parts → channels) are pure functions over it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { assetTree } from '../../core';
import { StorageError, type Doc, type Storage } from '../../storage';
import { serverStorageContext, storageContext } from '../contexts';
import { OnlineStatusController } from '../online-status-controller';

/** One channel of the catalog, with the titles it is shown and found by. */
export interface CatalogChannel {
  /** The channel document's id (`channel/<source>/<field>`). */
  id: string;
  title: string;
  unit: string;
  field: string;
  array: string;
  site: string;
  asset: string;
  siteTitle: string;
  assetTitle: string;
  /** Listed by the server (its array is read from there online). */
  onServer: boolean;
  /** Its array is pinned on this device (readable offline). */
  onDevice: boolean;
}

/** A site or asset of the catalog: a title and an id for the tree. */
export interface CatalogPlace {
  id: string;
  title: string;
  site: string;
  parent?: string | undefined;
}

/** The asset tree's node: an asset with its parts and the channels it measures itself. */
export interface CatalogAssetNode {
  asset: CatalogPlace;
  parts: CatalogAssetNode[];
  channels: CatalogChannel[];
}

/** A site of the tree: its root assets, and the channels bound to no known asset. */
export interface CatalogSiteNode {
  site: CatalogPlace;
  assets: CatalogAssetNode[];
  channels: CatalogChannel[];
}

/** What one storage lists: channel, site and asset documents, and (device) which arrays are here. */
export interface CatalogListing {
  channels: Array<{ id: string; doc: Doc }>;
  places: CatalogPlace[];
  /** Array ids present in this storage; undefined: every listed channel's array is (the server). */
  arrays?: ReadonlySet<string> | undefined;
}

/** The catalog: channels by title, and the sites and assets that name them. */
export interface Catalog {
  /** The channels that can be drawn now (listed by the server, or pinned here). */
  channels: CatalogChannel[];
  /**
   * Channels this device has the document of but not the array, and the server did not list
   * (offline, signed out): known by title, so a view naming one can say it is not on this device.
   */
  elsewhere: CatalogChannel[];
  places: ReadonlyMap<string, CatalogPlace>;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Merges the server's listing and the device's into one catalog, sorted by site, asset, then
 * channel title. Device channels whose array is not here go to `elsewhere` (they cannot be drawn
 * offline, and online the server lists them anyway). Titles fall back to "No site" / "No asset"
 * rather than an id, which a person would not recognise.
 */
export function buildCatalog(server: CatalogListing | undefined, device: CatalogListing | undefined): Catalog {
  const places = new Map<string, CatalogPlace>();
  for (const listing of [device, server]) for (const place of listing?.places ?? []) places.set(place.id, place);
  const channels = new Map<string, CatalogChannel>();
  const elsewhere = new Map<string, CatalogChannel>();
  const add = (listing: CatalogListing | undefined, onServer: boolean) => {
    for (const { id, doc } of listing?.channels ?? []) {
      const array = text(doc.array);
      if (!array) continue;
      const here = !listing!.arrays || listing!.arrays.has(array);
      const known = channels.get(id);
      if (!onServer && !here) {
        if (!known) elsewhere.set(id, entry(id, doc, array, false, false));
        continue;
      }
      if (known) {
        if (onServer) known.onServer = true;
        else known.onDevice = true;
        continue;
      }
      channels.set(id, entry(id, doc, array, onServer, !onServer));
    }
  };
  const entry = (id: string, doc: Doc, array: string, onServer: boolean, onDevice: boolean): CatalogChannel => {
    const site = text(doc.site);
    const asset = text(doc.asset);
    return {
      id,
      title: text(doc.title) || text(doc.field) || 'Untitled channel',
      unit: text(doc.unit),
      field: text(doc.field),
      array,
      site,
      asset,
      siteTitle: places.get(site)?.title ?? 'No site',
      assetTitle: places.get(asset)?.title ?? 'No asset',
      onServer,
      onDevice,
    };
  };
  add(server, true);
  add(device, false);
  const sorted = [...channels.values()].sort((a, b) => a.siteTitle.localeCompare(b.siteTitle) || a.assetTitle.localeCompare(b.assetTitle) || a.title.localeCompare(b.title) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { channels: sorted, elsewhere: [...elsewhere.values()], places };
}

/** The words of a search, lower-cased (at most 16: a pasted paragraph stays cheap). */
function words(search: string): string[] {
  return search.toLowerCase().split(/\s+/).filter((word) => word !== '').slice(0, 16);
}

/**
 * The channels matching a search: every word must occur (case-insensitive) in the channel's
 * title, unit, field, asset title or site title — "t01 power" finds Turbine T01's power. The
 * channels whose own title or field holds more of the words come first ("t01 wind speed" puts
 * Wind speed before Rotor speed, which matches "wind" only by its site, North Sea Wind); otherwise
 * the catalog's order stays. An empty search matches everything.
 */
export function searchCatalog(channels: readonly CatalogChannel[], search: string): CatalogChannel[] {
  const wanted = words(search);
  if (wanted.length === 0) return [...channels];
  const matches: Array<{ channel: CatalogChannel; score: number; index: number }> = [];
  channels.forEach((channel, index) => {
    const haystack = `${channel.title}\n${channel.unit}\n${channel.field}\n${channel.assetTitle}\n${channel.siteTitle}`.toLowerCase();
    if (!wanted.every((word) => haystack.includes(word))) return;
    const own = `${channel.title}\n${channel.field}`.toLowerCase();
    matches.push({ channel, score: wanted.filter((word) => own.includes(word)).length, index });
  });
  return matches.sort((a, b) => b.score - a.score || a.index - b.index).map((match) => match.channel);
}

/**
 * The asset tree of some channels: sites by title → root assets → parts (turbine → gearbox →
 * main bearing) → the channels each measures. Only branches that lead to a channel are kept, so
 * a search's tree shows just the way to its matches. Assets whose document is missing, and
 * channels of no known asset, sit at their site's level.
 */
export function catalogTree(catalog: Catalog, channels: readonly CatalogChannel[] = catalog.channels): CatalogSiteNode[] {
  const bySite = new Map<string, CatalogChannel[]>();
  for (const channel of channels) {
    const list = bySite.get(channel.site);
    if (list) list.push(channel);
    else bySite.set(channel.site, [channel]);
  }
  const sites: CatalogSiteNode[] = [];
  for (const [siteId, siteChannels] of bySite) {
    const site = catalog.places.get(siteId) ?? { id: siteId, title: 'No site', site: siteId };
    const siteAssets = [...catalog.places.values()].filter((place) => place.site === siteId && place.id !== siteId);
    const tree = assetTree(siteAssets);
    const byAsset = new Map<string, CatalogChannel[]>();
    const loose: CatalogChannel[] = [];
    for (const channel of siteChannels) {
      if (!tree.get(channel.asset)) {
        loose.push(channel);
        continue;
      }
      const list = byAsset.get(channel.asset);
      if (list) list.push(channel);
      else byAsset.set(channel.asset, [channel]);
    }
    const node = (asset: CatalogPlace): CatalogAssetNode | undefined => {
      const parts = tree.children(asset.id).map(node).filter((part): part is CatalogAssetNode => part !== undefined);
      const own = byAsset.get(asset.id) ?? [];
      return parts.length === 0 && own.length === 0 ? undefined : { asset, parts, channels: own };
    };
    const assets = tree.children(undefined).map(node).filter((asset): asset is CatalogAssetNode => asset !== undefined);
    sites.push({ site, assets, channels: loose });
  }
  return sites.sort((a, b) => a.site.title.localeCompare(b.site.title) || (a.site.id < b.site.id ? -1 : 1));
}

/** Every channel below an asset node (its own, then its parts'), in tree order. */
export function channelsBelow(node: CatalogAssetNode): CatalogChannel[] {
  return [...node.channels, ...node.parts.flatMap(channelsBelow)];
}

const placeOf = (id: string, doc: Doc | undefined): CatalogPlace | undefined =>
  doc && typeof doc.title === 'string' ? { id, title: doc.title, site: doc.type === 'site' ? id : text(doc.site), parent: typeof doc.parent === 'string' ? doc.parent : undefined } : undefined;

/**
 * Lists a storage's channels, sites and assets (and, with `pinnedOnly`, the arrays present in it).
 * Sites and assets only give titles: when their listing fails the channels still come, with
 * fallback titles. Rejects when the channel listing fails (StorageError: unauthorized, unavailable).
 */
export async function listCatalog(storage: Storage, options: { pinnedOnly: boolean }): Promise<CatalogListing> {
  const [channels, sites, assets, arrays] = await Promise.all([
    storage.allDocs({ query: 'type:channel', include_docs: true }),
    storage.allDocs({ query: 'type:site', include_docs: true }).catch(() => undefined),
    storage.allDocs({ query: 'type:asset', include_docs: true }).catch(() => undefined),
    options.pinnedOnly ? storage.allDocs({ query: 'kind:"fl-channel-array"' }) : undefined,
  ]);
  const places: CatalogPlace[] = [];
  for (const row of [...(sites?.rows ?? []), ...(assets?.rows ?? [])]) {
    const place = placeOf(row.id, row.doc);
    if (place) places.push(place);
  }
  return {
    channels: channels.rows.filter((row) => row.doc !== undefined).map((row) => ({ id: row.id, doc: row.doc! })),
    places,
    arrays: arrays ? new Set(arrays.rows.map((row) => row.id)) : undefined,
  };
}

/** How the server's part of the catalog stands. */
export type ServerCatalogState = 'none' | 'loading' | 'loaded' | 'offline' | 'signed_out' | 'unreachable' | 'error';

/**
 * The catalog for a gadget: lists the device's pinned channels and, online, the server's; lists
 * again when the storages change, when the browser goes on/offline and after a sync or pin
 * (`fl-data-changed`). `storageFor(channel)` says where a channel's array is read now: the
 * server's while online and listed there, else this device's copy, else undefined (not here).
 */
export class ChannelCatalogController implements ReactiveController {
  catalog: Catalog = { channels: [], elsewhere: [], places: new Map() };
  /** False until the first listing finished (either side). */
  loaded = false;
  server: ServerCatalogState = 'none';
  error: string | undefined;
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #serverStorage: ContextConsumer<typeof serverStorageContext, ReactiveControllerHost & HTMLElement>;
  readonly #online: OnlineStatusController;
  #request = 0;
  #wasOnline: boolean;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true, callback: () => void this.reload() });
    this.#serverStorage = new ContextConsumer(host, { context: serverStorageContext, subscribe: true, callback: () => void this.reload() });
    this.#online = new OnlineStatusController(host);
    this.#wasOnline = this.#online.online;
    host.addController(this);
  }

  /** Whether the browser is online now (series read the server's arrays then). */
  get online(): boolean {
    return this.#online.online;
  }

  /** Where a channel's array is read now; undefined when it is neither reachable nor on this device. */
  storageFor(channel: CatalogChannel | undefined): Storage | undefined {
    if (!channel) return undefined;
    const server = this.#serverStorage.value;
    if (this.online && server && channel.onServer && this.server === 'loaded') return server;
    if (channel.onDevice) return this.#storage.value;
    return undefined;
  }

  /** The catalog entry of a channel id (also of one known here only by its document: `onDevice` and `onServer` false). */
  get(id: string): CatalogChannel | undefined {
    return this.#byId.get(id);
  }

  #byId = new Map<string, CatalogChannel>();

  readonly #onDataChanged = (): void => void this.reload();

  /** Lists both sides again (the latest call wins). */
  async reload(): Promise<void> {
    const request = ++this.#request;
    const storage = this.#storage.value;
    const server = this.#serverStorage.value;
    const online = this.#online.online;
    if (server && online && this.server !== 'loaded') this.server = 'loading';
    const [device, remote] = await Promise.all([
      storage ? listCatalog(storage, { pinnedOnly: true }).catch((error: unknown) => error) : undefined,
      server && online ? listCatalog(server, { pinnedOnly: false }).catch((error: unknown) => error) : undefined,
    ]);
    if (request !== this.#request) return;
    const failed = (value: unknown): value is Error => value instanceof Error;
    if (!server) this.server = 'none';
    else if (!online) this.server = 'offline';
    else if (failed(remote)) this.server = remote instanceof StorageError && remote.code === 'unauthorized' ? 'signed_out' : remote instanceof StorageError && remote.code === 'unavailable' ? 'unreachable' : 'error';
    else this.server = 'loaded';
    this.error = failed(device) ? device.message : failed(remote) && this.server === 'error' ? remote.message : undefined;
    this.catalog = buildCatalog(failed(remote) ? undefined : (remote as CatalogListing | undefined), failed(device) ? undefined : (device as CatalogListing | undefined));
    this.#byId = new Map([...this.catalog.elsewhere, ...this.catalog.channels].map((channel) => [channel.id, channel]));
    this.loaded = true;
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    window.addEventListener('fl-data-changed', this.#onDataChanged);
    void this.reload();
  }

  hostUpdate(): void {
    // On/offline changed (OnlineStatusController re-rendered the host): the server side comes or goes.
    if (this.#online.online !== this.#wasOnline) {
      this.#wasOnline = this.#online.online;
      void this.reload();
    }
  }

  hostDisconnected(): void {
    window.removeEventListener('fl-data-changed', this.#onDataChanged);
    this.#request++;
  }
}
