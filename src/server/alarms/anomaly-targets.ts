/**
 * Which channels get a derived anomaly channel (alarms.md §3): every channel whose document says
 * `anomaly: true`, and every channel an enabled alarm rule's `anomaly` condition reads — the rule's
 * target (one channel, or, for a template, every channel of the site with the rule's field whose
 * asset or an ancestor asset has the rule's asset_type), or the channel a sub-condition names
 * (`channel`, or `field` of the same asset). Derived channels themselves are never scored again.
 * Pure: the runner hands it the documents it read.
 */
import { isDerivedChannel, type ChannelDoc } from '../../core';

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

/** What an anomaly condition reads: the rule's own channel, another field of the same asset, or an explicit channel. */
type Reads = { kind: 'target' } | { kind: 'field'; field: string } | { kind: 'channel'; channel: string };

/** The inputs of every `anomaly` condition in a condition tree (a sub-condition's field/channel applies below it). */
function anomalyReads(condition: unknown, inherited: Reads, depth: number, found: Reads[]): void {
  if (!isObject(condition) || depth > MAX_DEPTH) return;
  const reads: Reads = typeof condition.channel === 'string' ? { kind: 'channel', channel: condition.channel } : typeof condition.field === 'string' ? { kind: 'field', field: condition.field } : inherited;
  if (condition.kind === 'anomaly') found.push(reads);
  if ((condition.kind === 'all' || condition.kind === 'any') && Array.isArray(condition.conditions)) {
    for (const sub of condition.conditions) anomalyReads(sub, reads, depth + 1, found);
  }
}

/** Whether `asset` or one of its ancestors has `assetType` (cycles and deep chains stop the walk). */
function hasAssetType(asset: string, assetType: string, assets: ReadonlyMap<string, Record<string, unknown>>): boolean {
  let id: string | undefined = asset;
  for (let depth = 0; id !== undefined && depth <= 64; depth++) {
    const doc = assets.get(id);
    if (!doc) return false;
    if (doc.asset_type === assetType) return true;
    id = typeof doc.parent === 'string' ? doc.parent : undefined;
  }
  return false;
}

/** The alarm rules that read an anomaly score (enabled, with an `anomaly` condition somewhere). */
export function anomalyRules(rules: readonly StoredDocument[]): StoredDocument[] {
  return rules.filter(({ doc }) => {
    if (doc.type !== 'alarm_rule' || doc.enabled !== true) return false;
    const found: Reads[] = [];
    anomalyReads(doc.condition, { kind: 'target' }, 0, found);
    for (const step of Array.isArray(doc.escalation) ? doc.escalation : []) if (isObject(step)) anomalyReads(step.condition, { kind: 'target' }, 0, found);
    return found.length > 0;
  });
}

/**
 * The channels to score, each once, in id order. `channels` and `assets` are the documents of the
 * rules' sites (and any channel flagged `anomaly: true`); channels of another site than a rule's
 * are never bound to it.
 */
export function anomalyTargets(rules: readonly StoredDocument[], channels: readonly StoredDocument[], assets: readonly StoredDocument[]): AnomalyTarget[] {
  const channelById = new Map<string, ChannelDoc>();
  for (const { id, doc } of channels) if (scorable(doc)) channelById.set(id, doc);
  const assetById = new Map<string, Record<string, unknown>>();
  for (const { id, doc } of assets) if (doc.type === 'asset') assetById.set(id, doc);
  const chosen = new Map<string, ChannelDoc>();
  for (const [id, doc] of channelById) if ((doc as unknown as { anomaly?: unknown }).anomaly === true) chosen.set(id, doc);

  for (const { doc: rule } of anomalyRules(rules)) {
    const site = rule.site;
    const target = isObject(rule.target) ? rule.target : {};
    // The channels the rule is bound to (one, or a template's matches), all of the rule's site.
    const bound: Array<[string, ChannelDoc]> = [];
    if (typeof target.channel === 'string') {
      const doc = channelById.get(target.channel);
      if (doc && doc.site === site) bound.push([target.channel, doc]);
    } else if (typeof target.asset_type === 'string' && typeof target.field === 'string') {
      for (const [id, doc] of channelById) {
        if (doc.site === site && doc.field === target.field && hasAssetType(doc.asset, target.asset_type, assetById)) bound.push([id, doc]);
      }
    }
    const found: Reads[] = [];
    anomalyReads(rule.condition, { kind: 'target' }, 0, found);
    for (const step of Array.isArray(rule.escalation) ? rule.escalation : []) if (isObject(step)) anomalyReads(step.condition, { kind: 'target' }, 0, found);
    for (const reads of found) {
      if (reads.kind === 'channel') {
        const doc = channelById.get(reads.channel);
        if (doc && doc.site === site) chosen.set(reads.channel, doc);
        continue;
      }
      for (const [id, doc] of bound) {
        if (reads.kind === 'target') {
          chosen.set(id, doc);
          continue;
        }
        // Another field of the same asset.
        for (const [otherId, other] of channelById) if (other.asset === doc.asset && other.field === reads.field) chosen.set(otherId, other);
      }
    }
  }
  return [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([channel, doc]) => ({ channel, doc }));
}
