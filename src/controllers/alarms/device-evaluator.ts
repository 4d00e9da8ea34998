/**
 * Alarm rules evaluated on the device, for readings recorded here offline: the SAME core code the
 * server runs (bindRule, stepRule, tickRule, applyTransition) over this device's rule, channel and
 * asset documents and the samples of its local channel arrays that the server does not have yet.
 * What it raises are provisional alarms: shown on the device (AlarmsController's `provisional`),
 * never stored as alarm documents — the server raises the real one when the readings sync, and
 * two writers of one alarm would be a conflict. A provisional alarm carries the id the server's
 * will have (the rule × channel's next number after the latest alarm on the device, or that
 * alarm while it is open), so the server's copy replaces it in the list; it also goes once a
 * server alarm of the same rule × channel covers its time, and, should the server raise none,
 * after the next sync (the server has had the readings for a whole sync by then).
 *
 * Where data lives: which samples the server has is remembered per array, as the array's length
 * when a sync last completed (`markSynced`), in the `device` storage (never synced; document
 * `device-alarm-baselines`). An array first seen without a record counts as on the server up to
 * its length then (an array made here starts empty, so everything recorded into it counts as
 * new). Evaluation states live in memory: after a reload the unsynced samples are evaluated again.
 */
import { applyTransition, bindRule, docHash, initRuleState, stepRule, tickRule, type Alarm, type AlarmRule, type AssetEntry, type ChannelEntry, type RuleBatchEntry, type RuleBinding, type RuleState } from '../../core';
import { ChannelArray } from '../../arrays';
import { StorageError, type Doc, type Storage } from '../../storage';
import type { AlarmRow } from './alarm-list';
import type { SyncService } from '../sync/sync-service';

/** Fired on the evaluator when its provisional alarms changed. */
export const PROVISIONAL_CHANGE_EVENT = 'change';

/** The device document with the array lengths the server has. */
export const BASELINES_ID = 'device-alarm-baselines';

/** Samples read per array per step (bounds memory: 64 Ki samples are 768 KiB with their times). */
const STEP_SAMPLES = 65_536;

export interface DeviceAlarmEvaluatorOptions {
  /** The device's records and arrays (the app's local storage, or the replicate storage over it). */
  storage: Storage;
  /** Where the baselines are kept (never synced). */
  device: Storage;
  /** The clock of ticks (off delays, auto-clear, stale after the last reading). */
  now?: () => number;
}

/** One rule × channel under evaluation. */
interface Evaluation {
  binding: RuleBinding;
  /** docHash of the rule it was bound from: a changed rule starts again. */
  ruleHash: string;
  state: RuleState;
  /** Samples read per input (absolute positions in the local arrays). */
  positions: number[];
  /** Whether it read samples the server does not have (only those bindings tick). */
  readLocal: boolean;
  /** The alarm document this evaluation's transitions build on (the device's latest, then its own). */
  current: { id: string; alarm: Alarm } | undefined;
  /** Provisional alarms it raised, by id. */
  raised: Map<string, RaisedAlarm>;
}

/** A provisional alarm, with the sync that took its readings to the server (undefined: none yet). */
interface RaisedAlarm {
  alarm: Alarm;
  syncedIn: number | undefined;
}

const keyOf = (ruleId: string, channel: string): string => `${ruleId}\n${channel}`;

/** The number at the end of an alarm id (`alarm/<rule>/<channel>/<n>`), NaN when there is none. */
function numberOf(alarmId: string): number {
  return Number(alarmId.slice(alarmId.lastIndexOf('/') + 1));
}

/** The time a server alarm stands for: from its raise to its clear (open: no end). */
function covers(server: Alarm, provisional: Alarm): boolean {
  if (server.rule !== provisional.rule || server.channel !== provisional.channel) return false;
  const end = server.state === 'active_unacked' || server.state === 'active_acked' ? Infinity : (server.cleared_at ?? Infinity);
  const provisionalEnd = provisional.cleared_at ?? Infinity;
  return server.raised_at <= provisionalEnd && provisional.raised_at <= end;
}

async function docsOfType<T>(storage: Storage, type: string): Promise<Array<{ id: string; doc: T }>> {
  const { rows } = await storage.allDocs({ query: `type:${JSON.stringify(type)}`, include_docs: true });
  return rows.filter((row) => row.doc).map((row) => ({ id: row.id, doc: row.doc as unknown as T }));
}

/**
 * The device's own alarm evaluation (see the module comment). `refresh()` evaluates what was
 * recorded since; `markSynced()` after a completed sync; `provisionalAlarms()` is what to show.
 * Fires `change` when that list changes.
 */
export class DeviceAlarmEvaluator extends EventTarget {
  readonly #storage: Storage;
  readonly #device: Storage;
  readonly #now: () => number;
  readonly #evaluations = new Map<string, Evaluation>();
  /** The server alarms on the device (they replace or cover provisional ones). */
  #serverAlarms = new Map<string, Alarm>();
  #baselines: Record<string, number> | undefined;
  /** Completed syncs seen (a provisional alarm whose readings went up in one is dropped after the next). */
  #generation = 0;
  #list: AlarmRow[] = [];
  #listKey = '[]';
  #running: Promise<void> = Promise.resolve();

