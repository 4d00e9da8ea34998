/**
 * Generated plants with a known degradation rate (seeded, deterministic), for the degradation
 * tests and benchmark (src/core/predict/degradation.ts).
 *
 * PV: a south-facing array at 45° N, 15° E (solar noon ≈ 11:00 UTC), hourly means over `years`
 * years: clear-sky plane-of-array irradiance with the seasons' sun path, day-to-day and hourly
 * clouds, ambient temperature with seasons and a daily cycle, module temperature heated by the sun;
 * power = nameplate × G/1000 × (1 + γ·(T_module − 25)) × (1 + rate·years) × (1 − soiling) × a
 * seasonal spectral/angle factor the temperature correction does not remove, with noise, clipped
 * by an inverter smaller than the array (DC/AC 1.25), soiling that grows a little every dry day
 * and is washed by rain, outages of several days (no power in the sun) and of single hours.
 *
 * Wind: hourly wind speed (a correlated Rayleigh-like process with seasons), a 2 MW power curve
 * (cut-in 3, rated 12, cut-out 25 m/s), the air density's seasons, a known loss of efficiency per
 * year on the partial-load part of the curve (rated power is still reached), noise, outages of
 * days and curtailed hours.
 */
import type { DegradationResult } from '../../src/core/predict/degradation';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;

