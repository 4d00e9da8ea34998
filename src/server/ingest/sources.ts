/**
 * Data sources: registered producers (a fluentd tag, an MQTT topic) bound to an asset and site,
 * with their credentials — a bearer token (only its hash is stored) and a shared key for the
 * forward protocol's handshake — and the units of their fields.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqlDriver } from '../store/sql/driver';
import { HttpError } from '../errors';
import { idProblem } from '../../storage/backend';
import { retentionProblem } from '../../core';

export interface Source {
  id: string;
  tag: string;
  asset: string | null;
  site: string | null;
  /**
   * Units by field name, e.g. {temp: "°C"}: an object without prototype (field names are input:
   * `constructor` or `__proto__` must find nothing or their own unit). Read it with `unitOf`.
   */
  units: Readonly<Record<string, string>>;
  /**
   * Channel metadata by field name (an object without prototype, like `units`): what the channel
   * document ingest announces for the field carries. Read it with `fieldInfoOf`.
   */
  fields: Readonly<Record<string, FieldInfo>>;
}

/**
 * What a source says about one of its fields: the channel's title, unit, expected rate, normal
 * range, and whether the server scores it for anomalies (alarms.md §3).
 */
export interface FieldInfo {
  title?: string;
  unit?: string;
  /** Expected samples per second. */
  rate?: number;
  normal?: { min?: number; max?: number };
  /** true: the anomaly runner keeps a derived channel `<channel>/anomaly` for it. */
  anomaly?: boolean;
  /** Days the channel's raw samples are kept (overrides its site's; summaries stay). */
  retention_days?: number;
}

/** The channel metadata a source gives a field, if any (own keys only). */
export function fieldInfoOf(source: Source, field: string): FieldInfo | undefined {
  return Object.hasOwn(source.fields, field) ? source.fields[field] : undefined;
}

/** Why `value` is not channel metadata by field (undefined: it is). */
export function fieldsProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'fields must be an object of field name → {title?, unit?, rate?, normal?, anomaly?, retention_days?}';
  for (const [field, info] of Object.entries(value)) {
    const where = `fields[${JSON.stringify(field.slice(0, 100))}]`;
    if (typeof info !== 'object' || info === null || Array.isArray(info)) return `${where} must be an object {title?, unit?, rate?, normal?, anomaly?, retention_days?}`;
    const { title, unit, rate, normal, anomaly, retention_days: retention, ...rest } = info as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return `${where} has unknown keys ${Object.keys(rest).map((key) => JSON.stringify(key)).join(', ')}`;
    if (title !== undefined && (typeof title !== 'string' || title.length > 500)) return `${where}.title must be a string of at most 500 characters`;
    if (unit !== undefined && (typeof unit !== 'string' || unit.length > 100)) return `${where}.unit must be a string of at most 100 characters`;
    if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)) return `${where}.rate must be a positive number (samples per second)`;
    if (anomaly !== undefined && typeof anomaly !== 'boolean') return `${where}.anomaly must be true or false`;
    const retentionWrong = retention === undefined ? undefined : retentionProblem(`${where}.retention_days`, retention);
    if (retentionWrong !== undefined) return retentionWrong;
    if (normal !== undefined) {
      if (typeof normal !== 'object' || normal === null || Array.isArray(normal)) return `${where}.normal must be {min?, max?}`;
      const { min, max, ...other } = normal as Record<string, unknown>;
      if (Object.keys(other).length > 0 || [min, max].some((bound) => bound !== undefined && !(typeof bound === 'number' && Number.isFinite(bound)))) return `${where}.normal must be {min?, max?} with finite numbers`;
      if (typeof min === 'number' && typeof max === 'number' && min > max) return `${where}.normal.min must not exceed normal.max`;
    }
  }
  return undefined;
}

/** Channel metadata keyed by field name in an object without prototype, keeping only well-formed entries. */
export function fieldsFrom(value: unknown): Record<string, FieldInfo> {
  const fields = Object.create(null) as Record<string, FieldInfo>;
  if (typeof value !== 'object' || value === null) return fields;
  for (const [field, info] of Object.entries(value)) {
    if (fieldsProblem({ [field]: info }) !== undefined) continue;
    const { title, unit, rate, normal, anomaly, retention_days: retention } = info as FieldInfo;
    fields[field] = {
      ...(title === undefined ? {} : { title }),
      ...(unit === undefined ? {} : { unit }),
      ...(rate === undefined ? {} : { rate }),
      ...(normal === undefined ? {} : { normal: { ...(normal.min === undefined ? {} : { min: normal.min }), ...(normal.max === undefined ? {} : { max: normal.max }) } }),
      ...(anomaly === undefined ? {} : { anomaly }),
      ...(retention === undefined ? {} : { retention_days: retention }),
    };
  }
  return fields;
}

