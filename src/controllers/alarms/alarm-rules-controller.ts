/**
 * The alarm rules of this device's storage for the rules page: the rule documents (sync brings
 * them and takes the edits back: an engineer edits offline too), the sites, assets and channels a
 * rule can target — channels by title, templates by asset type and the fields channels of such
 * assets have — and the writes: a rule saved from the form (checked by the core's
 * alarmRuleProblem first, refused with the reason) or switched on or off.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { alarmRuleProblem, assetTree, type AlarmRule, type AssetDoc, type ChannelDoc, type SiteDoc } from '../../core';
import type { Storage } from '../../storage';
import { storageContext } from '../contexts';
import { DocsController, type Listed } from '../docs-controller';
import { ruleFromDraft, type RuleDraft } from './rule-draft';

/** A choice of a select list: its value and what it shows. */
export interface Choice {
  value: string;
  label: string;
}

/** The rule could not be saved: `message` says why (a form field or the core check). */
export class RuleNotSaved extends Error {
  override name = 'RuleNotSaved';
}

/** "main_bearing" → "Main bearing". */
export function formatAssetType(type: string): string {
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A listed document's fields without the `id` the listing added. */
function withoutId(listed: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(listed).filter(([key]) => key !== 'id'));
}

export class AlarmRulesController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #rules: DocsController<AlarmRule>;
  readonly #sites: DocsController<SiteDoc>;
  readonly #assets: DocsController<AssetDoc>;
  readonly #channels: DocsController<ChannelDoc>;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true });
    this.#rules = new DocsController<AlarmRule>(host, { query: () => 'type:alarm_rule', prefixes: ['alarm_rule/'] });
    this.#sites = new DocsController<SiteDoc>(host, { query: () => 'type:site', prefixes: ['site/'] });
    this.#assets = new DocsController<AssetDoc>(host, { query: () => 'type:asset', prefixes: ['asset/'] });
    this.#channels = new DocsController<ChannelDoc>(host, { query: () => 'type:channel', prefixes: ['channel/'] });
    host.addController(this);
  }

  /** Whether the rules and what they can target were read (false until the first listings). */
  get loaded(): boolean {
    return this.#rules.docs !== undefined && this.#sites.docs !== undefined && this.#assets.docs !== undefined && this.#channels.docs !== undefined;
  }

  get error(): string | undefined {
    return this.#rules.error ?? this.#channels.error;
  }

  /** The rules, by site title then rule title. */
  get rules(): Array<Listed<AlarmRule>> {
    const siteTitle = (id: string) => this.siteTitle(id);
    return [...(this.#rules.docs ?? [])].filter((rule) => typeof rule.title === 'string' && typeof rule.site === 'string').sort((a, b) => siteTitle(a.site).localeCompare(siteTitle(b.site)) || a.title.localeCompare(b.title) || (a.id < b.id ? -1 : 1));
  }

  /** The stored rule `id` (undefined: not on this device). */
  rule(id: string): Listed<AlarmRule> | undefined {
    return this.#rules.docs?.find((rule) => rule.id === id);
  }

  get sites(): Choice[] {
    return (this.#sites.docs ?? []).map((site) => ({ value: site.id, label: site.title ?? site.id })).sort((a, b) => a.label.localeCompare(b.label));
  }

  siteTitle(id: string): string {
    return this.#sites.docs?.find((site) => site.id === id)?.title ?? id;
  }

  #assetTitle(id: string): string {
    return this.#assets.docs?.find((asset) => asset.id === id)?.title ?? id;
  }

  /** The site's channels by asset and channel title ("T01 gearbox — Gearbox acceleration X"). */
  channelChoices(site: string): Choice[] {
    return (this.#channels.docs ?? [])
      .filter((channel) => channel.site === site)
      .map((channel) => ({ value: channel.id, label: `${this.#assetTitle(channel.asset)} — ${channel.title ?? channel.field}` }))
      .sort((a, b) => a.label.localeCompare(b.label));
  }

  /** The asset types of the site's assets. */
  assetTypes(site: string): Choice[] {
    const types = new Set<string>();
    for (const asset of this.#assets.docs ?? []) if (asset.site === site && typeof asset.asset_type === 'string' && asset.asset_type) types.add(asset.asset_type);
    return [...types].sort().map((type) => ({ value: type, label: formatAssetType(type) }));
  }

  /**
   * The fields that channels of the site's assets of `assetType` (or below such an asset) have,
   * with their title: what a template by asset type can watch.
   */
  fieldChoices(site: string, assetType: string): Choice[] {
    const assets = (this.#assets.docs ?? []).filter((asset) => asset.site === site);
    const tree = assetTree(assets.map((asset) => ({ id: asset.id, site: asset.site, parent: asset.parent, title: asset.title, type: asset.asset_type })));
    const matches = (id: string) => tree.get(id)?.type === assetType || tree.ancestry(id).some((ancestor) => ancestor.type === assetType);
    const fields = new Map<string, string>();
    for (const channel of this.#channels.docs ?? []) {
      if (channel.site !== site || !matches(channel.asset) || fields.has(channel.field)) continue;
      fields.set(channel.field, channel.title ?? channel.field);
    }
    return [...fields].map(([value, title]) => ({ value, label: title === value ? value : `${title} (${value})` })).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** The other fields of the channel's asset (what a condition of a one-channel rule may read instead). */
  siblingFields(channelId: string): Choice[] {
    const channel = this.#channels.docs?.find((doc) => doc.id === channelId);
    if (!channel) return [];
    const fields = new Map<string, string>();
    for (const other of this.#channels.docs ?? []) if (other.asset === channel.asset && other.id !== channel.id && !fields.has(other.field)) fields.set(other.field, other.title ?? other.field);
    return [...fields].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** What the rule watches, in words: "Every turbine: Gearbox bearing temperature" or the channel's asset and title. */
  targetText(rule: AlarmRule): string {
    if ('channel' in rule.target) {
      const channel = this.#channels.docs?.find((doc) => doc.id === (rule.target as { channel: string }).channel);
      return channel ? `${this.#assetTitle(channel.asset)} — ${channel.title ?? channel.field}` : rule.target.channel;
    }
    const { asset_type: type, field } = rule.target;
    const title = this.#channels.docs?.find((channel) => channel.site === rule.site && channel.field === field)?.title ?? field;
    return `Every ${formatAssetType(type).toLowerCase()}: ${title}`;
  }

  #storageOrThrow(): Storage {
    const storage = this.#storage.value;
    if (!storage) throw new RuleNotSaved('No storage on this device yet');
    return storage;
  }

  /**
   * Saves the form's rule as `id` (undefined: a new rule, `alarm_rule/<uuid>`) into this device's
   * storage; sync takes it to the server. Keys of the stored rule the form does not own stay.
   * Rejects with RuleNotSaved (nothing written) when the form does not make a valid rule.
   */
  async save(id: string | undefined, draft: RuleDraft, username: string | undefined): Promise<string> {
    const storage = this.#storageOrThrow();
    const stored = id === undefined ? undefined : this.rule(id);
    const result = ruleFromDraft(draft, username, stored ? withoutId(stored) : undefined);
    if ('problem' in result) throw new RuleNotSaved(result.problem);
    const target = id ?? `alarm_rule/${crypto.randomUUID()}`;
    await storage.put(target, result.rule as unknown as Record<string, never>);
    await this.reload();
    return target;
  }

  /** Switches rule `id` on or off (the rest of it unchanged). */
  async setEnabled(id: string, enabled: boolean, username: string | undefined): Promise<void> {
    const storage = this.#storageOrThrow();
    const stored = this.rule(id);
    if (!stored) throw new RuleNotSaved(`The rule ${id} is not on this device`);
    const next: Record<string, unknown> = { ...withoutId(stored), enabled, ...(username ? { updated_by: username } : {}) };
    const problem = alarmRuleProblem(next);
    if (problem) throw new RuleNotSaved(problem);
    await storage.put(id, next as Record<string, never>);
    await this.reload();
  }

  /** Lists everything again. */
  async reload(): Promise<void> {
    await Promise.all([this.#rules.reload(), this.#sites.reload(), this.#assets.reload(), this.#channels.reload()]);
    this.#host.requestUpdate();
  }

  hostConnected(): void {}
}
