/**
 * Rebinding a data source to another asset or site (PATCH /api/sources/:id). The source's row
 * changes first, then what its data already made follows: its channel documents
 * (`channel/<source id>/…`, site and asset) and its arrays' metadata (`array/<source id>/…`,
 * site), so history moves with the source and a technician of the new site sees it. The row goes
 * first so that a PATCH cut half way is finished by sending it again (the documents are always
 * moved to the row's binding). Document writes are conditional on the version read; an append
 * landing in between makes them retry (and ingestion, whose cached array then conflicts, re-reads
 * it), so no sample is lost.
 */
import { docHash } from '../../core';
import type { Store } from '../store/store';
import { StorageError, type Doc, type DocWrite } from '../../storage/backend';
import { HttpError } from '../errors';
import type { Source, Sources } from './sources';

/** What PATCH /api/sources/:id changes: null unbinds. */
export interface SourceBinding {
  asset?: string | null;
  site?: string | null;
}

/** How many documents followed the source. */
export interface BindingMoved {
  channels: number;
  arrays: number;
}

const MOVE_ATTEMPTS = 5;

/** The live documents whose id starts with `prefix` (one statement; admin-only, rare). */
async function documentsUnder(store: Store, prefix: string): Promise<Array<{ id: string; doc: Doc }>> {
  const rows = await store.driver.transaction((query) => query('SELECT id, doc FROM documents WHERE substr(id, 1, ?) = ? AND deleted = ?', [prefix.length, prefix, false]));
  return rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Doc }));
}

/**
 * The binding a source gets from `changes` over its current one, checked against the stored
 * documents: a site must be a site document; an asset must be an asset document of the final
 * site (given only an asset, the site becomes the asset's). 400 naming what is wrong.
 */
async function finalBinding(store: Store, source: Source, changes: SourceBinding): Promise<{ asset: string | null; site: string | null }> {
  const read = async (id: string): Promise<Doc | undefined> => {
    try {
      return await store.documents.get(id);
    } catch (error) {
      if (error instanceof StorageError && error.status === 404) return undefined;
      throw error;
    }
  };
  const asset = changes.asset === undefined ? source.asset : changes.asset;
  let site = changes.site === undefined ? source.site : changes.site;
  if (asset !== null) {
    const doc = await read(asset);
    if (!doc || doc.type !== 'asset' || typeof doc.site !== 'string') throw new HttpError(400, 'bad_request', `asset ${JSON.stringify(asset)} is not an asset document`);
    if (changes.site === undefined && changes.asset !== undefined) site = doc.site;
    else if (doc.site !== site) {
      throw new HttpError(400, 'bad_request', `asset ${JSON.stringify(asset)} belongs to site ${JSON.stringify(doc.site)}, not ${JSON.stringify(site)}: give an asset of that site too (or asset: null)`);
    }
  }
  if (site !== null) {
    const doc = await read(site);
    if (!doc || doc.type !== 'site') throw new HttpError(400, 'bad_request', `site ${JSON.stringify(site)} is not a site document`);
  }
  return { asset, site };
}

/** Moves the source's channel and array documents to its binding; how many moved. */
async function moveDocuments(store: Store, source: Source): Promise<BindingMoved> {
  for (let attempt = 1; ; attempt++) {
    const writes: DocWrite[] = [];
    const moved: BindingMoved = { channels: 0, arrays: 0 };
    // The document with the source's site (and, for a channel, asset); an unbound one has none.
    const bind = (doc: Doc, withAsset: boolean): Doc => {
      const next: Doc = { ...doc };
      delete next.site;
      if (source.site !== null) next.site = source.site;
      if (withAsset) {
        delete next.asset;
        if (source.asset !== null) next.asset = source.asset;
      }
      return next;
    };
    for (const { id, doc } of await documentsUnder(store, `channel/${source.id}/`)) {
      if (doc.site === (source.site ?? undefined) && doc.asset === (source.asset ?? undefined)) continue;
      writes.push({ id, doc: bind(doc, true), expect: docHash(doc) });
      moved.channels++;
    }
    for (const { id, doc } of await documentsUnder(store, `array/${source.id}/`)) {
      if (doc.site === (source.site ?? undefined)) continue;
      writes.push({ id, doc: bind(doc, false), expect: docHash(doc) });
      moved.arrays++;
    }
    if (writes.length === 0) return moved;
    const results = await store.documents.bulkDocs(writes);
    const failed = results.filter((result) => !result.ok);
    if (failed.length === 0) return moved;
    // Only a conflict (an append or an announcement in between) is worth another read.
    const other = failed.find((result) => !result.ok && result.status !== 409);
    if (other || attempt >= MOVE_ATTEMPTS) {
      const first = other ?? failed[0]!;
      throw new HttpError(503, 'unavailable', `the source is rebound, but its documents did not all follow (${first.ok ? '' : first.message}): send the same PATCH again`);
    }
  }
}

/** Rebinds source `id` (404 when unknown); resolves with the source as stored now and what moved. */
export async function rebindSource(store: Store, sources: Sources, id: string, changes: SourceBinding): Promise<{ source: Source; moved: BindingMoved }> {
  const source = await sources.get(id);
  if (!source) throw new HttpError(404, 'not_found', 'no such data source');
  const binding = await finalBinding(store, source, changes);
  await store.driver.transaction((query) => query('UPDATE sources SET asset = ?, site = ? WHERE id = ?', [binding.asset, binding.site, id]));
  const rebound = { ...source, ...binding };
  return { source: rebound, moved: await moveDocuments(store, rebound) };
}
