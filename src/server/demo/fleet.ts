/**
 * What the simulated fleet consists of, derived from its seed alone: a wind farm of six turbines
 * (each with a gearbox whose main bearing is its child, and a generator) and a solar plant of four
 * inverters with three strings each, plus the plant's met station; and the data sources that
 * report them, bound to those assets, with each field's channel metadata. Nothing here touches the
 * store: demo-fleet.ts writes it.
 */
import type { AssetDoc, SiteDoc } from '../../core/model';
import type { FieldInfo } from '../ingest/sources';
import { uniform } from './noise';

export const WIND_SLUG = 'north-sea-wind';
export const SOLAR_SLUG = 'sunfield-solar';
export const WIND_SITE = `site/${WIND_SLUG}`;
export const SOLAR_SITE = `site/${SOLAR_SLUG}`;

export const TURBINES = 6;
export const INVERTERS = 4;
export const STRINGS_PER_INVERTER = 3;

/** Where the sites are: the sun's path (solar) and the seasons (both) follow from it. */
export const WIND_LOCATION = { label: 'German Bight, 45 km north of Borkum', lat: 54.02, lon: 6.58 };
export const SOLAR_LOCATION = { label: 'Guadalquivir valley near Carmona', lat: 37.47, lon: -5.64 };

export type SourceKind = 'scada' | 'cms' | 'met' | 'inverter';

export interface SourceDef {
  /** Stable name of the source inside the fleet (noise keys derive from it): "t01.scada". */
  key: string;
  /** The fluentd tag it sends under. */
  tag: string;
  kind: SourceKind;
  site: string;
  asset: string;
  /** Turbine or inverter number (0-based); 0 for the met station. */
  index: number;
  /** Samples per second of each field (1 for SCADA and solar, 1000 for CMS bursts). */
  rate: number;
  /** Fields in the order they are generated, with their channel metadata. */
  fields: Record<string, FieldInfo>;
}

export interface FleetDefinition {
  sites: Array<{ id: string; doc: SiteDoc & { site: string } }>;
  assets: Array<{ id: string; doc: AssetDoc }>;
  sources: SourceDef[];
}

const two = (n: number): string => String(n + 1).padStart(2, '0');
export const turbineSlug = (index: number): string => `t${two(index)}`;
export const inverterSlug = (index: number): string => `inv${two(index)}`;
export const turbineAsset = (index: number, part = ''): string => `asset/${WIND_SLUG}/${turbineSlug(index)}${part ? `-${part}` : ''}`;
export const inverterAsset = (index: number, string?: number): string => `asset/${SOLAR_SLUG}/${inverterSlug(index)}${string === undefined ? '' : `-s${string + 1}`}`;

/** The SCADA fields of a turbine (1 Hz); the ones the faults show in are scored for anomalies (`anomaly: true`, alarms.md §3). */
export const SCADA_FIELDS: Record<string, FieldInfo> = {
  wind_speed: { title: 'Wind speed', unit: 'm/s', rate: 1, normal: { min: 0, max: 25 } },
  power: { title: 'Active power', unit: 'kW', rate: 1, normal: { min: 0, max: 3000 }, anomaly: true },
  rotor_speed: { title: 'Rotor speed', unit: 'rpm', rate: 1, normal: { min: 0, max: 16 } },
  pitch: { title: 'Blade pitch angle', unit: '°', rate: 1, normal: { min: -1, max: 90 } },
  ambient_temp: { title: 'Ambient temperature', unit: '°C', rate: 1, normal: { min: -20, max: 35 } },
  nacelle_temp: { title: 'Nacelle temperature', unit: '°C', rate: 1, normal: { min: -10, max: 45 } },
  gearbox_temp: { title: 'Gearbox bearing temperature', unit: '°C', rate: 1, normal: { min: 0, max: 75 }, anomaly: true },
  generator_temp: { title: 'Generator winding temperature', unit: '°C', rate: 1, normal: { min: 0, max: 95 } },
  main_bearing_temp: { title: 'Main bearing temperature', unit: '°C', rate: 1, normal: { min: 0, max: 50 }, anomaly: true },
  vibration_rms: { title: 'Drive train vibration (RMS)', unit: 'mm/s', rate: 1, normal: { min: 0, max: 4.5 }, anomaly: true },
};

