/**
 * Assets (`asset/<site-slug>/<slug>`): a turbine, its gearbox, the gearbox's main bearing. An
 * asset belongs to one site; its parent, if any, is another asset of the same site.
 */
import { MAX_TEXT, dateProblem, firstProblem, flagProblem, isObject, locationProblem, locationSchema, optionalTextProblem, slugify, textProblem } from './checks';
import type { Location } from './site';
import { siteSlug } from './site';

/** Asset types the app knows by name (free text is allowed too: `asset_type` is any string). */
export const knownAssetTypes = ['turbine', 'gearbox', 'main_bearing', 'generator', 'rotor', 'blade', 'inverter', 'string', 'transformer', 'met_mast', 'vehicle', 'pump', 'other'] as const;

/** An asset as stored. */
export interface AssetDoc {
  type: 'asset';
  site: string;
  title: string;
  asset_type: string;
  make?: string;
  model?: string;
  serial?: string;
  location?: Location;
  /** Commissioning date, YYYY-MM-DD. */
  commissioned?: string;
  /** The asset this one is part of (same site). */
  parent?: string;
  simulated?: true;
}

/** JSON Schema of an asset document (other keys allowed). */
export const assetSchema = {
  type: 'object',
  required: ['type', 'site', 'title', 'asset_type'],
  properties: {
    type: { const: 'asset' },
    site: { type: 'string', minLength: 1, maxLength: 1000 },
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    asset_type: { type: 'string', minLength: 1, maxLength: 100 },
    make: { type: 'string', maxLength: MAX_TEXT },
    model: { type: 'string', maxLength: MAX_TEXT },
    serial: { type: 'string', maxLength: MAX_TEXT },
    location: locationSchema,
    commissioned: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    parent: { type: 'string', minLength: 1, maxLength: 1000 },
    simulated: { const: true },
  },
} as const;

/** The id a new asset of `site` titled `title` gets (undefined: the title has no letter or digit). */
export function assetIdFor(site: string, title: string): string | undefined {
  const slug = slugify(title);
  return slug ? `asset/${siteSlug(site)}/${slug}` : undefined;
}

/** Optional free-text fields: absent, or a string (empty allowed: a form clears a field that way). */
function optionalField(name: string, value: unknown): string | undefined {
  return value === undefined || value === '' ? undefined : optionalTextProblem(name, value);
}

/**
 * Why `doc` is not an asset document on its own (undefined: it is). What it points at (its site,
 * its parent) is checked against the stored documents by `assetParentProblem`; `id` given, an
 * asset may not be its own parent.
 */
export function assetProblem(doc: unknown, id?: string): string | undefined {
  if (!isObject(doc)) return 'an asset must be an object';
  if (doc.type !== 'asset') return 'an asset has type "asset"';
  return firstProblem(
    textProblem('site', doc.site, 1000),
    textProblem('title', doc.title),
    textProblem('asset_type', doc.asset_type, 100),
    optionalField('make', doc.make),
    optionalField('model', doc.model),
    optionalField('serial', doc.serial),
    doc.location === undefined ? undefined : locationProblem('location', doc.location, false),
    doc.commissioned === undefined || doc.commissioned === '' ? undefined : dateProblem('commissioned', doc.commissioned),
    doc.parent === undefined ? undefined : textProblem('parent', doc.parent, 1000),
    id !== undefined && doc.parent === id ? 'an asset cannot be its own parent' : undefined,
    flagProblem('simulated', doc.simulated),
  );
}

/** Deepest asset tree accepted (turbine → gearbox → bearing is 3): bounds every walk up a tree. */
export const MAX_ASSET_DEPTH = 32;

/**
 * Why the parent of asset `id` (the document `doc`, already valid by assetProblem) is wrong, given
 * `lookup` (id → the document stored there now, undefined: none): it must be an asset of the same
 * site, and `id` must not be among its ancestors (a cycle). Walks at most MAX_ASSET_DEPTH levels.
 * Says the same for a missing parent and one of another site, so it tells nothing of other sites.
 */
export function assetParentProblem(id: string, doc: AssetDoc, lookup: (id: string) => unknown): string | undefined {
  if (doc.parent === undefined) return undefined;
  const seen = new Set<string>([id]);
  let current: string | undefined = doc.parent;
  for (let depth = 0; current !== undefined; depth++) {
    if (seen.has(current)) return `parent ${JSON.stringify(doc.parent)} would make a cycle: ${JSON.stringify(id)} is among its ancestors`;
    if (depth >= MAX_ASSET_DEPTH) return `the asset tree would be deeper than ${MAX_ASSET_DEPTH} levels`;
    seen.add(current);
    const ancestor = lookup(current);
    if (!isObject(ancestor) || ancestor.type !== 'asset' || ancestor.site !== doc.site) {
      // Only the direct parent must exist; an ancestor further up that is gone ends the walk
      // (it was removed after its children were written; the tree shows them as roots).
      if (depth === 0) return `parent ${JSON.stringify(doc.parent)} is not an asset of site ${JSON.stringify(doc.site)}`;
      return undefined;
    }
    current = typeof ancestor.parent === 'string' ? ancestor.parent : undefined;
  }
  return undefined;
}
