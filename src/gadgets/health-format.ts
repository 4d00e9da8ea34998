/**
 * How asset health, remaining life and degradation read in every view: the level as colour +
 * icon + word (never colour alone; theme tokens --fl-health-*), a remaining-life estimate and a
 * degradation rate in words, and where a health reason links to.
 */
import { css, html } from 'lit';
import { hrefOf } from '../controllers';
import { assetHealthLevelLabels, type AssetHealthLevel, type AssetHealthReason, type DegradationDoc, type PredictionDoc } from '../core';

/** The icon of each level. */
export const healthIcons: Readonly<Record<AssetHealthLevel, string>> = { good: 'check2-circle', watch: 'info-circle', warning: 'exclamation-triangle', critical: 'exclamation-octagon' };

/** The level chip: icon and word on the level's own background. */
export function healthChip(level: AssetHealthLevel) {
  return html`<span class="health" data-level=${level}><sl-icon name=${healthIcons[level]} aria-hidden="true"></sl-icon>${assetHealthLevelLabels[level]}</span>`;
}

const DAY_MS = 86_400_000;

/** A number for people: the real minus sign (U+2212), digits grouped with a narrow no-break space ("1 040"). */
export function formatNumber(value: number, decimals = 0): string {
  const text = Math.abs(value).toLocaleString('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).replace(/,/g, '\u202f');
  return value < 0 && Number(text.replace(/\u202f/g, '')) !== 0 ? `\u2212${text}` : text;
}

/** A date, day and month ("24 Dec"), with the year when it is not `now`'s. */
export function formatDay(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
}

/**
 * A remaining-life estimate in words: "fails in 23 days (17–31), around 24 Dec"; the days are
 * counted from `now` (the estimate is of the data time it was made at, so they shrink as days
 * pass); an estimate already past its date says so.
 */
export function rulInWords(prediction: Pick<PredictionDoc, 'failure_at' | 'failure_low' | 'failure_high'>, now = Date.now()): string {
  const days = (ms: number) => Math.max(0, Math.round((ms - now) / DAY_MS));
  const [rul, low, high] = [prediction.failure_at, prediction.failure_low, prediction.failure_high].map(days) as [number, number, number];
  if (prediction.failure_high < now) return `failure expected by now (estimated ${formatDay(prediction.failure_at, now)})`;
  const within = rul === 0 ? 'fails within a day' : `fails in ${formatNumber(rul)} ${rul === 1 ? 'day' : 'days'}`;
  return `${within} (${formatNumber(low)}–${formatNumber(high)}), around ${formatDay(prediction.failure_at, now)}`;
}

/** A degradation rate in words: "−0.9 %/yr (−1.1 to −0.7), year on year over 1 040 days". */
export function rateInWords(doc: Pick<DegradationDoc, 'rate_pct_per_year' | 'ci_low' | 'ci_high' | 'days_used'>): string {
  const pct = (value: number) => formatNumber(value, Math.abs(value) < 10 ? 1 : 0);
  return `${pct(doc.rate_pct_per_year)} %/yr (${pct(doc.ci_low)} to ${pct(doc.ci_high)}), year on year over ${formatNumber(doc.days_used)} ${doc.days_used === 1 ? 'day' : 'days'}`;
}

/**
 * Where a health reason links to: its alarm, its channel (an anomaly score), or the page of the
 * asset whose prediction or degradation it is (`prediction/<slug>/<asset path>`,
 * `degradation/<asset path>`), where the chart is; undefined without a reference.
 */
export function reasonHref(reason: Pick<AssetHealthReason, 'ref'>): string | undefined {
  const ref = reason.ref;
  if (typeof ref !== 'string' || ref === '') return undefined;
  if (ref.startsWith('alarm/')) return hrefOf('alarms', ref);
  if (ref.startsWith('channel/')) return hrefOf('channels', ref);
  const parts = ref.split('/');
  if (parts[0] === 'prediction' && parts.length > 2) return hrefOf('assets', `asset/${parts.slice(2).join('/')}`);
  if (parts[0] === 'degradation' && parts.length > 1) return hrefOf('assets', `asset/${parts.slice(1).join('/')}`);
  return undefined;
}

export const healthStyles = css`
  .health {
    display: inline-flex; align-items: center; gap: var(--sl-spacing-2x-small); white-space: nowrap;
    padding: var(--sl-spacing-3x-small) var(--sl-spacing-x-small); border-radius: var(--sl-border-radius-medium);
    font-size: var(--sl-font-size-small); font-weight: var(--sl-font-weight-semibold);
  }
  .health[data-level='good'] { background: var(--fl-health-good-bg); color: var(--fl-health-good-text); }
  .health[data-level='watch'] { background: var(--fl-health-watch-bg); color: var(--fl-health-watch-text); }
  .health[data-level='warning'] { background: var(--fl-health-warning-bg); color: var(--fl-health-warning-text); }
  .health[data-level='critical'] { background: var(--fl-health-critical-bg); color: var(--fl-health-critical-text); }
`;
