/**
 * The derived anomaly channel of a channel (alarms.md §3): scores in [0, 1] of the detector,
 * one per input sample at the input's time, in the array `<input array>/anomaly` (explicit timing,
 * `producer: 'anomaly'`), described by the channel document `<channel id>/anomaly`. Field names
 * travel percent-encoded in ids (a '/' in a field becomes %2F), so the '/anomaly' suffix never
 * collides with a real field. The server's runner and the browser's write the same ids and the
 * same document, so a derived channel syncs and plots like any other.
 */
import type { ChannelDoc } from './channel';

/** What every anomaly array is marked with (ChannelArray `producer`): only the runners write it. */
export const ANOMALY_PRODUCER = 'anomaly';

/** Suffix of derived anomaly ids. */
const SUFFIX = '/anomaly';

/** The derived channel's own fields (`derived.from` names the scored channel). */
export interface DerivedAnomaly {
  kind: 'anomaly';
  from: string;
}

/** A derived anomaly channel document. */
export interface AnomalyChannelDoc extends ChannelDoc {
  derived: DerivedAnomaly;
}

/** The anomaly array of an input array (`array/<source>/<field>` → `array/<source>/<field>/anomaly`). */
export function anomalyArrayId(inputArray: string): string {
  return `${inputArray}${SUFFIX}`;
}

/** The anomaly channel of a channel (`channel/<source>/<field>` → `channel/<source>/<field>/anomaly`). */
export function anomalyChannelId(channel: string): string {
  return `${channel}${SUFFIX}`;
}

/** Whether a channel document is derived (an anomaly, remaining-life or degradation channel: `derived` set), never scored for anomalies. */
export function isDerivedChannel(doc: { derived?: unknown }): boolean {
  return doc.derived !== undefined;
}

/** The channel document of `channel`'s anomaly channel, from the scored channel's document. */
export function anomalyChannelDoc(channel: string, doc: ChannelDoc): AnomalyChannelDoc {
  return {
    type: 'channel',
    site: doc.site,
    asset: doc.asset,
    source: doc.source,
    array: anomalyArrayId(doc.array),
    field: `${doc.field}${SUFFIX}`,
    title: `${doc.title} — anomaly score`,
    unit: '',
    normal: { min: 0, max: 1 },
    // Scores come at the input's times: the same expected rate.
    ...(doc.rate === undefined ? {} : { rate: doc.rate }),
    ...(doc.simulated ? { simulated: true as const } : {}),
    derived: { kind: 'anomaly', from: channel },
  };
}
