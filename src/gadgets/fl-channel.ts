import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import { AlarmsController, activationBands, OnlineStatusController, hrefOf, serverStorageContext, storageContext } from '../controllers';
import { anomalyChannelId } from '../core';
import type { AnomalyChannelDoc, AssetDoc, ChannelDoc, SiteDoc } from '../core';
import { baseStyles } from './design/styles';
import { defaultExplorerState, encodeExplorerQuery } from '../controllers/explorer/explorer-state';

/** The explorer with this channel in one panel, over the explorer's default range (the last 24 hours). */
function explorerHref(channel: string): string {
  return `#/explore?${encodeExplorerQuery({ ...defaultExplorerState(), panels: [{ series: [{ channel }] }] }).toString()}`;
}

/** The plot's height at full size: the window below the heading and facts, within sensible bounds. */
function fullHeight(): number {
  return Math.round(Math.max(280, Math.min(640, window.innerHeight - 380)));
}

/**
 * One channel at full size: its chart (fl-channel-chart: drag to zoom, double-click back), its
 * unit, expected rate and normal range, the asset it measures, and a link to its derived anomaly
 * score channel when there is one (from that channel, back to the scored one). Online the chart reads the
 * server's array; offline, this device's pinned copy. Gadget methods: property `channel` (the
 * channel document's id); fires `fl-title` (bubbles, composed) with {title, trail}.
 */
export class FlChannel extends LitElement {
  static override properties = { channel: { type: String }, doc: { state: true }, asset: { state: true }, related: { state: true } };

  declare channel: string;
  declare doc: ChannelDoc | null | undefined;
  declare asset: AssetDoc | undefined;
  /** The channel this one is linked with: its anomaly score, or (on a score) the channel scored; null: none; undefined: not known yet. */
  declare related: { label: string; channel: string } | null | undefined;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true, callback: () => void this.#load() });
  readonly #server = new ContextConsumer(this, { context: serverStorageContext, subscribe: true, callback: () => void this.#load() });
  readonly #online = new OnlineStatusController(this);
  /** The channel's alarms on this device, drawn as bands on the chart. */
  readonly #alarms = new AlarmsController(this, { filter: () => ({ state: 'any', showHidden: true }) });

  constructor() {
    super();
    this.channel = '';
    this.doc = undefined;
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-medium); }
      .facts { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small) var(--sl-spacing-x-large); margin: 0; }
      .facts div { display: grid; }
      .facts dt { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .facts dd { margin: 0; }
      .related { margin: 0; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('channel')) void this.#load();
  }

  async #load(): Promise<void> {
    const id = this.channel;
    const storage = this.#storage.value;
    if (!id || !storage) return;
    // Channel documents sync to every device that may see them; an engineer may open one of
    // another site from the server's list, so ask the server when this device lacks it.
    const read = async (docId: string): Promise<ChannelDoc | undefined> =>
      ((await storage.get(docId).catch(() => undefined)) ?? (await this.#server.value?.get(docId).catch(() => undefined))) as ChannelDoc | undefined;
    const doc = await read(id);
    if (id !== this.channel) return;
    this.doc = doc ?? null;
    this.related = undefined;
    if (!doc) return;
    this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: doc.title }, bubbles: true, composed: true }));
    const [asset, site] = await Promise.all([
      doc.asset ? ((await storage.get(doc.asset).catch(() => undefined)) as AssetDoc | undefined) : undefined,
      doc.site ? ((await storage.get(doc.site).catch(() => undefined)) as SiteDoc | undefined) : undefined,
    ]);
    if (id !== this.channel) return;
    this.asset = asset;
    // A score names the channel it scores; a scored channel's score is found by its id (the runner
    // makes it for flagged channels and for those an anomaly rule reads, so the flag alone is not enough).
    const from = (doc as Partial<AnomalyChannelDoc>).derived?.from;
    const score = from === undefined && (await read(anomalyChannelId(id))) ? anomalyChannelId(id) : undefined;
    if (id !== this.channel) return;
    this.related = from !== undefined ? { label: 'Scored channel', channel: from } : score !== undefined ? { label: 'Anomaly score', channel: score } : null;
    const trail = [
      { label: 'Sites', href: hrefOf('sites') },
      ...(site ? [{ label: site.title, href: hrefOf('sites', doc.site) }] : []),
      ...(asset ? [{ label: asset.title, href: hrefOf('assets', doc.asset) }] : []),
    ];
    this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: doc.title, trail }, bubbles: true, composed: true }));
  }

  override render() {
    if (!this.channel) return html`<p>Choose a channel from an asset.</p>`;
    if (this.doc === null) return html`<p role="alert" class="error">This channel is not on this device, and the server did not answer for it.</p>`;
    if (!this.doc) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the channel…</p>`;
    const doc = this.doc;
    const storage = this.#online.online ? this.#server.value : undefined;
    const fact = (label: string, value: unknown) => (value !== undefined && value !== '' ? html`<div><dt>${label}</dt><dd>${value}</dd></div>` : nothing);
    return html`
      <dl class="facts">
        ${fact('Asset', doc.asset ? html`<a href=${hrefOf('assets', doc.asset)}>${this.asset?.title ?? 'the asset'}</a>` : undefined)}
        ${fact('Unit', doc.unit)}
        ${fact('Expected rate', doc.rate !== undefined ? `${doc.rate} ${doc.rate === 1 ? 'sample' : 'samples'} per second` : undefined)}
        ${fact('Normal range', doc.normal ? `${doc.normal.min ?? '…'} to ${doc.normal.max ?? '…'} ${doc.unit ?? ''}` : undefined)}
        ${fact('Field', doc.field)}
      </dl>
      <p class="related"><a class="touch" data-action="explore" href=${explorerHref(this.channel)}>Open in explorer</a></p>
      ${this.related ? html`<p class="related"><a href=${hrefOf('channels', this.related.channel)}>${this.related.label}</a></p>` : nothing}
      <fl-channel-chart .array=${doc.array} .label=${doc.title} .unit=${doc.unit ?? ''} .storage=${storage} .height=${fullHeight()} .alarms=${activationBands(this.#alarms.all.filter((alarm) => alarm.channel === this.channel))}></fl-channel-chart>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-channel': FlChannel;
  }
}
