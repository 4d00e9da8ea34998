/**
 * Asset health (`asset_health/<asset path>`): one score per asset (0..100, 100 = healthy), its
 * level and the reasons behind it (open alarms, anomaly scores, remaining life, degradation),
 * written only by the server's health runner when it changes, a record of the asset's site; the
 * fleet overview ranks assets by it.
 */
import { firstProblem, isObject, numberProblem, optionalTextProblem, textProblem } from './checks';
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

/** At most this many reasons in one health document. */
export const MAX_HEALTH_REASONS = 32;
/** Longest id, explanation or reason text. */
const MAX_NAME = 1000;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/** Why `value` is not a list of at most MAX_HEALTH_REASONS {kind, text, penalty, ref?}. */
function reasonsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'reasons must be an array of {kind, text, penalty, ref?}';
  if (value.length > MAX_HEALTH_REASONS) return `reasons may have at most ${MAX_HEALTH_REASONS} entries (it has ${value.length})`;
  for (let index = 0; index < value.length; index++) {
    const reason: unknown = value[index];
    const name = `reasons[${index}]`;
    if (!isObject(reason)) return `${name} must be an object {kind, text, penalty, ref?}`;
    const problem = firstProblem(
      (assetHealthReasonKinds as readonly unknown[]).includes(reason.kind) ? undefined : `${name}.kind must be one of ${assetHealthReasonKinds.join(', ')}`,
      textProblem(`${name}.text`, reason.text, MAX_NAME),
      numberProblem(`${name}.penalty`, reason.penalty, 0, 100),
      optionalTextProblem(`${name}.ref`, reason.ref, MAX_NAME),
    );
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why `doc` is not an asset's health (undefined: it is): type 'asset_health', site, asset, a
 * finite score in [0, 100], a known level, an explanation, at most 32 reasons (known kind, text,
 * penalty in [0, 100], optional ref) and computed_at epoch ms. Never throws (a device ranks what syncs).
 */
export function assetHealthProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'an asset health must be an object';
  if (doc.type !== 'asset_health') return 'type must be "asset_health"';
  return firstProblem(
    textProblem('site', doc.site, MAX_NAME),
    textProblem('asset', doc.asset, MAX_NAME),
    numberProblem('score', doc.score, 0, 100),
    (assetHealthLevels as readonly unknown[]).includes(doc.level) ? undefined : `level must be one of ${assetHealthLevels.join(', ')}`,
    textProblem('explanation', doc.explanation, MAX_NAME),
    reasonsProblem(doc.reasons),
    numberProblem('computed_at', doc.computed_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
  );
}
