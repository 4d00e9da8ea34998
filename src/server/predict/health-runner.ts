/**
 * The server's health runner: keeps one `asset_health/<asset path>` document per asset, from what
 * is known of the asset and its parts (core/predict/health.ts weighs it): open alarm documents,
 * the highest score of their derived anomaly channels over the last 24 h (read from the arrays'
 * summaries, never their samples), prediction documents with their model's lead time, and the
 * asset's degradation document.
 *
 * This module decides when a health document is written: only when its score, level or
 * explanation differs from the stored one (a poll that changes nothing writes nothing), as a put
 * conditional on the stored document's hash, so two processes computing the same change write it
 * once (the second gets a 409 and reads again at its next pass). A health document whose asset
 * is gone is deleted. When: at start, every `pollMs` (HEALTH_POLL_MS), and `settleMs` after a
 * document that feeds the score changes (alarms, predictions, degradation, assets, models:
 * doc events of the live bus, a burst of them coalesced into one pass).
 */
import { ChannelArray, ArrayError } from '../../arrays';
import { ASSET_HEALTH_PREFIX, assetHealthId, assetTree, docHash, isShelved, type Alarm, type AssetHealthDoc, type Json } from '../../core';
import { assetHealth, type HealthAlarm, type HealthAnomaly, type HealthInput, type HealthRul } from '../../core/predict/health';
import { StorageError, type Doc } from '../../storage/backend';
import { PassLoop } from '../live/pass-loop';
import type { LiveEntry, LivePublisher } from '../live/publisher';
import type { Store } from '../store/store';

const DAY_MS = 86_400_000;
/** Document types whose change is worth a pass soon (the rest waits for the poll). */
const WAKING_TYPES = new Set(['alarm', 'prediction', 'degradation', 'asset', 'prediction_model']);
/** What the anomaly channel's title ends with (anomalyChannelDoc): dropped in the words. */
const ANOMALY_TITLE_SUFFIX = ' — anomaly score';

export interface HealthRunnerOptions {
  /** How often every asset is looked at without a document event (default 60 000 ms). */
  pollMs?: number;
  /** How long after a document event the pass starts, so a burst makes one pass (default 1000 ms). */
  settleMs?: number;
  /** Where document changes are heard. */
  live?: LivePublisher;
  /** The clock (tests move it); default Date.now. */
  now?: () => number;
  log?: { warn(object: unknown, message: string): void };
}

/** What one pass did. */
export interface HealthPass {
  /** Assets looked at. */
  assets: number;
  /** Ids of the health documents written (created or changed). */
  written: string[];
  /** Ids of health documents deleted (their asset is gone). */
  deleted: string[];
  /** Writes another process got in first with (read again next pass). */
  raced: number;
}

interface StoredRow {
  id: string;
  doc: Record<string, unknown>;
}

interface AssetInfo {
  id: string;
  site: string;
  parent?: string | undefined;
  title?: string | undefined;
}

/** What the pass gathered for one asset (its own and its parts'). */
interface Gathered {
  alarms: HealthAlarm[];
  anomaly?: HealthAnomaly;
  rul: HealthRul[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** A document change that can change an asset's health (its own writes change nothing it reads). */
function wakesHealth(entry: LiveEntry): boolean {
  if (entry.message.event !== 'doc') return false;
  const { type, id, deleted } = entry.message.data;
  if (id.startsWith(ASSET_HEALTH_PREFIX)) return false;
  if (type !== undefined && WAKING_TYPES.has(type)) return true;
  return deleted === true && (id.startsWith('asset/') || id.startsWith('alarm/') || id.startsWith('prediction/') || id.startsWith('degradation/'));
}

export class HealthRunner {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #loop: PassLoop;
  /** Anomaly arrays kept open between passes (refreshed each pass), by array id. */
  readonly #arrays = new Map<string, ChannelArray>();
  /** Counters for tests and status: documents written, races lost, passes. */
  readonly counters = { writes: 0, raced: 0, passes: 0 };

  constructor(store: Store, options: HealthRunnerOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#loop = new PassLoop({
      pollMs: options.pollMs ?? 60_000,
      settleMs: options.settleMs ?? 1000,
      live: options.live,
      wakes: wakesHealth,
      pass: async () => {
        await this.runOnce();
        return false;
      },
      onError: (error) => options.log?.warn({ err: error }, 'health runner: a pass failed; it runs again at the next poll'),
    });
  }

  /** Starts in the background: now, every pollMs, and settleMs after a relevant document change. */
  start(): void {
    this.#loop.start();
  }

