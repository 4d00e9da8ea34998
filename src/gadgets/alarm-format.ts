/**
 * How alarms read in every view: severity as colour + icon + word (never colour alone), states
 * and history entries in words, and the chip's styles (theme tokens --fl-severity-*).
 */
import { css, html } from 'lit';
import { hrefOf, type WorstAlarm } from '../controllers';
import type { AlarmState, Severity } from '../core';

export const severityLabels: Record<Severity, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

export const severityIcons: Record<Severity, string> = { low: 'info-circle', medium: 'exclamation-triangle', high: 'exclamation-diamond', critical: 'exclamation-octagon' };

export const stateLabels: Record<AlarmState, string> = {
  active_unacked: 'Active, not acknowledged',
  active_acked: 'Active, acknowledged',
  cleared_unacked: 'Cleared, not acknowledged',
  normal: 'Normal',
};

/** Short state words for compact rows. */
export const stateShort: Record<AlarmState, string> = { active_unacked: 'Active', active_acked: 'Acknowledged', cleared_unacked: 'Cleared', normal: 'Normal' };

export const historyLabels: Record<string, string> = {
  raised: 'Raised',
  reactivated: 'Active again',
  escalated: 'Escalated',
  deescalated: 'De-escalated',
  cleared: 'Cleared',
  acknowledged: 'Acknowledged',
  commented: 'Comment',
  shelved: 'Shelved',
  unshelved: 'Unshelved',
  removed_from_service: 'Out of service',
  returned_to_service: 'Back in service',
  normal: 'Back to normal',
  work_order_created: 'Work order created',
};

/** The severity chip: icon and word on the severity's own background. */
export function severityChip(severity: Severity) {
  return html`<span class="severity" data-severity=${severity}><sl-icon name=${severityIcons[severity]} aria-hidden="true"></sl-icon>${severityLabels[severity]}</span>`;
}

/** The list of alarms filtered to one asset (and its parts). */
export function alarmsOfAsset(asset: string): string {
  return `${hrefOf('alarms')}?asset=${encodeURIComponent(asset)}`;
}

/**
 * An asset's alarm state (tiles, asset facts): its worst open alarm's severity and how many are
 * open, linking to the list filtered to the asset; "No open alarms" otherwise.
 */
export function alarmStateOfAssets(worst: WorstAlarm | undefined, asset: string) {
  if (!worst) return html`<sl-tag size="small" variant="neutral" data-alarms="0">No open alarms</sl-tag>`;
  return html`<a class="alarm-state" href=${alarmsOfAsset(asset)} data-alarms=${worst.count} data-severity=${worst.severity}
    >${severityChip(worst.severity)}<span class="label">${worst.count === 1 ? '1 open alarm' : `${worst.count} open alarms`}</span></a
  >`;
}

/** A date and time people read (local time, to the minute; seconds when they matter). */
export function formatTime(ms: number | undefined, seconds = false): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });
}

export const severityStyles = css`
  .severity {
    display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); white-space: nowrap;
    padding: var(--sl-spacing-3x-small) var(--sl-spacing-x-small); border-radius: var(--sl-border-radius-medium);
    font-size: var(--sl-font-size-small); font-weight: var(--sl-font-weight-semibold);
  }
  .severity[data-severity='low'] { background: var(--fl-severity-low-bg); color: var(--fl-severity-low-text); }
  .severity[data-severity='medium'] { background: var(--fl-severity-medium-bg); color: var(--fl-severity-medium-text); }
  .severity[data-severity='high'] { background: var(--fl-severity-high-bg); color: var(--fl-severity-high-text); }
  .severity[data-severity='critical'] { background: var(--fl-severity-critical-bg); color: var(--fl-severity-critical-text); }
  /* An asset's alarm state: the chip is not underlined (a link's underline would run through it). */
  a.alarm-state { display: inline-flex; align-items: center; gap: var(--sl-spacing-x-small); min-height: var(--fl-touch); color: var(--fl-link); text-decoration: none; }
  a.alarm-state .label { text-decoration: underline; text-underline-offset: 0.15em; }
`;
