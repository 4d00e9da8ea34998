/**
 * Asset health (`asset_health/<asset path>`): one score per asset (0..100, 100 = healthy), its
 * level and the reasons behind it (open alarms, anomaly scores, remaining life, degradation),
 * written only by the server's health runner when it changes, a record of the asset's site; the
 * fleet overview ranks assets by it.
 */
import { assetPath } from './prediction';

/** Where asset health documents live among the documents. */
export const ASSET_HEALTH_PREFIX = 'asset_health/';

/** Health levels, best first. */
export const assetHealthLevels = ['good', 'watch', 'warning', 'critical'] as const;

/** How healthy an asset is, in one word. */
export type AssetHealthLevel = (typeof assetHealthLevels)[number];

/** What lowers a score. */
export const assetHealthReasonKinds = ['alarm', 'anomaly', 'rul', 'degradation'] as const;

/** The kind of a reason. */
export type AssetHealthReasonKind = (typeof assetHealthReasonKinds)[number];

/** One reason a score is lower than 100. */
export interface AssetHealthReason {
  kind: AssetHealthReasonKind;
  /** In words. */
  text: string;
  /** Points taken off. */
  penalty: number;
  /** The document behind it (an alarm, a channel, a prediction, a degradation). */
  ref?: string;
}

/** An asset's health as stored: `asset_health/<asset path>`, type 'asset_health' (server only). */
export interface AssetHealthDoc {
  type: 'asset_health';
  site: string;
  asset: string;
  /** 0..100, 100 = healthy. */
  score: number;
  level: AssetHealthLevel;
  /** The top reason in words ('No open issues' when healthy). */
  explanation: string;
  reasons: AssetHealthReason[];
  /** Epoch ms. */
  computed_at: number;
}

/** Labels of the levels, for chips. */
export const assetHealthLevelLabels: Readonly<Record<AssetHealthLevel, string>> = { good: 'Good', watch: 'Watch', warning: 'Warning', critical: 'Critical' };

/** The id of `asset`'s health document. */
export function assetHealthId(asset: string): string {
  return `${ASSET_HEALTH_PREFIX}${assetPath(asset)}`;
}
