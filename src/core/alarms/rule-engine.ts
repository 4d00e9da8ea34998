/**
 * Evaluation of one rule on one target channel: binding (templates through the asset tree),
 * then `init → step(batch)* / tick(now)*` over a JSON state, yielding raise / escalate /
 * deescalate / clear transitions at DATA times.
 *
 * Timing model (every edge is decided the same way, so the tests can pin them):
 * - A condition's state changes only at samples (or at its own time events: a stale deadline, a
 *   window's end) and holds until the next change (zero-order hold).
 * - Deadlines (on delay, off delay, auto-clear, escalation after_s, a window's end) fire when data
 *   time reaches them (≥), before the sample that reaches them is applied; a stale deadline fires
 *   only once time is strictly past it (a sample exactly after_s late is on time).
 * - on_delay_s: raised at the moment the condition has held that long (true at t0, and nothing
 *   made it false before t0 + on_delay). off_delay_s mirrors it for clearing.
 * - auto_clear_s: cleared auto_clear_s after the last sample at which the condition held, even if
 *   nothing says it stopped (an event-like signal that reports only when something happens); it
 *   must then be seen true again to raise again.
 * - Escalation: severity = max(base, after_s steps reached since the raise, condition steps whose
 *   condition holds now); after_s steps stay until the alarm clears, condition steps go back when
 *   their condition stops holding (de-escalation).
 *
 * Several inputs (all/any over other fields, escalation conditions on other channels) are merged by
 * time within a batch; the outcome is independent of how batches are split as long as each batch
 * holds every input up to the same time (the evaluator reads all inputs to their current ends).
 */
import { assetTree } from '../model/asset-tree';
import type { AssetDoc } from '../model/asset';
import type { ChannelDoc } from '../model/channel';
import { addToWindow as addToWindowImported, closeWindow, decideWindow, initNode, isSet as isSetImported, signOf, stepLeaf as stepLeafImported, type NodeState, type PlanNode, type StaleState, type WindowState } from './conditions';
import { AlarmRuleError, alarmRuleProblem, describeCondition, severities, type AlarmRule, type Condition, type Severity } from './rule-model';

/** A channel document with its id. */
export interface ChannelEntry {
  id: string;
  doc: ChannelDoc;
}
/** An asset document with its id. */
export interface AssetEntry {
  id: string;
  doc: AssetDoc;
}

/**
 * Compiled rule for one target channel. `inputs` lists the array ids it reads, in a stable order:
 * inputs[0] is the target's array (or its anomaly array); sub-conditions' arrays follow.
 */
export interface RuleBinding {
  rule: AlarmRule;
  ruleId: string;
  channel: string;
  asset: string;
  site: string;
  inputs: string[];
  /** The channel id each input belongs to (parallel to inputs). */
  inputChannels: string[];
  /** Input index read by each condition node, depth first: the rule's condition, then each escalation condition. */
  conditionInputs: number[];
  /** Set when the target channel is simulated (its alarms are marked simulated too). */
  simulated?: true;
}

/** A change of the alarm's state, at a data time. */
export interface RuleTransition {
  kind: 'raise' | 'escalate' | 'deescalate' | 'clear';
  at: number;
  severity: Severity;
  value?: number;
  /** The most extreme value since the raise (the alarm's `peak`): transitions of one batch are applied after it, with the state at its end. */
  peak?: number;
  message: string;
}

/**
 * Evaluation state of a rule × channel: plain JSON (numbers, booleans, null, arrays, objects; no
 * strings), encodeState-safe, bounded whatever the samples seen. Opaque to callers except `n`,
 * the number of the latest alarm (0: none yet), which `applyTransition` advances.
 */
export interface RuleState {
  v: 1;
  n: number;
  nodes: NodeState[];
  /** Last sample time per input (null: none yet). */
  last: Array<number | null>;
  lastAny: number | null;
  /** Whether the rule's condition holds, since when, since when it does not, when last seen holding. */
  holds: boolean;
  since: number | null;
  falseSince: number | null;
  lastTrue: number | null;
  active: boolean;
  raisedAt: number | null;
  /** Index into severities of the current severity. */
  severity: number;
  /** Per escalation step: an after_s step reached since the raise. */
  reached: boolean[];
  peak: number | null;
  /** Earliest time at which a deadline may fire (Infinity: none pending). */
  next: number;
}

