import { LitElement, css, html, nothing } from 'lit';
import { AlarmsController, AppBadgeController, badgeCount, hrefOf, type BadgeApi } from '../controllers';
import { baseStyles } from './design/styles';

/**
 * The header's alarm badge: a bell linking to the alarm list with the number of open, unshelved,
 * unacknowledged alarms on this device (the user's sites), live; the same number goes on the
 * installed app's icon (navigator.setAppBadge, where the browser has it).
 * Gadget methods: property `badgeApi` (optional: where the icon badge goes instead of navigator);
 * attribute `data-count` says the number.
 */
export class FlAlarmBadge extends LitElement {
  static override properties = { badgeApi: { attribute: false } };

  declare badgeApi: BadgeApi | undefined;

  readonly #alarms = new AlarmsController(this);

  constructor() {
    super();
    this.badgeApi = undefined;
    new AppBadgeController(this, { count: () => this.#count(), api: () => this.badgeApi });
  }

  #count(): number | undefined {
    return this.#alarms.loaded ? badgeCount(this.#alarms.all, Date.now()) : undefined;
  }

  static override styles = [
    baseStyles,
    css`
      :host { display: inline-flex; color: inherit; }
      /* One touch target (44 px) with the count over the bell's corner: the tablet header stays one row. */
      a { position: relative; display: inline-flex; align-items: center; justify-content: center; width: var(--fl-touch); height: var(--fl-touch); color: inherit; text-decoration: none; border-radius: var(--sl-border-radius-medium); }
      a:hover { opacity: 0.85; }
      sl-icon { font-size: 1.375rem; }
      .count {
        position: absolute; top: 0; inset-inline-end: -0.25rem; line-height: 1.25rem;
        min-width: 1.25rem; padding: 0 var(--sl-spacing-3x-small); border-radius: var(--sl-border-radius-pill); text-align: center; box-sizing: border-box;
        background: var(--fl-severity-critical-bg); color: var(--fl-severity-critical-text); font-weight: var(--sl-font-weight-semibold); font-size: var(--sl-font-size-small);
      }
    `,
  ];

  override render() {
    const count = this.#count();
    this.dataset.count = String(count ?? 0);
    const label = count ? `Alarms: ${count} ${count === 1 ? 'needs' : 'need'} attention` : 'Alarms: none need attention';
    return html`<a href=${hrefOf('alarms')} aria-label=${label} title=${label}>
      <sl-icon name=${count ? 'bell-fill' : 'bell'} aria-hidden="true"></sl-icon>${count ? html`<span class="count" aria-hidden="true">${count}</span>` : nothing}
    </a>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'fl-alarm-badge': FlAlarmBadge;
  }
}
