import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { ContextConsumer } from '@lit/context';
import type SlSelect from '@shoelace-style/shoelace/dist/components/select/select.js';
import type SlTextarea from '@shoelace-style/shoelace/dist/components/textarea/textarea.js';
import {
  AlarmsController,
  activationBands,
  OnlineStatusController,
  UnsavedChangesController,
  createWorkOrderFromAlarm,
  hrefOf,
  serverStorageContext,
  storageContext,
  writeAlarmAction,
  type AlarmActionChoice,
  type AlarmRow,
  type AlarmTitles,
} from '../controllers';
import { isShelved, type AssetDoc, type ChannelDoc, type SiteDoc } from '../core';
import { baseStyles } from './design/styles';
import { toastFailed, toastSaved } from './design/toast';
import { formatTime, historyLabels, severityChip, severityStyles, stateLabels } from './alarm-format';
import { formatValue } from './format';

/** How long a shelve lasts: the choices offered (ms). */
const shelveChoices: ReadonlyArray<[string, string, number]> = [
  ['1h', '1 hour', 3_600_000],
  ['8h', '8 hours', 8 * 3_600_000],
  ['24h', '1 day', 24 * 3_600_000],
  ['7d', '7 days', 7 * 24 * 3_600_000],
];

const doneMessages: Record<AlarmActionChoice['action'], string> = {
  acknowledge: 'Alarm acknowledged',
  comment: 'Comment added',
  shelve: 'Alarm shelved',
  unshelve: 'Alarm unshelved',
  remove_from_service: 'Alarm out of service',
  return_to_service: 'Alarm back in service',
  link_work_order: 'Work order linked',
};

/**
 * One alarm: what, where and when (severity, state, asset, channel, rule, raised/cleared,
 * acknowledged by, value and peak, activations), the channel's chart with the alarm's band, the
 * history (every transition and action, newest first), and the actions: Acknowledge, Comment,
 * Shelve for a chosen time / Unshelve, Out of service / Return to service, and Create work order
 * (opens the new work order, linked both ways). Actions are written to this device and sync
 * later: offline they show at once, marked "not synced yet".
 * Gadget methods: properties `alarm` (the alarm's id) and `username` (who acts: recorded as `by`);
 * fires `fl-title` (bubbles, composed) with {title, trail}.
 */
export class FlAlarm extends LitElement {
  static override properties = {
    alarm: { type: String },
    username: { type: String },
    comment: { state: true },
    shelveFor: { state: true },
    busy: { state: true },
    titles: { state: true },
    channelDoc: { state: true },
    orders: { state: true },
  };

  declare alarm: string;
  declare username: string | undefined;
  declare comment: string;
  declare shelveFor: string;
  declare busy: boolean;
  declare titles: AlarmTitles;
  declare channelDoc: ChannelDoc | undefined;
  /** Titles of the linked work orders on this device, by id. */
  declare orders: ReadonlyMap<string, string>;

  readonly #storage = new ContextConsumer(this, { context: storageContext, subscribe: true });
  readonly #server = new ContextConsumer(this, { context: serverStorageContext, subscribe: true });
  readonly #online = new OnlineStatusController(this);
  readonly #alarms = new AlarmsController(this, { filter: () => ({ state: 'any', showHidden: true }) });
  /** What the titles were read for (asset, channel, work orders), so they are read once per change. */
  #titlesFor = '';

  constructor() {
    super();
    this.alarm = '';
    this.username = undefined;
    this.comment = '';
    this.shelveFor = '8h';
    this.busy = false;
    this.titles = {};
    this.channelDoc = undefined;
    this.orders = new Map();
    new UnsavedChangesController(this, { dirty: () => this.comment.trim() !== '', describe: () => 'a comment on the alarm' });
  }