interface Plan {
  nodes: PlanNode[];
  /** Root node of the condition: 0. Root node of each escalation condition (-1: an after_s step). */
  escalationRoots: number[];
  /** Leaf nodes per input. */
  leavesByInput: number[][];
  /** Leaves with time events (stale, window). */
  timed: number[];
  /**
   * Per node: the window leaves that share its window (same input, statistic, window_s and band:
   * escalation steps on the same statistic at higher levels). Only the first accumulates samples;
   * its statistic decides them all, computed once.
   */
  sharers: number[][];
  /** The window leaves that accumulate samples (for windowLoop). */
  windowLeaves: number[];
  /** Whether an escalation step has a condition (severity may change at any sample). */
  conditionEscalations: boolean;
  /**
   * A loop specialised for the common rules (one threshold / anomaly condition and no escalation
   * condition, or window statistics of one input only): it does in line what `sample` would do for a sample that changes
   * nothing but values, and hands every other sample to `sample`. Same results, no call per sample.
   */
  fast: 'level' | 'window' | null;
  /** For 'level': direction and the float32 levels to raise above / clear below. */
  fastHigh: boolean;
  fastOn: number;
  fastOff: number;
  base: number;
  escalationSeverity: number[];
  escalationAfterMs: Array<number | null>;
  onDelayMs: number;
  offDelayMs: number;
  autoClearMs: number | null;
  message: string;
}

const plans = new WeakMap<RuleBinding, Plan>();

// Module-local handles on the per-sample functions: under a CommonJS transform (tsx, vitest) every
// use of an imported binding is a getter call, which cost more than the rest of the hot loop.
const stepLeaf = stepLeafImported;
const isSet = isSetImported;
const addToWindow = addToWindowImported;

function flatten(condition: Condition, parent: number, nodes: PlanNode[], inputs: number[]): number {
  const index = nodes.length;
  const input = inputs[index];
  if (input === undefined) throw new AlarmRuleError('the binding does not match its rule (conditionInputs too short)');
  nodes.push({ condition, input, parent, children: [], sign: signOf(condition) });
  if (condition.kind === 'all' || condition.kind === 'any') {
    for (const child of condition.conditions) nodes[index]!.children.push(flatten(child, index, nodes, inputs));
  }
  return index;
}

function planOf(binding: RuleBinding): Plan {
  const known = plans.get(binding);
  if (known) return known;
  const rule = binding.rule;
  const nodes: PlanNode[] = [];
  flatten(rule.condition, -1, nodes, binding.conditionInputs);
  const escalationRoots: number[] = [];
  for (const step of rule.escalation ?? []) escalationRoots.push(step.condition ? flatten(step.condition, -1, nodes, binding.conditionInputs) : -1);
  const leavesByInput: number[][] = binding.inputs.map(() => []);
  const timed: number[] = [];
  const sharers: number[][] = nodes.map(() => []);
  const windowLeaves: number[] = [];
  const windowsByKey = new Map<string, number>();
  nodes.forEach((node, index) => {
    const condition = node.condition;
    if (condition.kind === 'all' || condition.kind === 'any') return;
    const list = leavesByInput[node.input];
    if (!list) throw new AlarmRuleError(`the binding does not match its rule (input ${node.input} missing)`);
    if (condition.kind === 'window') {
      const key = JSON.stringify([node.input, condition.stat, condition.window_s, condition.band ?? null]);
      const first = windowsByKey.get(key);
      if (first !== undefined) {
        sharers[first]!.push(index);
        return;
      }
      windowsByKey.set(key, index);
      windowLeaves.push(index);
    }
    list.push(index);
    if (condition.kind === 'stale' || condition.kind === 'window') timed.push(index);
  });
  const plan: Plan = {
    nodes,
    escalationRoots,
    leavesByInput,
    timed,
    sharers,
    windowLeaves,
    conditionEscalations: escalationRoots.some((root) => root !== -1),
    ...fastOf(nodes),
    base: severities.indexOf(rule.severity),
    escalationSeverity: (rule.escalation ?? []).map((step) => severities.indexOf(step.severity)),
    escalationAfterMs: (rule.escalation ?? []).map((step) => (step.after_s === undefined ? null : step.after_s * 1000)),
    onDelayMs: (rule.on_delay_s ?? 0) * 1000,
    offDelayMs: (rule.off_delay_s ?? 0) * 1000,
    autoClearMs: rule.auto_clear_s === undefined ? null : rule.auto_clear_s * 1000,
    message: rule.message ?? describeCondition(rule.condition),
  };
  plans.set(binding, plan);
  return plan;
}