  constructor(options: DeviceAlarmEvaluatorOptions) {
    super();
    this.#storage = options.storage;
    this.#device = options.device;
    this.#now = options.now ?? Date.now;
  }

  /** The provisional alarms to show now (rows as AlarmsController lists them: `provisional: true`, nothing pending). */
  provisionalAlarms(): readonly AlarmRow[] {
    return this.#list;
  }

  /**
   * Runs on its own: evaluates now, after local writes (`localchange` of each of `changes`, a
   * moment later so a burst of appends is one pass), when a sync brought data (`fl-data-changed`
   * on `target`), and after each completed sync of `sync` marks what went up (the pinned sites'
   * arrays). Returns what stops it.
   */
  connect(options: { sync?: SyncService; changes?: readonly EventTarget[]; target?: EventTarget; debounceMs?: number }): () => void {
    const { sync, changes = [], target = window, debounceMs = 300 } = options;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh().catch((error: unknown) => console.warn('device alarm evaluation failed', error)), debounceMs);
    };
    let lastSync = sync?.status.lastSync ?? null;
    const onSync = () => {
      if (!sync || sync.status.lastSync === lastSync || sync.status.state !== 'idle') return;
      lastSync = sync.status.lastSync;
      void (async () => {
        const pins = sync.pins ? (await sync.pins.list()).map((pin) => pin.site) : undefined;
        await this.markSynced(pins);
        await this.refresh();
      })().catch((error: unknown) => console.warn('device alarm evaluation failed', error));
    };
    for (const source of changes) source.addEventListener('localchange', soon);
    target.addEventListener('fl-data-changed', soon);
    sync?.addEventListener('change', onSync);
    soon();
    return () => {
      clearTimeout(timer);
      for (const source of changes) source.removeEventListener('localchange', soon);
      target.removeEventListener('fl-data-changed', soon);
      sync?.removeEventListener('change', onSync);
    };
  }

  /** Evaluates the samples recorded since the last call (calls run one after another). */
  refresh(): Promise<void> {
    this.#running = this.#running.catch(() => undefined).then(() => this.#refresh());
    return this.#running;
  }

  /**
   * Says a sync just completed: every local array (of `sites`, the pinned ones, whose arrays sync;
   * absent: all) is on the server up to its length now.
   * Provisional alarms from readings that went up in an earlier sync, which the server has not
   * covered with its own alarm since, go.
   */
  markSynced(sites?: readonly string[]): Promise<void> {
    this.#running = this.#running.catch(() => undefined).then(async () => {
      const baselines = await this.#loadBaselines();
      const { rows } = await this.#storage.allDocs({ query: 'kind:"fl-channel-array"', select_list: ['length', 'site'] });
      for (const row of rows) {
        if (typeof row.value.length !== 'number' || (sites && !sites.includes(row.value.site as string))) continue;
        baselines[row.id] = row.value.length;
      }
      await this.#saveBaselines(baselines);
      this.#generation++;
      for (const evaluation of this.#evaluations.values()) {
        for (const [id, raised] of evaluation.raised) {
          if (raised.syncedIn === undefined) raised.syncedIn = this.#generation;
          else if (raised.syncedIn < this.#generation) evaluation.raised.delete(id);
        }
      }
      this.#publish();
    });
    return this.#running;
  }

  async #loadBaselines(): Promise<Record<string, number>> {
    if (this.#baselines) return this.#baselines;
    let stored: Record<string, number> = Object.create(null) as Record<string, number>;
    try {
      const doc = (await this.#device.get(BASELINES_ID)) as { arrays?: Record<string, number> };
      if (doc.arrays && typeof doc.arrays === 'object') stored = Object.assign(Object.create(null) as Record<string, number>, doc.arrays);
    } catch (error) {
      if (!(error instanceof StorageError && error.status === 404)) throw error;
    }
    this.#baselines = stored;
    return stored;
  }

  async #saveBaselines(baselines: Record<string, number>): Promise<void> {
    await this.#device.put(BASELINES_ID, { arrays: { ...baselines } } as unknown as Doc);
  }

  async #refresh(): Promise<void> {
    const [rules, channels, assets, alarms] = await Promise.all([
      docsOfType<AlarmRule>(this.#storage, 'alarm_rule'),
      docsOfType<ChannelEntry['doc']>(this.#storage, 'channel'),
      docsOfType<AssetEntry['doc']>(this.#storage, 'asset'),
      docsOfType<Alarm>(this.#storage, 'alarm'),
    ]);
    this.#serverAlarms = new Map(alarms.map(({ id, doc }) => [id, doc]));
    const baselines = await this.#loadBaselines();
    let baselinesChanged = false;
    const seen = new Set<string>();
    for (const { id: ruleId, doc: rule } of rules) {
      let bindings: RuleBinding[];
      try {
        bindings = bindRule(ruleId, rule, channels, assets);
      } catch {
        continue; // a rule the server refuses to run too (it says why there)
      }
      const ruleHash = docHash(rule as unknown as Doc);
      for (const binding of bindings) {
        const key = keyOf(ruleId, binding.channel);
        seen.add(key);
        const arrays: ChannelArray[] = [];
        for (const input of binding.inputs) {
          const array = await ChannelArray.open(this.#storage, input).catch(() => undefined);
          if (!array) break;
          arrays.push(array);
          if (baselines[input] === undefined) {
            baselines[input] = array.length;
            baselinesChanged = true;
          }
        }
        // Every input must be on this device (a derived anomaly array, say, is the server's).
        if (arrays.length !== binding.inputs.length) continue;
        let evaluation = this.#evaluations.get(key);
        // A changed rule starts again; so does one whose inputs the server now has past where it
        // read (a sync brought them): those are the server's to evaluate, from there on it is ours.
        const overtaken = evaluation !== undefined && binding.inputs.some((input, index) => (baselines[input] ?? 0) > evaluation!.positions[index]!);
        if (!evaluation || evaluation.ruleHash !== ruleHash || overtaken) {
          const raised = evaluation?.ruleHash === ruleHash ? evaluation.raised : new Map<string, RaisedAlarm>();
          evaluation = { ...this.#start(binding, ruleHash, baselines, alarms), raised };
          this.#evaluations.set(key, evaluation);
        }
        await this.#step(evaluation, arrays);
      }
    }
    for (const key of this.#evaluations.keys()) if (!seen.has(key)) this.#evaluations.delete(key);
    if (baselinesChanged) await this.#saveBaselines(baselines);
    this.#publish();
  }

  /** A fresh evaluation from the samples the server does not have, numbered after the device's latest alarm. */
  #start(binding: RuleBinding, ruleHash: string, baselines: Record<string, number>, alarms: ReadonlyArray<{ id: string; doc: Alarm }>): Evaluation {
    let latest: { id: string; alarm: Alarm } | undefined;
    for (const { id, doc } of alarms) {
      if (doc.rule !== binding.ruleId || doc.channel !== binding.channel || !Number.isInteger(numberOf(id))) continue;
      if (!latest || numberOf(id) > numberOf(latest.id)) latest = { id, alarm: doc };
    }
    const state = { ...initRuleState(binding), n: latest ? numberOf(latest.id) : 0 };
    return {
      binding,
      ruleHash,
      state,
      positions: binding.inputs.map((input) => baselines[input] ?? 0),
      readLocal: false,
      current: latest,
      raised: new Map(),
    };
  }

  /** Steps one evaluation over its inputs' new samples, then ticks it if it read readings of its own. */
  async #step(evaluation: Evaluation, arrays: ChannelArray[]): Promise<void> {
    for (;;) {
      const batch: RuleBatchEntry[] = [];
      for (let input = 0; input < arrays.length; input++) {
        const array = arrays[input]!;
        const from = evaluation.positions[input]!;
        const to = Math.min(array.length, from + STEP_SAMPLES);
        if (to <= from) continue;
        const { values, times } = await array.read(from, to);
        batch.push({ input, times, values });
        evaluation.positions[input] = to;
      }
      if (batch.length === 0) break;
      evaluation.readLocal = true;
      const stepped = stepRule(evaluation.binding, evaluation.state, batch);
      evaluation.state = stepped.state;
      this.#apply(evaluation, stepped.transitions);
    }
    if (!evaluation.readLocal) return;
    const ticked = tickRule(evaluation.binding, evaluation.state, this.#now());
    evaluation.state = ticked.state;
    this.#apply(evaluation, ticked.transitions);
  }

  #apply(evaluation: Evaluation, transitions: ReturnType<typeof stepRule>['transitions']): void {
    for (const transition of transitions) {
      let applied: ReturnType<typeof applyTransition>;
      try {
        applied = applyTransition(evaluation.binding, evaluation.state, evaluation.current?.alarm, transition);
      } catch {
        continue; // a clear with no alarm to clear: nothing to show
      }
      evaluation.state = applied.state;
      evaluation.current = { id: applied.id, alarm: applied.alarm };
      evaluation.raised.set(applied.id, { alarm: applied.alarm, syncedIn: evaluation.raised.get(applied.id)?.syncedIn });
    }
  }

  /** Recomputes the list; fires `change` when it differs. */
  #publish(): void {
    const rows: AlarmRow[] = [];
    const servers = [...this.#serverAlarms.values()];
    for (const evaluation of this.#evaluations.values()) {
      for (const [id, { alarm }] of evaluation.raised) {
        // The server's copy of this alarm is on the device (shown instead), or one that covers its time.
        if (this.#serverAlarms.has(id) || servers.some((server) => covers(server, alarm))) continue;
        rows.push({ ...alarm, id, pending: 0, provisional: true });
      }
    }
    rows.sort((a, b) => a.raised_at - b.raised_at || (a.id < b.id ? -1 : 1));
    const key = JSON.stringify(rows);
    if (key === this.#listKey) return;
    this.#list = rows;
    this.#listKey = key;
    this.dispatchEvent(new Event(PROVISIONAL_CHANGE_EVENT));
  }
}