  static override styles = [
    baseStyles,
    severityStyles,
    css`
      :host { display: grid; gap: var(--sl-spacing-x-large); }
      .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: var(--sl-spacing-small) var(--sl-spacing-large); margin: 0; }
      .facts div { display: grid; align-content: start; }
      .facts dt { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      .facts dd { margin: 0; }
      .facts a { display: inline-flex; align-items: center; min-height: var(--fl-touch); }
      section { display: grid; gap: var(--sl-spacing-small); }
      .actions { display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); align-items: end; }
      .shelve { display: flex; gap: var(--sl-spacing-small); align-items: end; flex-wrap: wrap; }
      .shelve sl-select { min-width: 10rem; }
      .comment { display: grid; gap: var(--sl-spacing-small); max-width: 40rem; }
      .comment sl-button { justify-self: start; }
      ol.history { list-style: none; margin: 0; padding: 0; border-inline-start: 2px solid var(--fl-border); }
      ol.history li { padding: var(--sl-spacing-x-small) var(--sl-spacing-medium); display: grid; gap: var(--sl-spacing-3x-small); }
      ol.history .when { color: var(--fl-text-muted); font-size: var(--sl-font-size-small); }
      ol.history .text { white-space: pre-wrap; overflow-wrap: anywhere; }
      .banner { display: flex; gap: var(--sl-spacing-small); flex-wrap: wrap; align-items: center; }
      ul.links { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: var(--sl-spacing-small); }
      ul.links a { display: inline-flex; align-items: center; gap: var(--sl-spacing-x-small); min-height: var(--fl-touch); padding: 0 var(--sl-spacing-medium); border: 1px solid var(--fl-border); border-radius: var(--fl-radius); background: var(--fl-surface); text-decoration: none; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('alarm')) {
      this.comment = '';
      this.#titlesFor = '';
    }
  }

  protected override updated(): void {
    const row = this.#alarms.byId(this.alarm);
    if (row) void this.#readTitles(row);
  }

  /** Reads the titles of what the alarm names (asset, channel, site, work orders) from this device. */
  async #readTitles(row: AlarmRow): Promise<void> {
    const storage = this.#storage.value;
    const key = JSON.stringify([row.id, row.asset, row.channel, row.work_orders ?? [], row.history?.length ?? 0]);
    if (!storage || key === this.#titlesFor) return;
    this.#titlesFor = key;
    const read = async <T>(id: string | undefined): Promise<T | undefined> => (id ? ((await storage.get(id).catch(() => undefined)) as T | undefined) : undefined);
    const [asset, channel, site] = await Promise.all([read<AssetDoc>(row.asset), read<ChannelDoc>(row.channel), read<SiteDoc>(row.site)]);
    const orders = new Map<string, string>();
    // The history names linked work orders by id (text of work_order_created); people read titles.
    const linked = new Set([...(row.work_orders ?? []), ...(row.history ?? []).filter((entry) => entry.kind === 'work_order_created' && entry.text).map((entry) => entry.text!)]);
    for (const id of linked) orders.set(id, (await read<{ title?: string }>(id))?.title ?? 'Work order (not on this device yet)');
    if (key !== this.#titlesFor) return;
    this.titles = { ...(asset ? { asset: asset.title } : {}), ...(channel ? { channel: channel.title, ...(channel.unit ? { unit: channel.unit } : {}) } : {}), ...(site ? { site: site.title } : {}) };
    this.channelDoc = channel;
    this.orders = orders;
    const trail = [
      { label: 'Alarms', href: hrefOf('alarms') },
      ...(asset ? [{ label: asset.title, href: hrefOf('assets', row.asset) }] : []),
    ];
    this.dispatchEvent(new CustomEvent('fl-title', { detail: { title: row.message || row.rule_title, trail }, bubbles: true, composed: true }));
  }

  async #act(row: AlarmRow, choice: AlarmActionChoice): Promise<boolean> {
    const storage = this.#storage.value;
    if (!storage) return false;
    this.busy = true;
    try {
      await writeAlarmAction(row, choice, { storage, by: this.username ?? '' });
      void toastSaved(doneMessages[choice.action]);
      return true;
    } catch (error) {
      void toastFailed('Not saved', error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async #addComment(row: AlarmRow): Promise<void> {
    const text = this.comment.trim();
    if (!text) return;
    if (await this.#act(row, { action: 'comment', text })) this.comment = '';
  }

  async #shelve(row: AlarmRow): Promise<void> {
    const duration = shelveChoices.find(([value]) => value === this.shelveFor)?.[2] ?? shelveChoices[1]![2];
    await this.#act(row, { action: 'shelve', until: Date.now() + duration });
  }

  async #createWorkOrder(row: AlarmRow): Promise<void> {
    const storage = this.#storage.value;
    if (!storage) return;
    this.busy = true;
    try {
      const id = await createWorkOrderFromAlarm(row, this.titles, { storage, by: this.username ?? '' });
      void toastSaved('Work order created');
      location.hash = hrefOf('work-orders', id);
    } catch (error) {
      void toastFailed('Work order not created', error);
    } finally {
      this.busy = false;
    }
  }

  #facts(row: AlarmRow) {
    const fact = (label: string, value: unknown, name?: string) => (value !== undefined && value !== '' ? html`<div data-fact=${name ?? label}><dt>${label}</dt><dd>${value}</dd></div>` : nothing);
    const unit = this.titles.unit;
    const now = Date.now();
    return html`<dl class="facts">
      ${fact('Severity', severityChip(row.severity))}
      ${fact('State', stateLabels[row.state], 'state')}
      ${fact('Asset', this.titles.asset ? html`<a href=${hrefOf('assets', row.asset)}>${this.titles.asset}</a>` : undefined)}
      ${fact('Channel', this.titles.channel ? html`<a href=${hrefOf('channels', row.channel)}>${this.titles.channel}</a>` : undefined)}
      ${fact('Rule', row.rule_title)}
      ${fact('Raised', formatTime(row.raised_at, true))}
      ${fact('Cleared', row.cleared_at !== undefined ? formatTime(row.cleared_at, true) : undefined)}
      ${fact('Acknowledged', row.acked_at !== undefined ? `${formatTime(row.acked_at)}${row.acked_by ? ` by ${row.acked_by}` : ''}` : undefined, 'acknowledged')}
      ${fact('Value at raise', row.value !== undefined ? formatValue(row.value, unit) : undefined)}
      ${fact('Peak', row.peak !== undefined ? formatValue(row.peak, unit) : undefined)}
      ${fact('Activations', row.count > 1 ? String(row.count) : undefined)}
      ${fact('Shelved until', isShelved(row, now) && row.shelved ? `${formatTime(row.shelved.until)} (by ${row.shelved.by})` : undefined, 'shelved')}
      ${fact('Out of service', row.out_of_service ? `since ${formatTime(row.out_of_service.at)} (by ${row.out_of_service.by})` : undefined, 'out-of-service')}
    </dl>`;
  }

  #actions(row: AlarmRow) {
    const shelved = isShelved(row, Date.now());
    const unacked = row.state === 'active_unacked' || row.state === 'cleared_unacked';
    const disabled = this.busy || !this.username;
    return html`<section aria-labelledby="actions-heading">
      <h3 id="actions-heading">Actions</h3>
      ${this.username ? nothing : html`<p class="muted">Sign in to act on this alarm.</p>`}
      <div class="actions">
        ${unacked ? html`<sl-button variant="primary" ?disabled=${disabled} @click=${() => void this.#act(row, { action: 'acknowledge' })} data-action="acknowledge"><sl-icon slot="prefix" name="check2"></sl-icon>Acknowledge</sl-button>` : nothing}
        <sl-button ?disabled=${disabled} @click=${() => void this.#createWorkOrder(row)} data-action="work-order"><sl-icon slot="prefix" name="wrench"></sl-icon>Create work order</sl-button>
        ${row.out_of_service
          ? html`<sl-button ?disabled=${disabled} @click=${() => void this.#act(row, { action: 'return_to_service' })} data-action="return"><sl-icon slot="prefix" name="arrow-counterclockwise"></sl-icon>Return to service</sl-button>`
          : html`<sl-button ?disabled=${disabled} @click=${() => void this.#act(row, { action: 'remove_from_service' })} data-action="out-of-service"><sl-icon slot="prefix" name="slash-circle"></sl-icon>Out of service</sl-button>`}
        ${shelved
          ? html`<sl-button ?disabled=${disabled} @click=${() => void this.#act(row, { action: 'unshelve' })} data-action="unshelve"><sl-icon slot="prefix" name="bell-fill"></sl-icon>Unshelve</sl-button>`
          : html`<span class="shelve">
              <sl-select label="Shelve for" value=${this.shelveFor} @sl-change=${(event: Event) => (this.shelveFor = (event.target as SlSelect).value as string)}>
                ${shelveChoices.map(([value, label]) => html`<sl-option value=${value}>${label}</sl-option>`)}
              </sl-select>
              <sl-button ?disabled=${disabled} @click=${() => void this.#shelve(row)} data-action="shelve"><sl-icon slot="prefix" name="bell-slash"></sl-icon>Shelve</sl-button>
            </span>`}
      </div>
      <div class="comment">
        <sl-textarea label="Comment" rows="2" resize="auto" maxlength="2000" .value=${this.comment} @sl-input=${(event: Event) => (this.comment = (event.target as SlTextarea).value)}></sl-textarea>
        <sl-button ?disabled=${disabled || this.comment.trim() === ''} @click=${() => void this.#addComment(row)} data-action="comment"><sl-icon slot="prefix" name="chat-left-text"></sl-icon>Add comment</sl-button>
      </div>
    </section>`;
  }

  #history(row: AlarmRow) {
    const entries = [...(row.history ?? [])].reverse();
    return html`<section aria-labelledby="history-heading">
      <h3 id="history-heading">History</h3>
      <ol class="history" aria-label="History of the alarm">
        ${entries.map(
          (entry) => html`<li data-kind=${entry.kind}>
            <span><strong>${historyLabels[entry.kind] ?? entry.kind}</strong>${entry.severity ? html` · ${severityChip(entry.severity)}` : nothing}${entry.by ? ` · ${entry.by}` : ''}${entry.value !== undefined ? ` · ${formatValue(entry.value, this.titles.unit)}` : ''}</span>
            <span class="when">${formatTime(entry.at, true)}</span>
            ${entry.kind === 'work_order_created' && entry.text
              ? html`<a class="text" href=${hrefOf('work-orders', entry.text)}>${this.orders.get(entry.text) ?? 'The work order'}</a>`
              : entry.text
                ? html`<span class="text">${entry.text}</span>`
                : nothing}
          </li>`,
        )}
      </ol>
      ${(row.history_dropped ?? 0) > 0 ? html`<p class="muted small">${row.history_dropped} older entries are not kept.</p>` : nothing}
    </section>`;
  }

  #chart(row: AlarmRow) {
    const channel = this.channelDoc;
    if (!channel) return nothing;
    const storage = this.#online.online ? this.#server.value : undefined;
    const bands = activationBands(this.#alarms.all.filter((other) => other.channel === row.channel));
    return html`<section aria-labelledby="chart-heading">
      <h3 id="chart-heading">${channel.title}</h3>
      <fl-channel-chart .array=${channel.array} .label=${channel.title} .unit=${channel.unit ?? ''} .storage=${storage} .alarms=${bands}></fl-channel-chart>
    </section>`;
  }

  override render() {
    if (!this.alarm) return html`<p>Choose an alarm from the <a href=${hrefOf('alarms')}>list</a>.</p>`;
    const row = this.#alarms.byId(this.alarm);
    if (!row) {
      if (!this.#alarms.loaded) return html`<p class="muted"><sl-spinner></sl-spinner> Reading the alarm…</p>`;
      return html`<p role="alert" class="error">This alarm is not on this device. It arrives with the next sync if you may see it.</p>`;
    }
    const orders = [...this.orders];
    return html`
      <div class="banner">
        ${row.pending > 0 ? html`<sl-tag variant="warning" data-pending>${row.pending === 1 ? '1 change' : `${row.pending} changes`} not synced yet</sl-tag>` : nothing}
        ${row.provisional ? html`<sl-tag variant="warning">Raised on this device from readings recorded offline</sl-tag>` : nothing}
      </div>
      ${this.#facts(row)}
      ${orders.length > 0
        ? html`<section aria-labelledby="orders-heading">
            <h3 id="orders-heading">Work orders</h3>
            <ul class="links">${orders.map(([id, title]) => html`<li><a href=${hrefOf('work-orders', id)}><sl-icon name="wrench" aria-hidden="true"></sl-icon>${title}</a></li>`)}</ul>
          </section>`
        : nothing}
      ${this.#actions(row)}
      ${this.#chart(row)}
      ${this.#history(row)}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-alarm': FlAlarm;
  }
}