function fastOf(nodes: PlanNode[]): Pick<Plan, 'fast' | 'fastHigh' | 'fastOn' | 'fastOff'> {
  const none = { fast: null, fastHigh: true, fastOn: 0, fastOff: 0 };
  // Window statistics of one input, escalation conditions included (the bearing kurtosis rule:
  // three windows over the same 1 kHz bursts): a sample inside every open window only adds to them.
  if (nodes.every((node) => node.condition.kind === 'window' && node.input === 0)) return { ...none, fast: 'window' };
  if (nodes.length !== 1) return none;
  const condition = nodes[0]!.condition;
  if (condition.kind === 'threshold') {
    const high = condition.direction === 'high';
    const deadband = condition.deadband ?? 0;
    return { fast: 'level', fastHigh: high, fastOn: Math.fround(condition.level), fastOff: Math.fround(high ? condition.level - deadband : condition.level + deadband) };
  }
  if (condition.kind === 'anomaly') return { fast: 'level', fastHigh: true, fastOn: Math.fround(condition.level), fastOff: Math.fround(condition.level) };
  return none;
}

/** The array of a channel's anomaly score (the derived channel of the anomaly detector). */
export function anomalyArrayOf(channel: ChannelDoc): string {
  return `${channel.array}/anomaly`;
}

/**
 * Resolves a rule (explicit channel or template) against the site's channel and asset documents:
 * one binding per target channel, in channel id order. A template matches the channels of the
 * rule's site whose field is the target field and whose asset, or an ancestor of it, has the
 * asset type. A target whose sub-conditions name a field or channel that does not exist (on its
 * asset) gets no binding: it cannot be evaluated until that channel appears. A disabled rule
 * has none. Throws AlarmRuleError (400) for an invalid rule.
 */
export function bindRule(ruleId: string, rule: AlarmRule, channels: readonly ChannelEntry[], assets: readonly AssetEntry[]): RuleBinding[] {
  const problem = alarmRuleProblem(rule);
  if (problem) throw new AlarmRuleError(`${ruleId}: ${problem}`);
  if (!rule.enabled) return [];
  const byId = new Map<string, ChannelDoc>();
  // A channel of no asset (its source is bound to none yet) gets no binding: an alarm names its
  // asset, and bindings follow once the source is bound to one (Sources → Move…).
  for (const { id, doc } of channels) if (doc && doc.type === 'channel' && typeof doc.asset === 'string' && doc.asset !== '') byId.set(id, doc);
  let targets: string[];
  if ('channel' in rule.target) {
    const doc = byId.get(rule.target.channel);
    targets = doc && doc.site === rule.site ? [rule.target.channel] : [];
  } else {
    const { asset_type: assetType, field } = rule.target;
    const tree = assetTree(assets.filter((entry) => entry.doc && entry.doc.site === rule.site).map((entry) => ({ id: entry.id, site: entry.doc.site, parent: entry.doc.parent, title: entry.doc.title, type: entry.doc.asset_type })));
    const matches = (assetId: string): boolean => {
      const asset = tree.get(assetId);
      if (!asset) return false;
      return asset.type === assetType || tree.ancestry(assetId).some((ancestor) => ancestor.type === assetType);
    };
    targets = [...byId.entries()].filter(([, doc]) => doc.site === rule.site && doc.field === field && matches(doc.asset)).map(([id]) => id);
  }
  targets.sort();
  // Channels by asset: a sub-condition naming a field looks among its target's asset's channels only.
  const byAsset = new Map<string, Array<[string, ChannelDoc]>>();
  for (const entry of byId.entries()) {
    const list = byAsset.get(entry[1].asset);
    if (list) list.push(entry);
    else byAsset.set(entry[1].asset, [entry]);
  }
  const bindings: RuleBinding[] = [];
  for (const target of targets) {
    const binding = bindTarget(ruleId, rule, target, byId, byAsset);
    if (binding) bindings.push(binding);
  }
  return bindings;
}