/** The condition-monitoring fields of a turbine: 3-axis acceleration at the gearbox, in bursts. */
export const CMS_RATE = 1000;
export const CMS_FIELDS: Record<string, FieldInfo> = {
  acc_x: { title: 'Gearbox acceleration X (radial)', unit: 'g', rate: CMS_RATE, normal: { min: -3, max: 3 } },
  acc_y: { title: 'Gearbox acceleration Y (radial)', unit: 'g', rate: CMS_RATE, normal: { min: -3, max: 3 } },
  acc_z: { title: 'Gearbox acceleration Z (axial)', unit: 'g', rate: CMS_RATE, normal: { min: -3, max: 3 } },
};

export const MET_FIELDS: Record<string, FieldInfo> = {
  irradiance: { title: 'Global horizontal irradiance', unit: 'W/m²', rate: 1, normal: { min: 0, max: 1200 } },
  ambient_temp: { title: 'Ambient temperature', unit: '°C', rate: 1, normal: { min: -5, max: 45 } },
  module_temp: { title: 'Module temperature', unit: '°C', rate: 1, normal: { min: -5, max: 75 } },
};

/** The fields of an inverter: AC power (scored for anomalies), then DC voltage and current of each string. */
export function inverterFields(): Record<string, FieldInfo> {
  const fields: Record<string, FieldInfo> = { ac_power: { title: 'AC power', unit: 'kW', rate: 1, normal: { min: 0, max: 24 }, anomaly: true } };
  for (let string = 0; string < STRINGS_PER_INVERTER; string++) {
    fields[`s${string + 1}_voltage`] = { title: `String ${string + 1} DC voltage`, unit: 'V', rate: 1, normal: { min: 0, max: 1000 } };
    fields[`s${string + 1}_current`] = { title: `String ${string + 1} DC current`, unit: 'A', rate: 1, normal: { min: 0, max: 11 } };
  }
  return fields;
}

/** A serial number from the seed: the same fleet gets the same serials. */
function serial(seed: number, prefix: string, index: number): string {
  return `${prefix}-${String(Math.floor(uniform(seed, 0x5e41a1, index) * 900_000) + 100_000)}`;
}