  /** Stops; resolves once the pass in progress (if any) has finished. */
  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /**
   * One pass over every asset: computes its health and writes the document where score, level or
   * explanation changed. Rejects on a database failure (what was written before it stays: each
   * document is written on its own).
   */
  async runOnce(): Promise<HealthPass> {
    this.counters.passes++;
    const now = this.#now();
    const read = await this.#read();
    const assets: AssetInfo[] = [];
    for (const { id, doc } of read.assets) {
      if (doc.type !== 'asset' || typeof doc.site !== 'string') continue;
      assets.push({ id, site: doc.site, parent: typeof doc.parent === 'string' ? doc.parent : undefined, title: typeof doc.title === 'string' ? doc.title : undefined });
    }
    const tree = assetTree(assets);
    const gathered = new Map<string, Gathered>();
    for (const asset of assets) gathered.set(asset.id, { alarms: [], rul: [] });
    // Each fact counts for its asset and every asset above it (a bearing's alarm is its turbine's too).
    const upwards = (asset: unknown, add: (entry: Gathered, at: string) => void): void => {
      if (typeof asset !== 'string' || !gathered.has(asset)) return;
      add(gathered.get(asset)!, asset);
      for (const above of tree.ancestry(asset)) add(gathered.get(above.id)!, above.id);
    };

    for (const { id, doc } of read.alarms) {
      if (doc.type !== 'alarm' || doc.state === 'normal') continue;
      const alarm = doc as unknown as Alarm;
      const entry: HealthAlarm = {
        id,
        title: typeof alarm.rule_title === 'string' ? alarm.rule_title : typeof alarm.message === 'string' ? alarm.message : 'Alarm',
        severity: alarm.severity,
        state: alarm.state,
        shelved: isShelved(alarm, now),
        out_of_service: alarm.out_of_service !== undefined,
      };
      upwards(doc.asset, (target) => target.alarms.push(entry));
    }

    const leads = new Map<string, number>();
    for (const { id, doc } of read.models) {
      const lead = finite(doc.lead_days);
      if (doc.type === 'prediction_model' && lead !== undefined) leads.set(id, lead);
    }
    for (const { id, doc } of read.predictions) {
      if (doc.type !== 'prediction' || typeof doc.asset !== 'string') continue;
      const part = tree.get(doc.asset);
      // The lead the prediction carries (copied from its spec), else its spec's.
      const lead = finite(doc.lead_days) ?? (typeof doc.model === 'string' ? leads.get(doc.model) : undefined);
      upwards(doc.asset, (target, at) => {
        target.rul.push({
          id,
          ...(finite(doc.rul_days) === undefined ? {} : { rul_days: doc.rul_days as number }),
          ...(finite(doc.low_days) === undefined ? {} : { low_days: doc.low_days as number }),
          ...(finite(doc.high_days) === undefined ? {} : { high_days: doc.high_days as number }),
          ...(lead === undefined ? {} : { lead_days: lead }),
          ...(typeof doc.summary === 'string' ? { summary: doc.summary } : {}),
          // A part's prediction says whose it is.
          ...(at !== doc.asset && part?.title ? { title: part.title } : {}),
        });
      });
    }

    for (const { id, doc } of read.anomalyChannels) {
      const derived = doc.derived;
      if (doc.type !== 'channel' || !isObject(derived) || derived.kind !== 'anomaly' || typeof doc.array !== 'string') continue;
      const score = await this.#recentMax(doc.array, now);
      if (score === undefined) continue;
      const title = typeof doc.title === 'string' ? (doc.title.endsWith(ANOMALY_TITLE_SUFFIX) ? doc.title.slice(0, -ANOMALY_TITLE_SUFFIX.length) : doc.title) : id;
      upwards(doc.asset, (target) => {
        if (!target.anomaly || (target.anomaly.score ?? 0) < score) target.anomaly = { score, title, channel: id };
      });
    }

    const degradations = new Map<string, StoredRow>();
    for (const row of read.degradations) if (row.doc.type === 'degradation' && typeof row.doc.asset === 'string') degradations.set(row.doc.asset, row);
    const stored = new Map(read.health.map((row) => [row.id, row.doc]));

    const pass: HealthPass = { assets: assets.length, written: [], deleted: [], raced: 0 };
    for (const asset of assets) {
      const facts = gathered.get(asset.id)!;
      const degradation = degradations.get(asset.id);
      const input: HealthInput = {
        alarms: facts.alarms,
        ...(facts.anomaly ? { anomaly: facts.anomaly } : {}),
        ...(facts.rul.length > 0 ? { rul: facts.rul } : {}),
        ...(degradation
          ? {
              degradation: {
                id: degradation.id,
                ...(finite(degradation.doc.rate_pct_per_year) === undefined ? {} : { rate_pct_per_year: degradation.doc.rate_pct_per_year as number }),
                ...(finite(degradation.doc.ci_low) === undefined ? {} : { ci_low: degradation.doc.ci_low as number }),
                ...(finite(degradation.doc.ci_high) === undefined ? {} : { ci_high: degradation.doc.ci_high as number }),
              },
            }
          : {}),
      };
      const health = assetHealth(input);
      const id = assetHealthId(asset.id);
      const before = stored.get(id);
      if (before && before.site === asset.site && before.score === health.score && before.level === health.level && before.explanation === health.explanation) continue;
      const doc: AssetHealthDoc = { type: 'asset_health', site: asset.site, asset: asset.id, score: health.score, level: health.level, explanation: health.explanation, reasons: health.reasons, computed_at: now };
      if (await this.#write(id, doc as unknown as Doc, before)) pass.written.push(id);
      else pass.raced++;
    }
    // Health documents of assets no longer there.
    const known = new Set(assets.map((asset) => assetHealthId(asset.id)));
    for (const [id, doc] of stored) {
      if (known.has(id)) continue;
      if (await this.#write(id, undefined, doc)) pass.deleted.push(id);
      else pass.raced++;
    }
    return pass;
  }

  /** A conditional put (or delete, `doc` undefined) over what was read; false when another writer got in first. */
  async #write(id: string, doc: Doc | undefined, before: Record<string, unknown> | undefined): Promise<boolean> {
    const [result] = await this.#store.documents.bulkDocs([{ id, ...(doc ? { doc } : {}), expect: before === undefined ? null : docHash(before as Json) }]);
    if (result?.ok) {
      this.counters.writes++;
      return true;
    }
    if (result && 'status' in result && result.status === 409) {
      this.counters.raced++;
      return false;
    }
    throw new StorageError('storage_failure', `health runner: writing ${id} failed: ${result && 'message' in result ? String(result.message) : 'no result'}`);
  }

  /** The highest anomaly score of the array in the 24 h before `now` (undefined: none there). */
  async #recentMax(arrayId: string, now: number): Promise<number | undefined> {
    let array = this.#arrays.get(arrayId);
    try {
      if (array) await array.refresh();
      else {
        array = await ChannelArray.open(this.#store.documents, arrayId);
        this.#arrays.set(arrayId, array);
      }
    } catch (error) {
      this.#arrays.delete(arrayId);
      if (error instanceof ArrayError && error.status === 404) return undefined;
      if (error instanceof StorageError && error.status === 404) return undefined;
      throw error;
    }
    const length = array.length;
    const last = array.meta.last_time;
    if (length === 0 || last === null || last < now - DAY_MS) return undefined;
    const start = await array.indexOfTime(now - DAY_MS);
    if (start >= length) return undefined;
    const [summary] = await array.summariesBetween([start, length]);
    const max = summary?.max;
    return max !== undefined && Number.isFinite(max) ? max : undefined;
  }

  /** The documents a pass reads, in one transaction. */
  async #read(): Promise<{ assets: StoredRow[]; alarms: StoredRow[]; predictions: StoredRow[]; models: StoredRow[]; degradations: StoredRow[]; anomalyChannels: StoredRow[]; health: StoredRow[] }> {
    return this.#store.driver.transaction(async (query) => {
      const parse = (rows: Array<Record<string, unknown>>): StoredRow[] => rows.map((row) => ({ id: String(row.id), doc: JSON.parse(String(row.doc)) as Record<string, unknown> }));
      const prefixed = async (prefix: string, extra = '', params: unknown[] = []): Promise<StoredRow[]> =>
        parse(await query(`SELECT id, doc FROM documents WHERE substr(id, 1, ${prefix.length}) = ? AND deleted = ?${extra} ORDER BY id`, [prefix, false, ...params]));
      return {
        assets: await prefixed('asset/'),
        // Open alarms only: a text match narrows the read (closed ones pile up over the years), the parsed document decides.
        alarms: await prefixed('alarm/', ' AND doc NOT LIKE ?', ['%"state":"normal"%']),
        predictions: await prefixed('prediction/'),
        models: await prefixed('prediction_model/', ' AND doc LIKE ?', ['%"type":"prediction_model"%']),
        degradations: await prefixed('degradation/'),
        anomalyChannels: await prefixed('channel/', ' AND doc LIKE ?', ['%"kind":"anomaly"%']),
        health: await prefixed(ASSET_HEALTH_PREFIX),
      };
    });
  }
}