function bindTarget(ruleId: string, rule: AlarmRule, target: string, byId: Map<string, ChannelDoc>, byAsset: Map<string, Array<[string, ChannelDoc]>>): RuleBinding | undefined {
  const targetDoc = byId.get(target)!;
  const inputs: string[] = [];
  const inputChannels: string[] = [];
  const conditionInputs: number[] = [];
  const inputOf = (array: string, channel: string): number => {
    const known = inputs.indexOf(array);
    if (known !== -1) return known;
    inputs.push(array);
    inputChannels.push(channel);
    return inputs.length - 1;
  };
  // inputs[0]: the target's array, or its anomaly array when the rule's condition is an anomaly one.
  inputOf(rule.condition.kind === 'anomaly' ? anomalyArrayOf(targetDoc) : targetDoc.array, target);
  let missing = false;
  const channelFor = (condition: Condition, inherited: string): string | undefined => {
    if (condition.channel !== undefined) {
      const doc = byId.get(condition.channel);
      return doc && doc.site === targetDoc.site ? condition.channel : undefined;
    }
    if (condition.field !== undefined) {
      // Same asset, same field; the target's own source first (a sibling sensor of the same device).
      const candidates = (byAsset.get(targetDoc.asset) ?? []).filter(([, doc]) => doc.site === targetDoc.site && doc.field === condition.field);
      candidates.sort(([a, docA], [b, docB]) => Number(docB.source === targetDoc.source) - Number(docA.source === targetDoc.source) || (a < b ? -1 : a > b ? 1 : 0));
      return candidates[0]?.[0];
    }
    return inherited;
  };
  const walk = (condition: Condition, inherited: string): void => {
    const channel = channelFor(condition, inherited);
    if (channel === undefined) {
      missing = true;
      conditionInputs.push(-1);
      return;
    }
    if (condition.kind === 'all' || condition.kind === 'any') {
      conditionInputs.push(-1);
      for (const child of condition.conditions) walk(child, channel);
      return;
    }
    const doc = byId.get(channel)!;
    conditionInputs.push(inputOf(condition.kind === 'anomaly' ? anomalyArrayOf(doc) : doc.array, channel));
  };
  walk(rule.condition, target);
  for (const step of rule.escalation ?? []) if (step.condition) walk(step.condition, target);
  if (missing) return undefined;
  const binding: RuleBinding = { rule, ruleId, channel: target, asset: targetDoc.asset, site: targetDoc.site, inputs, inputChannels, conditionInputs };
  if (targetDoc.simulated === true) binding.simulated = true;
  return binding;
}

/** The state before any sample. */
export function initRuleState(binding: RuleBinding): RuleState {
  const plan = planOf(binding);
  return {
    v: 1,
    n: 0,
    nodes: plan.nodes.map((node) => initNode(node.condition)),
    last: binding.inputs.map(() => null),
    lastAny: null,
    holds: false,
    since: null,
    falseSince: null,
    lastTrue: null,
    active: false,
    raisedAt: null,
    severity: plan.base,
    reached: plan.escalationSeverity.map(() => false),
    peak: null,
    next: Infinity,
  };
}

/**
 * The working copy of a state: a deep copy in which "none" is NaN instead of null. Fields that
 * only ever hold numbers stay unboxed in V8 (a null in a field or array makes every later number
 * stored there a heap allocation: the hot loop would allocate per sample).
 */