/** A commissioning date (YYYY-MM-DD) within `year`, from the seed. */
function commissioned(seed: number, year: number, index: number): string {
  const day = Math.floor(uniform(seed, 0xc0ffee, index) * 360);
  return new Date(Date.UTC(year, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

/** The fleet of `seed`: its sites, assets (parents before children) and data sources. */
export function fleetDefinition(seed: number): FleetDefinition {
  const sites: FleetDefinition['sites'] = [
    {
      id: WIND_SITE,
      doc: {
        type: 'site',
        site: WIND_SITE,
        title: 'North Sea Wind',
        kind: 'wind_farm',
        location: WIND_LOCATION,
        timezone: 'Europe/Berlin',
        description: 'Simulated offshore wind farm: six 3 MW turbines with SCADA at 1 Hz and gearbox condition monitoring (3-axis vibration at 1 kHz in bursts).',
        simulated: true,
      },
    },
    {
      id: SOLAR_SITE,
      doc: {
        type: 'site',
        site: SOLAR_SITE,
        title: 'Sunfield Solar',
        kind: 'solar_plant',
        location: SOLAR_LOCATION,
        timezone: 'Europe/Madrid',
        description: 'Simulated solar plant: four 24 kW string inverters with three strings each and a met station, at 1 Hz.',
        simulated: true,
      },
    },
  ];
  const assets: FleetDefinition['assets'] = [];
  const sources: SourceDef[] = [];
  const asset = (id: string, doc: Omit<AssetDoc, 'type' | 'simulated'>) => assets.push({ id, doc: { type: 'asset', ...doc, simulated: true } });
  for (let index = 0; index < TURBINES; index++) {
    const name = `T${two(index)}`;
    // Two rows of three, about 800 m apart (seven rotor diameters).
    const location = { label: `Row ${Math.floor(index / 3) + 1}, position ${(index % 3) + 1}`, lat: WIND_LOCATION.lat + Math.floor(index / 3) * 0.0072, lon: WIND_LOCATION.lon + (index % 3) * 0.0122 };
    const installed = commissioned(seed, 2019, index);
    asset(turbineAsset(index), { site: WIND_SITE, title: `Turbine ${name}`, asset_type: 'turbine', make: 'Nordwind', model: 'NW-3000/126', serial: serial(seed, 'NW', index), location, commissioned: installed });
    asset(turbineAsset(index, 'gearbox'), { site: WIND_SITE, title: `${name} gearbox`, asset_type: 'gearbox', make: 'Kraftgetriebe', model: 'KG-3P 1:97', serial: serial(seed, 'KG', index), commissioned: installed, parent: turbineAsset(index) });
    asset(turbineAsset(index, 'main-bearing'), { site: WIND_SITE, title: `${name} main bearing`, asset_type: 'main_bearing', make: 'Rollwerk', model: 'RW-240/1180', serial: serial(seed, 'RW', index), commissioned: installed, parent: turbineAsset(index, 'gearbox') });
    asset(turbineAsset(index, 'generator'), { site: WIND_SITE, title: `${name} generator`, asset_type: 'generator', make: 'Elmag', model: 'DFIG 3.2 MW', serial: serial(seed, 'EG', index), commissioned: installed, parent: turbineAsset(index) });
    const slug = turbineSlug(index);
    sources.push({ key: `${slug}.scada`, tag: `demo.${WIND_SLUG}.${slug}.scada`, kind: 'scada', site: WIND_SITE, asset: turbineAsset(index), index, rate: 1, fields: SCADA_FIELDS });
    sources.push({ key: `${slug}.cms`, tag: `demo.${WIND_SLUG}.${slug}.cms`, kind: 'cms', site: WIND_SITE, asset: turbineAsset(index, 'gearbox'), index, rate: CMS_RATE, fields: CMS_FIELDS });
  }
  asset(`asset/${SOLAR_SLUG}/met`, { site: SOLAR_SITE, title: 'Met station', asset_type: 'met_mast', make: 'Skyline', model: 'MS-5 pyranometer station', serial: serial(seed, 'MS', 0), commissioned: commissioned(seed, 2021, 100) });
  sources.push({ key: 'met', tag: `demo.${SOLAR_SLUG}.met`, kind: 'met', site: SOLAR_SITE, asset: `asset/${SOLAR_SLUG}/met`, index: 0, rate: 1, fields: MET_FIELDS });
  for (let index = 0; index < INVERTERS; index++) {
    const installed = commissioned(seed, 2021, 200 + index);
    asset(inverterAsset(index), { site: SOLAR_SITE, title: `Inverter INV${two(index)}`, asset_type: 'inverter', make: 'Helion', model: 'HX-24 string inverter', serial: serial(seed, 'HX', index), location: { label: `Block ${String.fromCharCode(65 + index)}` }, commissioned: installed });
    for (let string = 0; string < STRINGS_PER_INVERTER; string++) {
      asset(inverterAsset(index, string), { site: SOLAR_SITE, title: `INV${two(index)} string ${string + 1}`, asset_type: 'string', make: 'Solaris', model: '22 × SM-410 modules', serial: serial(seed, 'SS', index * 10 + string), commissioned: installed, parent: inverterAsset(index) });
    }
    const slug = inverterSlug(index);
    sources.push({ key: `${slug}`, tag: `demo.${SOLAR_SLUG}.${slug}`, kind: 'inverter', site: SOLAR_SITE, asset: inverterAsset(index), index, rate: 1, fields: inverterFields() });
  }
  return { sites, assets, sources };
}
