/**
 * What channel data of an asset is on this device, for My work's "Data on this device": read from
 * the pin service. Pins that follow assignments (per asset, with their size and last sync) come
 * from the pin service's `status()` when it has one; otherwise a site pin says the whole site's
 * channels are kept. Either way an asset with nothing pinned is "not on this device yet".
 */

/** One pin as the pin service reports it (fields read leniently: the service's report may grow). */
export interface PinReport {
  site: string;
  asset?: string | undefined;
  /** Pinned because of an assignment (not by hand). */
  auto?: boolean | undefined;
  bytes?: number | undefined;
  /** Before a pin's first sync: the size the server said it would bring down. */
  estimated_bytes?: number | undefined;
  /** Epoch ms of the pin's last sync. */
  last_sync?: number | null | undefined;
  days?: number | undefined;
}

/** What is on this device for one asset. */
export interface AssetDeviceData {
  /** How it got here: a pin of this asset (following an assignment or by hand), or its site's pin. */
  by: 'asset' | 'site';
  auto: boolean;
  bytes: number | undefined;
  /** `bytes` is the server's estimate: the pin has not synced yet (the data is not here yet). */
  expected: boolean;
  lastSync: number | undefined;
  days: number | undefined;
}

/** The pin service as far as this module needs it: the plain list, and the status report where it exists. */
export interface PinSource {
  list(): Promise<ReadonlyArray<{ site: string; days?: number }>>;
  status?: () => Promise<readonly PinReport[]>;
}

/** Reads the pins once: the asset's own pin, else its site's, else undefined (not on this device). */
export async function readDeviceData(pins: PinSource | undefined): Promise<(asset: string, site: string) => AssetDeviceData | undefined> {
  if (!pins) return () => undefined;
  const reports: readonly PinReport[] = typeof pins.status === 'function' ? await pins.status() : await pins.list();
  const byAsset = new Map<string, PinReport>();
  const bySite = new Map<string, PinReport>();
  for (const report of reports) {
    if (!report || typeof report.site !== 'string') continue;
    if (typeof report.asset === 'string') byAsset.set(report.asset, report);
    else bySite.set(report.site, report);
  }
  const figure = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const of = (report: PinReport, by: AssetDeviceData['by']): AssetDeviceData => ({
    by,
    auto: report.auto === true,
    bytes: figure(report.bytes) ?? figure(report.estimated_bytes),
    expected: figure(report.bytes) === undefined && figure(report.estimated_bytes) !== undefined,
    lastSync: typeof report.last_sync === 'number' && Number.isFinite(report.last_sync) ? report.last_sync : undefined,
    days: typeof report.days === 'number' ? report.days : undefined,
  });
  return (asset, site) => {
    const own = byAsset.get(asset);
    if (own) return of(own, 'asset');
    const sitePin = bySite.get(site);
    return sitePin ? of(sitePin, 'site') : undefined;
  };
}