function copyIn<T>(value: T): T {
  if (value === null) return NaN as T;
  if (Array.isArray(value)) return (numbersOnly(value, false) ? value.slice() : value.map(copyIn)) as T;
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = copyIn((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

/**
 * Whether an array holds only numbers (and no NaN when `noNaN`): such arrays (rate rings, window
 * buffers: thousands of points) are copied with slice, not element by element.
 */
function numbersOnly(array: unknown[], noNaN: boolean): boolean {
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    if (typeof item !== 'number' || (noNaN && item !== item)) return false;
  }
  return true;
}

/** The persisted form of a working state: NaN ("none") back to null, so that plain JSON keeps it too. */
function copyOut<T>(value: T): T {
  if (typeof value === 'number') return (value === value ? value : null) as T;
  if (Array.isArray(value)) return (numbersOnly(value, true) ? value.slice() : value.map(copyOut)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = copyOut((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

/** One evaluation in progress: the plan, the (copied, mutable) state and the transitions so far. */
interface Run {
  plan: Plan;
  state: RuleState;
  transitions: RuleTransition[];
}

/** Recomputes a composite node from its children. */
function composite(run: Run, index: number): void {
  const node = run.plan.nodes[index]!;
  const state = run.state.nodes[index]!;
  const all = node.condition.kind === 'all';
  let holds = all;
  for (const child of node.children) {
    const h = run.state.nodes[child]!.h;
    if (all ? !h : h) {
      holds = !all;
      break;
    }
  }
  state.h = holds;
  state.x = run.state.nodes[node.children[0]!]!.x;
}

/** After leaf `index` changed: recompute the composites above it. */
function propagate(run: Run, index: number): void {
  for (let parent = run.plan.nodes[index]!.parent; parent !== -1; parent = run.plan.nodes[parent]!.parent) composite(run, parent);
}

function emit(run: Run, kind: RuleTransition['kind'], at: number): void {
  const x = run.state.nodes[0]!.x;
  const transition: RuleTransition = { kind, at, severity: severities[run.state.severity]!, message: run.plan.message };
  if (x !== null && Number.isFinite(x)) transition.value = x;
  const peak = run.state.peak;
  if (peak !== null && Number.isFinite(peak)) transition.peak = peak;
  run.transitions.push(transition);
}

/** The severity the escalation steps ask for now. */
function targetSeverity(run: Run): number {
  const { plan, state } = run;
  let severity = plan.base;
  for (let step = 0; step < plan.escalationRoots.length; step++) {
    const root = plan.escalationRoots[step]!;
    const on = root === -1 ? state.reached[step]! : state.nodes[root]!.h;
    if (on && plan.escalationSeverity[step]! > severity) severity = plan.escalationSeverity[step]!;
  }
  return severity;
}

function updateSeverity(run: Run, at: number): void {
  const { state } = run;
  if (!state.active) return;
  const target = targetSeverity(run);
  if (target === state.severity) return;
  const kind = target > state.severity ? 'escalate' : 'deescalate';
  state.severity = target;
  emit(run, kind, at);
}

/** The rule's condition (node 0) may have changed at `at`: follow it. */
function observe(run: Run, at: number): void {
  const { state } = run;
  const root = state.nodes[0]!;
  if (root.h) {
    if (!state.holds || !isSet(state.since)) state.since = at;
    state.falseSince = NaN;
    state.lastTrue = at;
  } else {
    if (state.holds || !isSet(state.falseSince)) state.falseSince = at;
    state.since = NaN;
  }
  state.holds = root.h;
  if (state.active && isSet(root.x)) {
    const sign = run.plan.nodes[0]!.sign;
    if (!isSet(state.peak) || (sign > 0 ? root.x > state.peak : root.x < state.peak)) state.peak = root.x;
  }
}

function raise(run: Run, at: number): void {
  const { state, plan } = run;
  state.active = true;
  state.raisedAt = at;
  state.reached = plan.escalationAfterMs.map((after) => after !== null && after <= 0);
  state.severity = plan.base;
  state.severity = targetSeverity(run);
  state.peak = state.nodes[0]!.x;
  emit(run, 'raise', at);
}

function clear(run: Run, at: number): void {
  const { state, plan } = run;
  emit(run, 'clear', at);
  state.active = false;
  state.raisedAt = NaN;
  state.reached = plan.escalationSeverity.map(() => false);
  state.severity = plan.base;
  state.peak = NaN;
}

/** The earliest pending deadline (Infinity: none). */
function nextDeadline(run: Run): number {
  const { plan, state } = run;
  let next = Infinity;
  for (const index of plan.timed) {
    const condition = plan.nodes[index]!.condition;
    const node = state.nodes[index]!;
    if (condition.kind === 'stale') {
      const last = (node as StaleState).last;
      if (isSet(last) && !node.h) next = Math.min(next, last + condition.after_s * 1000);
    } else if (condition.kind === 'window') {
      const start = (node as WindowState).start;
      if (isSet(start)) next = Math.min(next, start + condition.window_s * 1000);
    }
  }
  if (!state.active) {
    if (state.holds && isSet(state.since)) next = Math.min(next, state.since + plan.onDelayMs);
  } else {
    if (!state.holds && isSet(state.falseSince)) next = Math.min(next, state.falseSince + plan.offDelayMs);
    if (plan.autoClearMs !== null && isSet(state.lastTrue)) next = Math.min(next, state.lastTrue + plan.autoClearMs);
    for (let step = 0; step < plan.escalationAfterMs.length; step++) {
      const after = plan.escalationAfterMs[step]!;
      if (after !== null && !state.reached[step] && isSet(state.raisedAt)) next = Math.min(next, state.raisedAt + after);
    }
  }
  return next;
}

/**
 * Fires, in time order, every deadline reached by time `until` (stale ones only when strictly
 * past). Each firing changes the state so that it does not fire again; the bound is a guard.
 */
function advance(run: Run, until: number): void {
  const { plan, state } = run;
  for (let guard = 0; guard < 10_000; guard++) {
    let at = Infinity;
    let what = -1; // ≥ 0: a timed leaf; -2 raise, -3 off-delay clear, -4 auto clear, -10 - step: escalation
    for (const index of plan.timed) {
      const condition = plan.nodes[index]!.condition;
      const node = state.nodes[index]!;
      if (condition.kind === 'stale') {
        const last = (node as StaleState).last;
        const due = !isSet(last) || node.h ? Infinity : last + condition.after_s * 1000;
        if (due < until && due < at) {
          at = due;
          what = index;
        }
      } else if (condition.kind === 'window') {
        const start = (node as WindowState).start;
        const due = !isSet(start) ? Infinity : start + condition.window_s * 1000;
        if (due <= until && due < at) {
          at = due;
          what = index;
        }
      }
    }
    const consider = (due: number, code: number): void => {
      if (due <= until && due < at) {
        at = due;
        what = code;
      }
    };
    if (!state.active) {
      if (state.holds && isSet(state.since)) consider(state.since + plan.onDelayMs, -2);
    } else {
      if (!state.holds && isSet(state.falseSince)) consider(state.falseSince + plan.offDelayMs, -3);
      if (plan.autoClearMs !== null && isSet(state.lastTrue)) consider(state.lastTrue + plan.autoClearMs, -4);
      for (let step = 0; step < plan.escalationAfterMs.length; step++) {
        const after = plan.escalationAfterMs[step]!;
        if (after !== null && !state.reached[step] && isSet(state.raisedAt)) consider(state.raisedAt + after, -10 - step);
      }
    }
    if (what === -1) break;
    if (what >= 0) {
      const condition = plan.nodes[what]!.condition;
      const node = state.nodes[what]!;
      if (condition.kind === 'stale') {
        node.h = true;
        node.x = condition.after_s;
        afterLeafChange(run, what, at);
      } else {
        const statistic = closeWindow(condition as Condition & { kind: 'window' }, node as WindowState);
        if (statistic !== undefined) {
          // The window and those sharing it decide together, then the rule follows once.
          decideWindow(condition as Condition & { kind: 'window' }, node, statistic);
          propagate(run, what);
          for (const sharer of plan.sharers[what]!) {
            decideWindow(plan.nodes[sharer]!.condition as Condition & { kind: 'window' }, state.nodes[sharer]!, statistic);
            propagate(run, sharer);
          }
          observe(run, at);
          updateSeverity(run, at);
        }
      }
    } else if (what === -2) raise(run, at);
    else if (what === -3) clear(run, at);
    else if (what === -4) {
      clear(run, at);
      // Event-like: quiet for auto_clear_s; it raises again only when seen holding again.
      state.since = NaN;
      state.lastTrue = NaN;
    } else {
      state.reached[-10 - what] = true;
      updateSeverity(run, at);
    }
  }
  state.next = nextDeadline(run);
}

/** Leaf `index` changed at `at`: composites above it, the rule's condition, the escalation severity. */
function afterLeafChange(run: Run, index: number, at: number): void {
  propagate(run, index);
  observe(run, at);
  updateSeverity(run, at);
}

/** One sample of input `input` (not NaN, not older than the input's last). The hot path: no allocation. */
function sample(run: Run, input: number, time: number, value: number): void {
  const { plan, state } = run;
  if (time >= state.next) advance(run, time);
  state.last[input] = time;
  if (!isSet(state.lastAny) || time > state.lastAny) state.lastAny = time;
  const leaves = plan.leavesByInput[input]!;
  const nodes = plan.nodes;
  let touched = false;
  for (let k = 0; k < leaves.length; k++) {
    const index = leaves[k]!;
    const node = nodes[index]!;
    if (stepLeaf(node.condition, state.nodes[index]!, time, value)) {
      if (node.parent !== -1) propagate(run, index);
      touched = true;
    }
  }
  let recompute = plan.timed.length > 0;
  if (touched) {
    const root = state.nodes[0]!;
    if (root.h !== state.holds || (root.h && !isSet(state.since))) {
      observe(run, time);
      recompute = true;
    } else if (root.h) {
      // Still holding: only the auto-clear clock and the peak move.
      state.lastTrue = time;
      if (state.active && plan.autoClearMs !== null) recompute = true;
      const x = root.x;
      if (state.active && isSet(x) && (!isSet(state.peak) || (nodes[0]!.sign > 0 ? x > state.peak : x < state.peak))) state.peak = x;
    }
  }
  if (recompute) {
    state.next = nextDeadline(run);
    // Deadlines due now first (a clear at this very sample), so that an alarm clearing at the
    // moment its stricter condition stops is cleared, not de-escalated first.
    if (time >= state.next) advance(run, time);
  }
  if (touched && plan.conditionEscalations) updateSeverity(run, time);
}

/** A batch entry: new samples of one input, times ascending. */
export interface RuleBatchEntry {
  input: number;
  times: Float64Array;
  values: Float32Array;
}

/**
 * Folds new samples into the state (pure: `state` is not modified). Entries of several inputs
 * are merged by time (ties: entry order). NaN values are missing samples and skipped; a sample
 * older than its input's last one is skipped too (the state has moved past it).
 */
export function stepRule(binding: RuleBinding, state: RuleState, batch: readonly RuleBatchEntry[]): { state: RuleState; transitions: RuleTransition[] } {
  const run: Run = { plan: planOf(binding), state: copyIn(state), transitions: [] };
  // Recomputed rather than trusted: a state that went through plain JSON has lost Infinity.
  run.state.next = nextDeadline(run);
  for (const entry of batch) {
    if (!Number.isInteger(entry.input) || entry.input < 0 || entry.input >= binding.inputs.length) throw new AlarmRuleError(`batch input ${entry.input} is not an input of the binding (${binding.inputs.length})`);
    if (entry.times.length !== entry.values.length) throw new AlarmRuleError(`batch input ${entry.input}: ${entry.times.length} times for ${entry.values.length} values`);
  }
  if (batch.length === 1) {
    const { input, times, values } = batch[0]!;
    stepInput(run, input, times, values, 0, times.length);
  } else if (batch.length > 1) {
    const positions = batch.map(() => 0);
    for (;;) {
      let best = -1;
      let bestTime = Infinity;
      for (let k = 0; k < batch.length; k++) {
        const position = positions[k]!;
        const entry = batch[k]!;
        if (position < entry.times.length && (best === -1 || entry.times[position]! < bestTime)) {
          best = k;
          bestTime = entry.times[position]!;
        }
      }
      if (best === -1) break;
      const entry = batch[best]!;
      // Take this entry's samples up to the next sample of any other entry in one go (ties: entry order).
      let limit = Infinity;
      let limitEntry = Infinity;
      for (let k = 0; k < batch.length; k++) {
        const position = positions[k]!;
        const other = batch[k]!;
        if (k === best || position >= other.times.length) continue;
        const time = other.times[position]!;
        if (time < limit) {
          limit = time;
          limitEntry = k;
        }
      }
      let end = positions[best]! + 1;
      while (end < entry.times.length && (entry.times[end]! < limit || (entry.times[end]! === limit && best < limitEntry))) end++;
      stepInput(run, entry.input, entry.times, entry.values, positions[best]!, end);
      positions[best] = end;
    }
  }
  return { state: copyOut(run.state), transitions: run.transitions };
}

/** The hot loop: samples [from, to) of one input, no allocation per sample. */
function stepInput(run: Run, input: number, times: Float64Array, values: Float32Array, from: number, to: number): void {
  if (run.plan.fast === 'level') return levelLoop(run, input, times, values, from, to);
  if (run.plan.fast === 'window') return windowLoop(run, input, times, values, from, to);
  const last = run.state.last;
  for (let i = from; i < to; i++) {
    const value = values[i]!;
    if (value !== value) continue;
    const time = times[i]!;
    const previous = last[input];
    // (NaN: no sample yet, never greater.)
    if (time < previous!) continue;
    sample(run, input, time, value);
  }
}

/** `stepInput` for a rule whose only condition is a threshold or anomaly level (see Plan.fast). */
function levelLoop(run: Run, input: number, times: Float64Array, values: Float32Array, from: number, to: number): void {
  const { plan, state } = run;
  const node = state.nodes[0]!;
  const last = state.last;
  const high = plan.fastHigh;
  const on = plan.fastOn;
  const off = plan.fastOff;
  const rising = plan.nodes[0]!.sign > 0;
  const autoClear = plan.autoClearMs !== null;
  for (let i = from; i < to; i++) {
    const value = values[i]!;
    if (value !== value) continue;
    const time = times[i]!;
    if (time < last[input]!) continue;
    const h = node.h;
    const holds = high ? (h ? !(value < off) : value > on) : h ? !(value > off) : value < on;
    // Anything but "same state, new value" goes the general way.
    if (holds !== h || time >= state.next || (h && (!isSet(state.since) || (autoClear && state.active)))) {
      sample(run, input, time, value);
      continue;
    }
    last[input] = time;
    if (!isSet(state.lastAny) || time > state.lastAny) state.lastAny = time;
    node.x = value;
    if (h) {
      state.lastTrue = time;
      if (state.active && (!isSet(state.peak) || (rising ? value > state.peak : value < state.peak))) state.peak = value;
    }
  }
}

/**
 * `stepInput` for a rule whose conditions are all window statistics of one input: a sample inside
 * every open window only adds to them (no deadline moves); any other goes to `sample`.
 */
function windowLoop(run: Run, input: number, times: Float64Array, values: Float32Array, from: number, to: number): void {
  const { plan, state } = run;
  const windows = plan.windowLeaves.map((index) => state.nodes[index] as WindowState);
  const count = windows.length;
  const conditions = plan.windowLeaves.map((index) => plan.nodes[index]!.condition as Condition & { kind: 'window' });
  const stats = conditions.map((condition) => condition.stat);
  const windowMs = conditions.map((condition) => condition.window_s * 1000);
  const last = state.last;
  for (let i = from; i < to; i++) {
    const value = values[i]!;
    if (value !== value) continue;
    const time = times[i]!;
    if (time < last[input]!) continue;
    let open = time < state.next;
    for (let k = 0; open && k < count; k++) open = isSet(windows[k]!.start);
    if (!open) {
      sample(run, input, time, value);
      continue;
    }
    last[input] = time;
    if (!isSet(state.lastAny) || time > state.lastAny) state.lastAny = time;
    for (let k = 0; k < count; k++) addToWindow(stats[k]!, windowMs[k]!, windows[k]!, time, value);
  }
}

/**
 * Time passes without data (stale, off delay, escalation after N s, auto-clear, a window's end):
 * `now` epoch ms. Acts only when now is past the last data time. Pure.
 */
export function tickRule(binding: RuleBinding, state: RuleState, now: number): { state: RuleState; transitions: RuleTransition[] } {
  // Cheap checks on the state as given first: ticks come every second for every rule.
  if (typeof state.lastAny !== 'number' || !(now > state.lastAny) || (typeof state.next === 'number' && now < state.next)) return { state, transitions: [] };
  const run: Run = { plan: planOf(binding), state: copyIn(state), transitions: [] };
  run.state.next = nextDeadline(run);
  if (!(now >= run.state.next)) return { state, transitions: [] };
  advance(run, now);
  return { state: copyOut(run.state), transitions: run.transitions };
}

/**
 * A benchmark of the hot path: evaluates `binding` over `samples` samples (1 kHz data time; a
 * sine between 0 and 100 with a spike to 150 every 7919 samples, the same on every input) in
 * batches of `batchSize`. The values are made once, so the loop times the rule, not the data.
 * Returns the number of transitions, so the work cannot be optimized away. For `alarms.rules_per_s`.
 */
export function benchmarkRule(binding: RuleBinding, samples: number, batchSize = 4096): number {
  const values = Float32Array.from({ length: batchSize }, (_, n) => Math.sin(n / 500) * 50 + 50 + (n % 7919 === 0 ? 100 : 0));
  const times = new Float64Array(batchSize);
  let state = initRuleState(binding);
  let transitions = 0;
  for (let done = 0; done < samples; done += batchSize) {
    const count = Math.min(batchSize, samples - done);
    const base = 1_700_000_000_000 + done;
    for (let i = 0; i < count; i++) times[i] = base + i;
    const result = stepRule(
      binding,
      state,
      binding.inputs.map((_, input) => ({ input, times: times.subarray(0, count), values: values.subarray(0, count) })),
    );
    state = result.state;
    transitions += result.transitions.length;
  }
  return transitions;
}
