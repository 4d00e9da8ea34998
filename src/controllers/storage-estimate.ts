/**
 * How much this origin stores on the device and whether the browser may evict it. IndexedDB holds
 * every unsynced change and offline import, so a technician should see the quota filling up, and
 * the app asks for persistent storage so the browser does not evict it under storage pressure.
 */

export interface StorageEstimateReport {
  /** Bytes this origin uses (IndexedDB, Cache Storage for the precache, service worker scripts). */
  usage: number;
  /** Bytes the browser lets this origin use; writes past it fail with QuotaExceededError. */
  quota: number;
  /** True when the browser will not evict this origin's data under storage pressure. */
  persisted: boolean;
}

/** The origin's usage, quota and persistence; null where the browser has no StorageManager (insecure context, old browser). */
export async function storageEstimate(): Promise<StorageEstimateReport | null> {
  const storage = typeof navigator === 'undefined' ? undefined : (navigator.storage as StorageManager | undefined);
  if (typeof storage?.estimate !== 'function') return null;
  const [estimate, persisted] = await Promise.all([storage.estimate(), typeof storage.persisted === 'function' ? storage.persisted() : false]);
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted };
}

/**
 * Asks the browser to keep this origin's data under storage pressure. Resolves whether it is now
 * persisted: Chromium decides without a prompt (installed app, engagement), Firefox prompts; false
 * where there is no such API.
 */
export async function requestPersistence(): Promise<boolean> {
  const storage = typeof navigator === 'undefined' ? undefined : (navigator.storage as StorageManager | undefined);
  if (typeof storage?.persist !== 'function') return false;
  try {
    if (typeof storage.persisted === 'function' && (await storage.persisted())) return true;
    return await storage.persist();
  } catch {
    return false;
  }
}

const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * Bytes for people, in decimal units as storage vendors and browser settings pages count them:
 * 0 → "0 B", 1500 → "1.5 kB", 12 345 678 → "12 MB" (one decimal below 10 of a unit).
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 999 950 would round to "1000.0 kB": say "1.0 MB" instead.
  if (value >= 999.5 && unit < units.length - 1) return `1.0 ${units[unit + 1]}`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