/** mulberry32 with a Box–Muller normal on the side. */
function generator(seed: number): { uniform: () => number; normal: () => number } {
  let state = (Math.floor(seed * 2654435761) ^ 0x9e3779b9) >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** Options of the generated PV plant. */
export interface PvPlantOptions {
  /** The true degradation rate, %/yr (e.g. −0.9). */
  ratePctPerYear: number;
  years?: number;
  seed?: number;
  /** First hour (epoch ms; default 2020-01-01T00:00Z). */
  start?: number;
  /** Soiling, outages, clipping and the seasonal spectral factor (default all on). */
  soiling?: boolean;
  outages?: boolean;
  clipping?: boolean;
  seasonal?: boolean;
  /** True power temperature coefficient per °C (default −0.0045). */
  gamma?: number;
  /** Array nameplate, kW (default 1000). */
  nameplate?: number;
}

/** A generated PV plant: hourly means, and what it was made with. */
export interface PvPlant {
  times: Float64Array;
  power: Float64Array;
  irradiance: Float64Array;
  temperature: Float64Array;
  ratePctPerYear: number;
  /** Days on which an outage of days was put (for tests that check them). */
  outageDays: number;
}

/** A PV plant with a known, linear-in-time degradation rate (see the module comment). */
export function generatePvPlant(options: PvPlantOptions): PvPlant {
  const years = options.years ?? 5;
  const start = options.start ?? Date.UTC(2020, 0, 1);
  const nameplate = options.nameplate ?? 1000;
  const gamma = options.gamma ?? -0.0045;
  const { uniform, normal } = generator(options.seed ?? 1);
  const latitude = (45 * Math.PI) / 180;
  const tilt = (30 * Math.PI) / 180;
  const longitudeHours = 1; // 15° E
  const days = Math.round(years * 365.25);
  const hours = days * 24;
  const times = new Float64Array(hours);
  const power = new Float64Array(hours);
  const irradiance = new Float64Array(hours);
  const temperature = new Float64Array(hours);
  let cloudiness = 0.3;
  let soiling = 0;
  let outageLeft = 0;
  let outageDays = 0;
  for (let day = 0; day < days; day += 1) {
    const dayStart = start + day * DAY_MS;
    const dayOfYear = Math.floor((dayStart - Date.UTC(new Date(dayStart).getUTCFullYear(), 0, 1)) / DAY_MS);
    const season = (2 * Math.PI * (dayOfYear - 80)) / 365.25; // 0 at the March equinox
    // Day-to-day cloudiness: a persistent process, cloudier in winter.
    cloudiness = Math.min(0.95, Math.max(0, 0.6 * cloudiness + 0.4 * (0.35 - 0.15 * Math.sin(season)) + 0.25 * normal()));
    const rain = uniform() < 0.12 + 0.05 * Math.cos(season) && cloudiness > 0.15;
    if (options.soiling !== false) soiling = rain ? 0 : Math.min(0.1, soiling + 0.0006 + 0.0008 * uniform());
    if (options.outages !== false && outageLeft === 0 && uniform() < 3 / 365) outageLeft = 1 + Math.floor(uniform() * 6);
    const down = outageLeft > 0;
    if (down) {
      outageLeft -= 1;
      outageDays += 1;
    }
    const declination = ((23.45 * Math.PI) / 180) * Math.sin(season);
    const ambientMean = 12 + 10 * Math.sin(season - 0.35) + 2 * normal();
    const spectral = options.seasonal === false ? 1 : 1 + 0.02 * Math.sin(season);
    for (let hour = 0; hour < 24; hour += 1) {
      const index = day * 24 + hour;
      const time = dayStart + hour * HOUR_MS;
      times[index] = time;
      const solarHour = hour + 0.5 + longitudeHours;
      const hourAngle = ((solarHour - 12) * 15 * Math.PI) / 180;
      const cosZenith = Math.sin(latitude) * Math.sin(declination) + Math.cos(latitude) * Math.cos(declination) * Math.cos(hourAngle);
      const cosIncidence = Math.sin(latitude - tilt) * Math.sin(declination) + Math.cos(latitude - tilt) * Math.cos(declination) * Math.cos(hourAngle);
      let g = 0;
      if (cosZenith > 0.02) {
        const beam = 1100 * Math.pow(0.7, Math.pow(1 / cosZenith, 0.678)) * Math.max(0, cosIncidence);
        const diffuse = 120 * cosZenith;
        const clear = beam + diffuse;
        const cloud = Math.min(1, Math.max(0, cloudiness + 0.15 * normal()));
        g = clear * (1 - 0.8 * cloud) + diffuse * 0.5 * cloud;
      }
      const ambient = ambientMean + 5 * Math.sin(((solarHour - 9) * Math.PI) / 12);
      const module = ambient + (g / 800) * 25 + 0.5 * normal();
      const ageYears = (time - start) / YEAR_MS;
      let dc = g > 0 ? nameplate * (g / 1000) * (1 + gamma * (module - 25)) * (1 + (options.ratePctPerYear / 100) * ageYears) * (1 - soiling) * spectral : 0;
      dc *= 1 + 0.01 * normal();
      let ac = Math.max(0, dc * 0.97);
      if (options.clipping !== false) ac = Math.min(ac, (0.97 * nameplate) / 1.25);
      if (down || (options.outages !== false && uniform() < 0.002)) ac = 0;
      power[index] = ac;
      irradiance[index] = g > 0 ? Math.max(0, g * (1 + 0.01 * normal())) : 0;
      temperature[index] = module;
    }
  }
  return { times, power, irradiance, temperature, ratePctPerYear: options.ratePctPerYear, outageDays };
}

/** Options of the generated wind turbine. */
export interface WindTurbineOptions {
  /** The true loss of partial-load efficiency, %/yr (e.g. −1). */
  ratePctPerYear: number;
  years?: number;
  seed?: number;
  start?: number;
}

/** A generated wind turbine: hourly means of power (kW) and wind speed (m/s). */
export interface WindTurbine {
  times: Float64Array;
  power: Float64Array;
  windSpeed: Float64Array;
  ratePctPerYear: number;
}

const RATED_KW = 2000;

/** The turbine's power curve, kW at standard air density. */
function powerCurve(v: number): number {
  if (v < 3 || v >= 25) return 0;
  if (v >= 12) return RATED_KW;
  const x = (v - 3) / 9;
  return RATED_KW * x * x * (3 - 2 * x) * (0.6 + 0.4 * x);
}

/** A wind turbine with a known, linear-in-time loss of efficiency (see the module comment). */
export function generateWindTurbine(options: WindTurbineOptions): WindTurbine {
  const years = options.years ?? 4;
  const start = options.start ?? Date.UTC(2020, 0, 1);
  const { uniform, normal } = generator(options.seed ?? 7);
  const hours = Math.round(years * 365.25) * 24;
  const times = new Float64Array(hours);
  const power = new Float64Array(hours);
  const windSpeed = new Float64Array(hours);
  let x = 0;
  let y = 0;
  let outageLeft = 0;
  for (let index = 0; index < hours; index += 1) {
    const time = start + index * HOUR_MS;
    times[index] = time;
    const season = (2 * Math.PI * ((time - start) / DAY_MS - 15)) / 365.25; // 0 mid-January
    x = 0.97 * x + 0.243 * normal();
    y = 0.97 * y + 0.243 * normal();
    const v = Math.max(0, (5.6 + 1.2 * Math.cos(season)) * Math.sqrt(x * x + y * y + 0.3) + 0.3 * normal());
    windSpeed[index] = v;
    if (index % 24 === 0 && outageLeft === 0 && uniform() < 2 / 365) outageLeft = 24 * (1 + Math.floor(uniform() * 5));
    const density = 1 + 0.04 * Math.cos(season);
    const efficiency = 1 + (options.ratePctPerYear / 100) * ((time - start) / YEAR_MS);
    let p = Math.min(RATED_KW, powerCurve(v) * density * efficiency) * (1 + 0.03 * normal());
    p = Math.min(RATED_KW * 1.02, Math.max(0, p));
    if (outageLeft > 0) {
      outageLeft -= 1;
      p = 0;
    } else if (uniform() < 0.01) p = Math.min(p, RATED_KW * 0.5);
    power[index] = p;
  }
  return { times, power, windSpeed, ratePctPerYear: options.ratePctPerYear };
}

/** An ordinary least-squares trend of the daily indicator, %/yr of its intercept (RdTools' degradation_ols). */
export function olsRate(result: Pick<DegradationResult, 'daily'>): number {
  const { times, values } = result.daily;
  const n = times.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i += 1) {
    sx += (times[i]! - times[0]!) / (365.25 * 86_400_000);
    sy += values[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i += 1) {
    const x = (times[i]! - times[0]!) / (365.25 * 86_400_000) - mx;
    sxy += x * (values[i]! - my);
    sxx += x * x;
  }
  const slope = sxy / sxx;
  return (100 * slope) / (my - slope * mx);
}
