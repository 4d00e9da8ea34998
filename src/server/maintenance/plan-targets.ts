/**
 * Which assets each preventive plan applies to, and what the scheduler reads for them: a plan's
 * target asset (in the plan's site), or every asset of its asset type in the plan's site; for a
 * usage plan, the asset's channel of the trigger's field (found by asset and field, never by id
 * scheme) with the kernel parameters the usage is computed with. Pure: the scheduler hands in the
 * stored documents.
 */
import { maintenancePlanProblem, planEnabled, powerToMegawatts, siteSlug, type AssetDoc, type ChannelDoc, type MaintenancePlan } from '../../core';

/** A stored document with its id. */
export interface StoredDocument {
  id: string;
  doc: Record<string, unknown>;
}

/** How a usage plan's usage is computed for one asset. */
export interface UsageSource {
  channel: string;
  array: string;
  kernel: 'operating_hours' | 'energy_mwh';
  params: { threshold: number; max_gap_s: number } | { unit: string; max_gap_s: number };
}

/** One plan × asset the scheduler keeps generating for. */
export interface PlanTarget {
  planId: string;
  plan: MaintenancePlan;
  assetId: string;
  asset: AssetDoc;
  /** Usage plans: where the usage comes from; absent with `problem` when it cannot be computed. */
  usage?: UsageSource;
  /** Why this plan × asset generates nothing now (no channel of the field, not a power unit, …). */
  problem?: string;
}

/** The plans that are not valid documents, with the reason (they generate nothing). */
export interface PlanProblem {
  planId: string;
  problem: string;
}

/**
 * The longest interval between two samples that still counts: five of the channel's sample
 * intervals (from its rate), at least a minute, so a 1 Hz channel's jitter and a backfill's 10 s
 * older history count while a logger down for minutes does not.
 */
export function usageGapSeconds(channel: ChannelDoc): number {
  const interval = typeof channel.rate === 'number' && channel.rate > 0 ? 1 / channel.rate : 0;
  return Math.max(60, 5 * interval);
}

/** The work order id of occurrence `n` of `planId` for `assetId`: `work_order/plan/<plan suffix>/<asset slug>/<n>`. */
export function planWorkOrderId(planId: string, assetId: string, site: string, n: number): string {
  return `${planWorkOrderPrefix(planId, assetId, site)}${n}`;
}

/** The ids of one plan × asset's work orders start with this. */
export function planWorkOrderPrefix(planId: string, assetId: string, site: string): string {
  const suffix = planId.startsWith('maintenance_plan/') ? planId.slice('maintenance_plan/'.length) : planId;
  let slug = assetId.startsWith('asset/') ? assetId.slice('asset/'.length) : assetId;
  // asset/<site slug>/<slug>: within the plan's site the site part says nothing.
  const sitePart = `${siteSlug(site)}/`;
  if (slug.startsWith(sitePart) && slug.length > sitePart.length) slug = slug.slice(sitePart.length);
  return `work_order/plan/${suffix}/${slug}/`;
}

/**
 * Every enabled, valid plan × matching asset, in plan id then asset id order; invalid plans come
 * back in `problems`. `channels` are the channel documents of the plans' sites.
 */
export function planTargets(plans: readonly StoredDocument[], assets: readonly StoredDocument[], channels: readonly StoredDocument[]): { targets: PlanTarget[]; problems: PlanProblem[] } {
  const targets: PlanTarget[] = [];
  const problems: PlanProblem[] = [];
  const assetsById = new Map<string, AssetDoc>();
  for (const { id, doc } of assets) if (doc.type === 'asset') assetsById.set(id, doc as unknown as AssetDoc);
  // Channels by asset, then field (manual-reading channels too: a value read by hand is usage data).
  const channelsOf = new Map<string, Map<string, { id: string; doc: ChannelDoc }>>();
  for (const { id, doc } of channels) {
    if (doc.type !== 'channel' || typeof doc.asset !== 'string' || typeof doc.field !== 'string' || typeof doc.array !== 'string') continue;
    // Derived channels (anomaly scores) share the field: the measured one wins.
    if (id.endsWith('/anomaly')) continue;
    let byField = channelsOf.get(doc.asset);
    if (!byField) channelsOf.set(doc.asset, (byField = new Map()));
    if (!byField.has(doc.field)) byField.set(doc.field, { id, doc: doc as unknown as ChannelDoc });
  }
  for (const { id: planId, doc } of [...plans].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const problem = maintenancePlanProblem(doc);
    if (problem) {
      problems.push({ planId, problem });
      continue;
    }
    const plan = doc as unknown as MaintenancePlan;
    if (!planEnabled(plan)) continue;
    const matching: string[] = [];
    if ('asset' in plan.target) {
      const asset = assetsById.get(plan.target.asset);
      if (asset && asset.site === plan.site) matching.push(plan.target.asset);
      else problems.push({ planId, problem: `target.asset ${JSON.stringify(plan.target.asset)} is not an asset of ${plan.site}` });
    } else {
      const type = plan.target.asset_type;
      for (const [assetId, asset] of assetsById) if (asset.site === plan.site && asset.asset_type === type) matching.push(assetId);
      matching.sort();
    }
    for (const assetId of matching) {
      const target: PlanTarget = { planId, plan, assetId, asset: assetsById.get(assetId)! };
      if (plan.trigger.kind === 'usage') {
        const channel = channelsOf.get(assetId)?.get(plan.trigger.field);
        if (!channel) target.problem = `${assetId} has no channel of field ${JSON.stringify(plan.trigger.field)}`;
        else if (plan.trigger.measure === 'energy_mwh') {
          const unit = channel.doc.unit;
          if (powerToMegawatts(unit) === undefined) target.problem = `${channel.id} is in ${JSON.stringify(unit ?? '')}, not a power unit (W, kW, MW, GW)`;
          else target.usage = { channel: channel.id, array: channel.doc.array, kernel: 'energy_mwh', params: { unit: unit!.trim(), max_gap_s: usageGapSeconds(channel.doc) } };
        } else target.usage = { channel: channel.id, array: channel.doc.array, kernel: 'operating_hours', params: { threshold: plan.trigger.threshold ?? 0, max_gap_s: usageGapSeconds(channel.doc) } };
      }
      targets.push(target);
    }
  }
  return { targets, problems };
}
