/**
 * The preventive plans of this device's storage for the plans page: the plan documents (sync
 * brings those of the user's sites and takes an engineer's edits back, offline too), the sites and
 * assets a plan can target, the channel fields a usage plan can be computed from, and the
 * preventive work orders each plan generated (the server's plan scheduler writes them). Writes: a
 * plan saved from the form, checked by planFromDraft (the core's maintenancePlanProblem) first.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import type { AssetDoc, ChannelDoc, MaintenancePlan, SiteDoc, WorkOrder } from '../../core';
import { storageContext } from '../contexts';
import { DocsController, type Listed } from '../docs-controller';
import { formatAssetType, type Choice } from '../alarms/alarm-rules-controller';
import { planFromDraft, type PlanDraft } from './plan-draft';

/** The plan could not be saved: `message` says why. */
export class PlanNotSaved extends Error {
  override name = 'PlanNotSaved';
}

/** What a plan generated: its work orders by occurrence, and the next one still to do. */
export interface PlanWorkOrders {
  orders: Array<Listed<WorkOrder>>;
  /** The open one due first (not done or verified), if any. */
  next: Listed<WorkOrder> | undefined;
}

const finished = new Set(['done', 'verified']);

/** A listed document's fields without the `id` the listing added. */
function withoutId(listed: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(listed).filter(([key]) => key !== 'id'));
}

export class MaintenancePlansController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #plans: DocsController<MaintenancePlan>;
  readonly #sites: DocsController<SiteDoc>;
  readonly #assets: DocsController<AssetDoc>;
  readonly #channels: DocsController<ChannelDoc>;
  readonly #orders: DocsController<WorkOrder>;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true });
    this.#plans = new DocsController<MaintenancePlan>(host, { query: () => 'type:maintenance_plan', prefixes: ['maintenance_plan/'] });
    this.#sites = new DocsController<SiteDoc>(host, { query: () => 'type:site', prefixes: ['site/'] });
    this.#assets = new DocsController<AssetDoc>(host, { query: () => 'type:asset', prefixes: ['asset/'] });
    this.#channels = new DocsController<ChannelDoc>(host, { query: () => 'type:channel', prefixes: ['channel/'] });
    // Only preventive ones: a plan's work orders (a device may hold thousands of others).
    this.#orders = new DocsController<WorkOrder>(host, { query: () => 'type:work_order AND kind:preventive', prefixes: ['work_order/plan/'], sortOn: 'due' });
    host.addController(this);
  }

  /** Whether the plans and what they target were read. */
  get loaded(): boolean {
    return this.#plans.docs !== undefined && this.#sites.docs !== undefined && this.#assets.docs !== undefined;
  }

  get error(): string | undefined {
    return this.#plans.error ?? this.#assets.error ?? this.#orders.error;
  }

  /** The plans, by site title then plan title. */
  get plans(): Array<Listed<MaintenancePlan>> {
    return [...(this.#plans.docs ?? [])]
      .filter((plan) => typeof plan.title === 'string' && typeof plan.site === 'string' && plan.target !== undefined && plan.trigger !== undefined)
      .sort((a, b) => this.siteTitle(a.site).localeCompare(this.siteTitle(b.site)) || a.title.localeCompare(b.title) || (a.id < b.id ? -1 : 1));
  }

  /** The stored plan `id` (undefined: not on this device). */
  plan(id: string): Listed<MaintenancePlan> | undefined {
    return this.#plans.docs?.find((plan) => plan.id === id);
  }

  get sites(): Choice[] {
    return (this.#sites.docs ?? []).map((site) => ({ value: site.id, label: site.title ?? site.id })).sort((a, b) => a.label.localeCompare(b.label));
  }

  siteTitle(id: string): string {
    return this.#sites.docs?.find((site) => site.id === id)?.title ?? id;
  }

  assetTitle(id: string): string {
    return this.#assets.docs?.find((asset) => asset.id === id)?.title ?? id;
  }

  /** The site's assets by title. */
  assetChoices(site: string): Choice[] {
    return (this.#assets.docs ?? []).filter((asset) => asset.site === site).map((asset) => ({ value: asset.id, label: asset.title ?? asset.id })).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** The asset types of the site's assets. */
  assetTypes(site: string): Choice[] {
    const types = new Set<string>();
    for (const asset of this.#assets.docs ?? []) if (asset.site === site && typeof asset.asset_type === 'string' && asset.asset_type) types.add(asset.asset_type);
    return [...types].sort().map((type) => ({ value: type, label: formatAssetType(type) }));
  }

  /** The channel fields of the draft's target (the asset, or assets of the type in the site), by title. */
  fieldChoices(draft: PlanDraft): Choice[] {
    const assets = new Set((this.#assets.docs ?? []).filter((asset) => asset.site === draft.site && (draft.targetMode === 'asset' ? asset.id === draft.asset : asset.asset_type === draft.asset_type)).map((asset) => asset.id));
    const fields = new Map<string, string>();
    for (const channel of this.#channels.docs ?? []) {
      if (!assets.has(channel.asset) || fields.has(channel.field) || channel.id.endsWith('/anomaly')) continue;
      fields.set(channel.field, `${channel.title ?? channel.field}${channel.unit ? ` (${channel.unit})` : ''}`);
    }
    return [...fields].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** What the plan applies to, in words: "Every turbine" or the asset's title. */
  targetText(plan: MaintenancePlan): string {
    return 'asset' in plan.target ? this.assetTitle(plan.target.asset) : `Every ${formatAssetType(plan.target.asset_type).toLowerCase()}`;
  }

  /** The work orders plan `id` generated, by due date, and the next one still to do. */
  workOrdersOf(id: string): PlanWorkOrders {
    const orders = (this.#orders.docs ?? []).filter((order) => order.plan?.id === id).sort((a, b) => (a.due ?? '').localeCompare(b.due ?? '') || (a.plan?.occurrence ?? 0) - (b.plan?.occurrence ?? 0));
    return { orders, next: orders.find((order) => !finished.has(order.status)) };
  }

  /**
   * Saves the form's plan as `id` (undefined: a new plan, `maintenance_plan/<uuid>`) into this
   * device's storage; sync takes it to the server, whose scheduler generates its work orders.
   * Rejects with PlanNotSaved (nothing written) when the form does not make a valid plan.
   */
  async save(id: string | undefined, draft: PlanDraft): Promise<string> {
    const storage = this.#storage.value;
    if (!storage) throw new PlanNotSaved('No storage on this device yet');
    const stored = id === undefined ? undefined : this.plan(id);
    const result = planFromDraft(draft, stored ? withoutId(stored) : undefined);
    if ('problem' in result) throw new PlanNotSaved(result.problem);
    const target = id ?? `maintenance_plan/${crypto.randomUUID()}`;
    await storage.put(target, result.plan as unknown as Record<string, never>);
    await this.reload();
    return target;
  }

  /** Lists everything again. */
  async reload(): Promise<void> {
    await Promise.all([this.#plans.reload(), this.#sites.reload(), this.#assets.reload(), this.#channels.reload(), this.#orders.reload()]);
    this.#host.requestUpdate();
  }

  hostConnected(): void {}
}