/** Units keyed by field name in an object without prototype, keeping only string values. */
function unitsFrom(value: unknown): Record<string, string> {
  const units = Object.create(null) as Record<string, string>;
  if (typeof value !== 'object' || value === null) return units;
  // Object.entries lists an own "__proto__" (JSON.parse makes one); on this object it stays a key.
  for (const [field, unit] of Object.entries(value)) if (typeof unit === 'string') units[field] = unit;
  return units;
}

/** The unit a source gives a field, if any (own keys only: never Object.prototype's members). */
export function unitOf(source: Source, field: string): string | undefined {
  return Object.hasOwn(source.units, field) ? source.units[field] : undefined;
}

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

function toSource(row: Record<string, unknown>): Source {
  return {
    id: String(row.id),
    tag: String(row.tag),
    asset: (row.asset as string | null) ?? null,
    site: (row.site as string | null) ?? null,
    units: unitsFrom(JSON.parse(String(row.units))),
    fields: fieldsFrom(JSON.parse(String(row.fields ?? '{}'))),
  };
}

export class Sources {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /** Registers a source; returns it with its token and shared key (shown only now). */
  async create(input: { tag: string; asset?: string; site?: string; units?: Record<string, string>; fields?: Record<string, FieldInfo> }): Promise<Source & { token: string; shared_key: string }> {
    // Tags are keys and the site becomes the site of every channel document (an indexed key):
    // the id rules apply, or PostgreSQL refuses them later (NUL, lone surrogates, length).
    for (const [field, value] of [['tag', input.tag], ['asset', input.asset], ['site', input.site]] as const) {
      const problem = typeof value === 'string' ? idProblem(value) : undefined;
      if (problem !== undefined) throw new HttpError(400, 'bad_request', `${field} ${problem}`);
    }
    const fieldsWrong = fieldsProblem(input.fields);
    if (fieldsWrong !== undefined) throw new HttpError(400, 'bad_request', fieldsWrong);
    const token = randomBytes(24).toString('base64url');
    const sharedKey = randomBytes(24).toString('base64url');
    const source: Source = { id: `source/${randomUUID()}`, tag: input.tag, asset: input.asset ?? null, site: input.site ?? null, units: unitsFrom(input.units), fields: fieldsFrom(input.fields) };
    await this.#driver.transaction(async (query) => {
      const [taken] = await query('SELECT id FROM sources WHERE tag = ?', [input.tag]);
      if (taken) throw new HttpError(409, 'conflict', `a source with tag ${JSON.stringify(input.tag)} exists`);
      await query('INSERT INTO sources (id, tag, asset, site, token_hash, shared_key, units, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        source.id,
        source.tag,
        source.asset,
        source.site,
        hash(token),
        sharedKey,
        JSON.stringify(source.units),
        JSON.stringify(source.fields),
        Date.now(),
      ]);
    });
    return { ...source, token, shared_key: sharedKey };
  }

  async get(id: string): Promise<Source | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT * FROM sources WHERE id = ?', [id]));
    return row ? toSource(row) : undefined;
  }

  async byTag(tag: string): Promise<Source | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT * FROM sources WHERE tag = ?', [tag]));
    return row ? toSource(row) : undefined;
  }

  /** The source a token belongs to, if any. */
  async byToken(token: string): Promise<Source | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT * FROM sources WHERE token_hash = ?', [hash(token)]));
    return row ? toSource(row) : undefined;
  }

  /** Every source with its shared key (the forward handshake finds the one a digest matches). */
  async withSharedKeys(): Promise<Array<{ source: Source; sharedKey: string }>> {
    const rows = await this.#driver.transaction((query) => query('SELECT * FROM sources ORDER BY id'));
    return rows.map((row) => ({ source: toSource(row), sharedKey: String(row.shared_key) }));
  }

  /** Every source, by tag, with its events stored and late events waiting for a rebuild. */
  async list(): Promise<Array<Source & { events_stored: number; late_pending: number }>> {
    const rows = await this.#driver.transaction((query) =>
      query(
        'SELECT s.*, COALESCE(i.events, 0) AS events, COALESCE(i.late, 0) AS late FROM sources s LEFT JOIN (SELECT source, SUM(count) AS events, SUM(late) AS late FROM ingestions GROUP BY source) i ON i.source = s.id ORDER BY s.tag',
      ),
    );
    return rows.map((row) => ({ ...toSource(row), events_stored: Number(row.events), late_pending: Number(row.late) }));
  }

  /** Events committed so far for a source (the sum over its accepted batches). */
  async eventsStored(id: string): Promise<number> {
    const [row] = await this.#driver.transaction((query) => query('SELECT COALESCE(SUM(count), 0) AS total FROM ingestions WHERE source = ?', [id]));
    return Number(row?.total ?? 0);
  }
}
