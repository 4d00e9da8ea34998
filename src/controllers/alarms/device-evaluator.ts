/**
 * Alarm rules evaluated on the device, for readings recorded here offline: the SAME core code the
 * server runs (bindRule, stepRule, tickRule, applyTransition) over this device's rule, channel and
 * asset documents and the readings recorded here that the server's arrays do not have yet.
 * What it raises are provisional alarms: shown on the device (AlarmsController's `provisional`),
 * never stored as alarm documents — the server raises the real one when the readings sync, and
 * two writers of one alarm would be a conflict. A provisional alarm carries the id the server's
 * will have (the rule × channel's next number after the latest alarm on the device, or that
 * alarm while it is open), so the server's copy replaces it in the list; it also goes once a
 * server alarm of the same rule × channel covers its time, and, should the server raise none,
 * after the next sync (the server has had the readings for a whole sync by then).
 *
 * Where data lives: readings are `reading/…` documents (../maintenance/readings.ts); pinned
 * channel arrays come down pull only and hold only what the server has. So "what the server does
 * not have" is, per manual-reading input of a binding, its pending readings: the readings of that
 * asset × field on the device that the local array does not hold yet. An evaluation steps them in
 * time order from a fresh state; once one of them is in the array (the server applied it and the
 * pin brought it down) or one older than those stepped arrives, it starts again from the readings
 * pending then. Nothing is kept across reloads: after one the pending readings are evaluated
 * again. Every input must be on this device (a pinned array), as the server evaluates arrays.
 */
import { applyTransition, bindRule, docHash, initRuleState, stepRule, tickRule, type Alarm, type AlarmRule, type AssetEntry, type ChannelEntry, type RuleBatchEntry, type ReadingDoc, type RuleBinding, type RuleState } from '../../core';
import { ChannelArray } from '../../arrays';
import { type Doc, type Storage } from '../../storage';
import { pendingReadings, readingsOf, type PendingReading } from '../maintenance/readings';
import type { AlarmRow } from './alarm-list';
import type { SyncService } from '../sync/sync-service';

/** Fired on the evaluator when its provisional alarms changed. */
export const PROVISIONAL_CHANGE_EVENT = 'change';

export interface DeviceAlarmEvaluatorOptions {
  /** The device's records, readings and pinned arrays (the app's local storage, or the replicate storage over it). */
  storage: Storage;
  /** The clock of ticks (off delays, auto-clear, stale after the last reading). */
  now?: () => number;
}

