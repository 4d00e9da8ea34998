/**
 * Changing a data source's per-field channel metadata (PATCH /api/sources/:id {fields}): the
 * source's row takes the new metadata first (channels ingest announces from then on carry it),
 * then the channel documents its data already made (`channel/<source id>/<field>`) take it too:
 * every key the new metadata gives is set, a key it no longer gives is removed (the title falls
 * back to the field name, the unit to the source's unit of the field). That is how a channel
 * starts (or stops) being scored for anomalies after the fact (`anomaly: true`). The row goes
 * first so that a PATCH cut half way is finished by sending it again; document writes are
 * conditional on the version read and retried on a conflict (an append or a rebind in between).
 */
import { docHash } from '../../core';
import type { Store } from '../store/store';
import { StorageError, type Doc, type DocWrite } from '../../storage/backend';
import { HttpError } from '../errors';
import { fieldsFrom, fieldsProblem, unitOf, type FieldInfo, type Source, type Sources } from './sources';

const ATTEMPTS = 5;

/** The metadata keys a field's info puts on its channel document. */
const KEYS = ['title', 'unit', 'rate', 'normal', 'anomaly', 'retention_days'] as const;

/** The channel document `doc` with the metadata `info` of `field` applied (`before`: what the source said until now). */
function applied(source: Source, field: string, doc: Doc, info: FieldInfo | undefined, before: FieldInfo | undefined): Doc {
  const next = new Map<string, unknown>(Object.entries(doc));
  for (const key of KEYS) {
    const value = info?.[key];
    if (value !== undefined) next.set(key, typeof value === 'object' ? { ...value } : value);
    else if (before?.[key] !== undefined) {
      // The source stopped saying it: back to what ingest announces without it.
      if (key === 'title') next.set('title', field);
      else if (key === 'unit') next.set('unit', unitOf(source, field) ?? '');
      else next.delete(key);
    }
  }
  return Object.fromEntries(next) as Doc;
}

/** Reads a document; undefined when there is none. */
async function read(store: Store, id: string): Promise<Doc | undefined> {
  try {
    return await store.documents.get(id);
  } catch (error) {
    if (error instanceof StorageError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Replaces the per-field channel metadata of source `id` (404 when unknown, 400 naming what is
 * wrong) and writes it onto the channel documents of the fields it names or named; resolves with
 * the source as stored now and how many channel documents changed.
 */
export async function updateSourceFields(store: Store, sources: Sources, id: string, fields: unknown): Promise<{ source: Source; updated: number }> {
  const problem = fieldsProblem(fields);
  if (problem !== undefined) throw new HttpError(400, 'bad_request', problem);
  const source = await sources.get(id);
  if (!source) throw new HttpError(404, 'not_found', 'no such data source');
  const next = fieldsFrom(fields);
  await store.driver.transaction((query) => query('UPDATE sources SET fields = ? WHERE id = ?', [JSON.stringify(next), id]));
  const updatedSource: Source = { ...source, fields: next };
  const names = [...new Set([...Object.keys(source.fields), ...Object.keys(next)])];
  let updated = 0;
  for (let attempt = 1; ; attempt++) {
    const writes: DocWrite[] = [];
    for (const field of names) {
      const channel = `channel/${source.id}/${encodeURIComponent(field)}`;
      const doc = await read(store, channel);
      if (!doc) continue;
      const info = Object.hasOwn(next, field) ? next[field] : undefined;
      const before = Object.hasOwn(source.fields, field) ? source.fields[field] : undefined;
      const changed = applied(updatedSource, field, doc, info, before);
      if (docHash(changed) !== docHash(doc)) writes.push({ id: channel, doc: changed, expect: docHash(doc) });
    }
    if (writes.length === 0) return { source: updatedSource, updated };
    const results = await store.documents.bulkDocs(writes);
    const failed = results.filter((result) => !result.ok);
    updated += results.length - failed.length;
    if (failed.length === 0) return { source: updatedSource, updated };
    const other = failed.find((result) => !result.ok && result.status !== 409);
    if (other || attempt >= ATTEMPTS) {
      const first = other ?? failed[0]!;
      throw new HttpError(503, 'unavailable', `the source's fields are stored, but its channel documents did not all follow (${first.ok ? '' : first.message}): send the same PATCH again`);
    }
  }
}
