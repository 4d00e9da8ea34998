/**
 * The fleet's assets by risk, from the `asset_health/…` documents on this device (what sync
 * brought: a technician has their sites' only). Worst first: the lowest score, then the worse
 * level; ties end on the asset id, so the order is the same on every device. Documents come from the server, but a device's copy
 * is still checked: one without a finite score or a known level is left out, never ranked.
 */
import { assetHealthLevels, type AssetHealthDoc, type AssetHealthLevel } from '../../core';

/** How bad each level is (higher: worse). */
const levelRank: Readonly<Record<AssetHealthLevel, number>> = { good: 0, watch: 1, warning: 2, critical: 3 };
const levels: ReadonlySet<string> = new Set(assetHealthLevels);

/** Whether a stored health document can be shown (finite score, known level, an asset named). */
export function isShownHealth(doc: Partial<AssetHealthDoc>): doc is AssetHealthDoc {
  return typeof doc.asset === 'string' && typeof doc.site === 'string' && typeof doc.score === 'number' && Number.isFinite(doc.score) && typeof doc.level === 'string' && levels.has(doc.level);
}

/** Orders two health documents worst first (score, then level, then asset id). */
export function compareRisk(a: AssetHealthDoc, b: AssetHealthDoc): number {
  return a.score - b.score || levelRank[b.level] - levelRank[a.level] || (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0);
}

/** The health documents that can be shown, worst first (a new array; the input stays as it is). */
export function rankHealth<T extends Partial<AssetHealthDoc>>(docs: readonly T[]): Array<T & AssetHealthDoc> {
  return docs.filter((doc): doc is T & AssetHealthDoc => isShownHealth(doc)).sort(compareRisk);
}

/** How many assets are at each level (for the ranking's summary line). */
export function countLevels(docs: readonly AssetHealthDoc[]): Record<AssetHealthLevel, number> {
  const counts: Record<AssetHealthLevel, number> = { good: 0, watch: 0, warning: 0, critical: 0 };
  for (const doc of docs) counts[doc.level]++;
  return counts;
}