/** One rule × channel under evaluation. */
interface Evaluation {
  binding: RuleBinding;
  /** docHash of the rule it was bound from: a changed rule starts again. */
  ruleHash: string;
  state: RuleState;
  /** The pending readings stepped, per input, in the order stepped. */
  stepped: string[][];
  /** Time of the latest reading stepped, per input (a pending reading before it needs a fresh start). */
  lastTimes: number[];
  /** Whether it stepped readings the server does not have (only those bindings tick). */
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

/**
 * Whether an evaluation can go on with `inputs` (each input's pending readings, oldest first): what
 * it stepped is still the start of each list, and what comes after is not older than it.
 */
function continues(evaluation: Evaluation, inputs: readonly PendingReading[][]): boolean {
  return inputs.every((list, input) => {
    const stepped = evaluation.stepped[input]!;
    if (list.length < stepped.length || stepped.some((id, index) => list[index]!.id !== id)) return false;
    return list.slice(stepped.length).every((reading) => reading.at >= evaluation.lastTimes[input]!);
  });
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
  readonly #now: () => number;
  readonly #evaluations = new Map<string, Evaluation>();
  /** The server alarms on the device (they replace or cover provisional ones). */
  #serverAlarms = new Map<string, Alarm>();
  /** Completed syncs seen (a provisional alarm whose readings went up in one is dropped after the next). */
  #generation = 0;
  #list: AlarmRow[] = [];
  #listKey = '[]';
  #running: Promise<void> = Promise.resolve();

  constructor(options: DeviceAlarmEvaluatorOptions) {
    super();
    this.#storage = options.storage;
    this.#now = options.now ?? Date.now;
  }

  /** The provisional alarms to show now (rows as AlarmsController lists them: `provisional: true`, nothing pending). */
  provisionalAlarms(): readonly AlarmRow[] {
    return this.#list;
  }

  /**
   * Runs on its own: evaluates now, after local writes (`localchange` of each of `changes`, a
   * moment later so a burst of appends is one pass), when a sync brought data (`fl-data-changed`
   * on `target`), and after each completed sync of `sync` marks that the readings went up.
   * Returns what stops it.
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
        await this.markSynced();
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
   * Says a sync just completed: the readings recorded so far went up with it. Provisional alarms
   * from readings that went up in an earlier sync, which the server has not covered with its own
   * alarm since, go.
   */
  markSynced(): Promise<void> {
    this.#running = this.#running.catch(() => undefined).then(() => {
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

  async #refresh(): Promise<void> {
    const [rules, channels, assets, alarms] = await Promise.all([
      docsOfType<AlarmRule>(this.#storage, 'alarm_rule'),
      docsOfType<ChannelEntry['doc']>(this.#storage, 'channel'),
      docsOfType<AssetEntry['doc']>(this.#storage, 'asset'),
      docsOfType<Alarm>(this.#storage, 'alarm'),
    ]);
    this.#serverAlarms = new Map(alarms.map(({ id, doc }) => [id, doc]));
    // The manual-reading channel of each array (found by its keys), and per pass each asset's
    // readings and each array's pending ones, read once whatever the number of rules.
    const manualOf = new Map<string, { asset: string; field: string }>();
    for (const { doc } of channels) {
      const channel = doc as ChannelEntry['doc'] & { manual?: unknown };
      if (channel.manual === true && typeof channel.array === 'string' && typeof channel.asset === 'string') manualOf.set(channel.array, { asset: channel.asset, field: channel.field });
    }
    const readings = new Map<string, Promise<Array<{ id: string; doc: ReadingDoc }>>>();
    const pending = new Map<string, Promise<PendingReading[]>>();
    const pendingOf = (arrayId: string, array: ChannelArray): Promise<PendingReading[]> => {
      const manual = manualOf.get(arrayId);
      if (!manual) return Promise.resolve([]); // a sensor's samples come from the server only
      let found = pending.get(arrayId);
      if (!found) {
        let ofAsset = readings.get(manual.asset);
        if (!ofAsset) readings.set(manual.asset, (ofAsset = readingsOf(this.#storage, manual.asset)));
        found = ofAsset.then((list) => pendingReadings(this.#storage, { ...manual, array, readings: list }));
        pending.set(arrayId, found);
      }
      return found;
    };
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
        const inputs: PendingReading[][] = [];
        for (const input of binding.inputs) {
          // Every input must be on this device (a derived anomaly array, say, is the server's).
          const array = await ChannelArray.open(this.#storage, input).catch(() => undefined);
          if (!array) break;
          inputs.push(await pendingOf(input, array));
        }
        if (inputs.length !== binding.inputs.length) continue;
        let evaluation = this.#evaluations.get(key);
        if (!evaluation && inputs.every((list) => list.length === 0)) continue; // nothing recorded here
        seen.add(key);
        // A changed rule starts again; so does one whose stepped readings are not all pending now
        // (the server has one: it is the server's to evaluate) or that has an older one to take in.
        if (!evaluation || evaluation.ruleHash !== ruleHash || !continues(evaluation, inputs)) {
          const raised = evaluation?.ruleHash === ruleHash ? evaluation.raised : new Map<string, RaisedAlarm>();
          evaluation = { ...this.#start(binding, ruleHash, alarms), raised };
          this.#evaluations.set(key, evaluation);
        }
        this.#step(evaluation, inputs);
      }
    }
    for (const key of this.#evaluations.keys()) if (!seen.has(key)) this.#evaluations.delete(key);
    this.#publish();
  }

  /** A fresh evaluation, numbered after the device's latest alarm of the rule × channel. */
  #start(binding: RuleBinding, ruleHash: string, alarms: ReadonlyArray<{ id: string; doc: Alarm }>): Evaluation {
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
      stepped: binding.inputs.map(() => []),
      lastTimes: binding.inputs.map(() => -Infinity),
      readLocal: false,
      current: latest,
      raised: new Map(),
    };
  }

  /** Steps one evaluation over its inputs' readings not stepped yet, then ticks it if it stepped any. */
  #step(evaluation: Evaluation, inputs: PendingReading[][]): void {
    const batch: RuleBatchEntry[] = [];
    inputs.forEach((list, input) => {
      const fresh = list.slice(evaluation.stepped[input]!.length);
      if (fresh.length === 0) return;
      batch.push({ input, times: Float64Array.from(fresh, (reading) => reading.at), values: Float32Array.from(fresh, (reading) => reading.value) });
      evaluation.stepped[input]!.push(...fresh.map((reading) => reading.id));
      evaluation.lastTimes[input] = fresh.at(-1)!.at;
    });
    if (batch.length > 0) {
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
