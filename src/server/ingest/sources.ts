/**
 * Data sources: registered producers (a fluentd tag, an MQTT topic) bound to an asset and site,
 * with their credentials — a bearer token (only its hash is stored) and a shared key for the
 * forward protocol's handshake — and the units of their fields.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqlDriver } from '../store/sql/driver';
import { HttpError } from '../errors';
import { idProblem } from '../../storage/backend';

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
  };
}

export class Sources {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /** Registers a source; returns it with its token and shared key (shown only now). */
  async create(input: { tag: string; asset?: string; site?: string; units?: Record<string, string> }): Promise<Source & { token: string; shared_key: string }> {
    // Tags are keys and the site becomes the site of every channel document (an indexed key):
    // the id rules apply, or PostgreSQL refuses them later (NUL, lone surrogates, length).
    for (const [field, value] of [['tag', input.tag], ['asset', input.asset], ['site', input.site]] as const) {
      const problem = typeof value === 'string' ? idProblem(value) : undefined;
      if (problem !== undefined) throw new HttpError(400, 'bad_request', `${field} ${problem}`);
    }
    const token = randomBytes(24).toString('base64url');
    const sharedKey = randomBytes(24).toString('base64url');
    const source: Source = { id: `source/${randomUUID()}`, tag: input.tag, asset: input.asset ?? null, site: input.site ?? null, units: unitsFrom(input.units) };
    await this.#driver.transaction(async (query) => {
      const [taken] = await query('SELECT id FROM sources WHERE tag = ?', [input.tag]);
      if (taken) throw new HttpError(409, 'conflict', `a source with tag ${JSON.stringify(input.tag)} exists`);
      await query('INSERT INTO sources (id, tag, asset, site, token_hash, shared_key, units, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        source.id,
        source.tag,
        source.asset,
        source.site,
        hash(token),
        sharedKey,
        JSON.stringify(source.units),
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
