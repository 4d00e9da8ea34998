/**
 * Which channels get a derived anomaly channel (alarms.md §3): every channel whose document says
 * `anomaly: true`, and every channel an enabled alarm rule's `anomaly` condition reads, as the alarm
 * engine binds it (bindRule: the rule's target, one channel or a template's matches, or the channel
 * a sub-condition names). Derived channels themselves are never scored again. Pure: the runner
 * hands it the documents it read.
 */
import { anomalyArrayOf, bindRule, isDerivedChannel, type AlarmRule, type AssetDoc, type AssetEntry, type ChannelDoc, type ChannelEntry, type RuleBinding } from '../../core';

/** A document as read from the store. */
export interface StoredDocument {
  id: string;
  doc: Record<string, unknown>;
}

/** A channel to score: its id and document. */
export interface AnomalyTarget {
  channel: string;
  doc: ChannelDoc;
}

/** Deepest condition tree looked into (the rule checks allow 4; a bad stored rule must not recurse forever). */
const MAX_DEPTH = 8;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a stored document is a channel document the runner can score (has its array, site, asset, source). */
function scorable(doc: Record<string, unknown>): doc is Record<string, unknown> & ChannelDoc {
  return doc.type === 'channel' && typeof doc.array === 'string' && typeof doc.site === 'string' && typeof doc.asset === 'string' && typeof doc.source === 'string' && typeof doc.field === 'string' && typeof doc.title === 'string' && !isDerivedChannel(doc);
}

/** Whether a condition tree has an `anomaly` condition anywhere. */
function hasAnomaly(condition: unknown, depth: number): boolean {
  if (!isObject(condition) || depth > MAX_DEPTH) return false;
  if (condition.kind === 'anomaly') return true;
  return (condition.kind === 'all' || condition.kind === 'any') && Array.isArray(condition.conditions) && condition.conditions.some((sub) => hasAnomaly(sub, depth + 1));
}

/** The alarm rules that read an anomaly score (enabled, with an `anomaly` condition somewhere). */
export function anomalyRules(rules: readonly StoredDocument[]): StoredDocument[] {
  return rules.filter(({ doc }) => {
    if (doc.type !== 'alarm_rule' || doc.enabled !== true) return false;
    const escalation = Array.isArray(doc.escalation) ? doc.escalation : [];
    return hasAnomaly(doc.condition, 0) || escalation.some((step) => isObject(step) && hasAnomaly(step.condition, 0));
  });
}

/**
 * The channels to score, each once, in id order. `channels` and `assets` are the documents of the
 * rules' sites (and any channel flagged `anomaly: true`). Rules are bound by the alarm engine's
 * own bindRule, so the runner scores exactly the anomaly arrays the evaluator reads (its inputs
 * named `<array>/anomaly`); a rule that does not validate is skipped (`onInvalid` says why).
 */
export function anomalyTargets(rules: readonly StoredDocument[], channels: readonly StoredDocument[], assets: readonly StoredDocument[], onInvalid: (error: unknown) => void = () => undefined): AnomalyTarget[] {
  const channelById = new Map<string, ChannelDoc>();
  for (const { id, doc } of channels) if (scorable(doc)) channelById.set(id, doc);
  const chosen = new Map<string, ChannelDoc>();
  for (const [id, doc] of channelById) if ((doc as unknown as { anomaly?: unknown }).anomaly === true) chosen.set(id, doc);
  const channelEntries: ChannelEntry[] = [...channelById].map(([id, doc]) => ({ id, doc }));
  const assetEntries: AssetEntry[] = assets.filter(({ doc }) => doc.type === 'asset').map(({ id, doc }) => ({ id, doc: doc as unknown as AssetDoc }));
  for (const { id, doc } of anomalyRules(rules)) {
    let bindings: RuleBinding[];
    try {
      bindings = bindRule(id, doc as unknown as AlarmRule, channelEntries, assetEntries);
    } catch (error) {
      onInvalid(error);
      continue;
    }
    for (const binding of bindings) {
      binding.inputs.forEach((input, index) => {
        const channel = binding.inputChannels[index];
        const channelDoc = channel === undefined ? undefined : channelById.get(channel);
        if (channel !== undefined && channelDoc && input === anomalyArrayOf(channelDoc)) chosen.set(channel, channelDoc);
      });
    }
  }
  return [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([channel, doc]) => ({ channel, doc }));
}
