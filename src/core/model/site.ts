/** Sites (`site/<slug>`): a wind farm, a solar plant, a fleet. A site document belongs to itself. */
import { MAX_LONG_TEXT, MAX_RETENTION_DAYS, firstProblem, flagProblem, isObject, locationProblem, locationSchema, optionalTextProblem, retentionProblem, slugify, textProblem, MAX_TEXT } from './checks';

/** What kind of place a site is; the order is the order of the choices in a form. */
export const siteKinds = ['wind_farm', 'solar_plant', 'fleet', 'other'] as const;

export type SiteKind = (typeof siteKinds)[number];

/** A location on a map or by name. */
export interface Location {
  label?: string;
  lat?: number;
  lon?: number;
}

/** A site as stored. `kind` is optional on read: sites written before the model have none (read as 'other'). */
export interface SiteDoc {
  type: 'site';
  title: string;
  kind?: SiteKind;
  location?: Location & { label: string };
  /** IANA time zone, e.g. "Europe/Berlin". */
  timezone?: string;
  description?: string;
  /** Written by the simulated fleet: the UI marks it. */
  simulated?: true;
  /** Days the raw samples of its channels and the raw streams of its sources are kept (summaries stay). */
  retention_days?: number;
}

/** JSON Schema of a site document (other keys allowed: documents carry more than the model). */
export const siteSchema = {
  type: 'object',
  required: ['type', 'title'],
  properties: {
    type: { const: 'site' },
    title: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    kind: { type: 'string', enum: siteKinds },
    location: { ...locationSchema, required: ['label'] },
    timezone: { type: 'string', minLength: 1, maxLength: 100 },
    description: { type: 'string', maxLength: MAX_LONG_TEXT },
    simulated: { const: true },
    retention_days: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS },
  },
} as const;

/** The id of the site with this slug. */
export function siteId(slug: string): string {
  return `site/${slug}`;
}

/** The id a new site titled `title` gets (undefined: the title has no letter or digit to make one). */
export function siteIdFor(title: string): string | undefined {
  const slug = slugify(title);
  return slug ? siteId(slug) : undefined;
}

/** The slug of a site id ("site/north" → "north"; another id is its own slug). */
export function siteSlug(id: string): string {
  return id.startsWith('site/') ? id.slice(5) : id;
}

const isZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * Why `doc` is not a site document (undefined: it is). `id` given: a `site` field, if any, must
 * be the id itself (a site belongs to itself; access rules read the field first).
 */
export function siteProblem(doc: unknown, id?: string): string | undefined {
  if (!isObject(doc)) return 'a site must be an object';
  if (doc.type !== 'site') return 'a site has type "site"';
  return firstProblem(
    textProblem('title', doc.title),
    doc.kind === undefined || siteKinds.includes(doc.kind as SiteKind) ? undefined : `kind must be one of ${siteKinds.join(', ')}`,
    doc.location === undefined ? undefined : locationProblem('location', doc.location, true),
    doc.timezone === undefined ? undefined : typeof doc.timezone === 'string' && doc.timezone.length <= 100 && isZone(doc.timezone) ? undefined : 'timezone must be an IANA time zone such as "Europe/Berlin"',
    optionalTextProblem('description', doc.description === '' ? undefined : doc.description, MAX_LONG_TEXT),
    flagProblem('simulated', doc.simulated),
    doc.retention_days === undefined ? undefined : retentionProblem('retention_days', doc.retention_days),
    id !== undefined && doc.site !== undefined && doc.site !== id ? `a site belongs to itself: its site field, if any, must be ${JSON.stringify(id)}` : undefined,
  );
}

/** The kind of a stored site, 'other' when it has none (written before the model). */
export function siteKindOf(doc: { kind?: unknown }): SiteKind {
  return siteKinds.includes(doc.kind as SiteKind) ? (doc.kind as SiteKind) : 'other';
}
