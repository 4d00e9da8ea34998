/**
 * Signals of the simulated solar plant, pure functions of (seed, time) and the fault schedule:
 * irradiance from the sun's elevation (the plant's latitude and longitude, the day of the year,
 * the time of day; zero at night) through clouds; ambient temperature; module temperature heated
 * by the sun with thermal lag; per string DC voltage (temperature and irradiance dependent) and
 * current (lower as the modules age, by each inverter's yearly rate); AC power after the
 * inverter's efficiency, clipped at its 24 kW rating.
 */
import { INVERTERS, SOLAR_LOCATION, STRINGS_PER_INVERTER } from './fleet';
import { GRID_MS, LagGrid } from './lag';
import { gaussian, keyOf, uniform, valueNoise } from './noise';
import { inverterEfficiency, pvFactor, rainsOn, soilingLoss, type FaultSchedule } from './schedule';
import { dayOfYear } from './wind';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const RAD = Math.PI / 180;

/** The inverter's AC rating (kW): above it, power is clipped. */
export const AC_RATING = 24;
/** A string of 22 × 410 W modules at standard conditions: maximum-power voltage and current. */
const STRING_VMP = 904;
const STRING_IMP = 10.2;

const K = {
  clouds1: keyOf('solar.clouds.30h'),
  clouds2: keyOf('solar.clouds.4h'),
  passing: keyOf('solar.clouds.passing'),
  irradiance: keyOf('solar.irradiance'),
  ambient1: keyOf('solar.ambient.3d'),
  ambientNoise: keyOf('solar.ambient.noise'),
  module: keyOf('solar.module'),
  strings: keyOf('solar.strings'),
};

/** Sine of the sun's elevation at the plant at `time` (negative at night). */
export function sunSine(time: number, lat = SOLAR_LOCATION.lat, lon = SOLAR_LOCATION.lon): number {
  const day = dayOfYear(time);
  const declination = 23.44 * RAD * Math.sin((2 * Math.PI * (284 + day)) / 365);
  const b = (2 * Math.PI * (day - 81)) / 364;
  const equationOfTime = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b); // minutes
  const solarHours = ((time % DAY) / HOUR + lon / 15 + equationOfTime / 60 + 24) % 24;
  const hourAngle = 15 * RAD * (solarHours - 12);
  return Math.sin(lat * RAD) * Math.sin(declination) + Math.cos(lat * RAD) * Math.cos(declination) * Math.cos(hourAngle);
}

/** Clear-sky global horizontal irradiance (W/m², Haurwitz's model): 0 when the sun is down. */
export function clearSky(time: number): number {
  const sine = sunSine(time);
  return sine > 0 ? 1098 * sine * Math.exp(-0.057 / sine) : 0;
}

/** Cloud cover 0–1 at `time`: slow weather, and overcast afternoons on rainy days. */
function cloudiness(seed: number, time: number): number {
  let cover = 0.22 + 0.55 * valueNoise(seed, K.clouds1, time, 30 * HOUR) + 0.3 * valueNoise(seed, K.clouds2, time, 4 * HOUR);
  const hour = (time % DAY) / HOUR;
  if (hour >= 13 && hour < 17 && rainsOn(seed, Math.floor(time / DAY))) cover = 0.95;
  return Math.min(1, Math.max(0, cover));
}

/** Global horizontal irradiance at the plant (W/m²): clear sky through clouds, passing clouds flickering. */
export function irradiance(seed: number, time: number): number {
  const clear = clearSky(time);
  if (clear === 0) return 0;
  const cover = cloudiness(seed, time);
  const passing = Math.max(0, valueNoise(seed, K.passing, time, 150_000)) * 4 * cover * (1 - cover);
  return Math.max(0, clear * (1 - 0.75 * cover) * (1 - 0.6 * passing) * (1 + 0.004 * gaussian(seed, K.irradiance, Math.round(time / 1000))));
}

/** Ambient temperature at the plant (°C): season, a day-night swing that clouds damp, weather. */
export function solarAmbient(seed: number, time: number): number {
  const seasonal = 18 - 8.5 * Math.cos((2 * Math.PI * (dayOfYear(time) - 20)) / 365.25);
  const hour = ((time % DAY) / HOUR + SOLAR_LOCATION.lon / 15 + 24) % 24;
  const swing = 6.5 * (1 - 0.5 * cloudiness(seed, time)) * Math.sin((2 * Math.PI * (hour - 9)) / 24);
  return seasonal + swing + 2 * valueNoise(seed, K.ambient1, time, 3 * DAY);
}

/** The met station's fields at each of `times`, the modules' heating on a grid of `lagGridMs`. */
export function metSamples(seed: number, times: Float64Array, lagGridMs = GRID_MS): Record<string, Float32Array> {
  const n = times.length;
  const out = { irradiance: new Float32Array(n), ambient_temp: new Float32Array(n), module_temp: new Float32Array(n) };
  if (n === 0) return out;
  const heat = new LagGrid((time) => irradiance(seed, time), times[0]!, times[n - 1]!, 6 * 60_000, lagGridMs).lagged(6 * 60_000);
  for (let index = 0; index < n; index++) {
    const time = times[index]!;
    const second = Math.round(time / 1000);
    const ambient = solarAmbient(seed, time);
    out.irradiance[index] = irradiance(seed, time);
    out.ambient_temp[index] = ambient + 0.05 * gaussian(seed, K.ambientNoise, second);
    out.module_temp[index] = ambient + 0.03 * heat(time) + 0.1 * gaussian(seed, K.module, second);
  }
  return out;
}

/** An inverter's fields (AC power, each string's DC voltage and current) at each of `times`, the modules' heating on a grid of `lagGridMs`. */
export function inverterSamples(seed: number, schedule: FaultSchedule, inverter: number, times: Float64Array, lagGridMs = GRID_MS): Record<string, Float32Array> {
  const n = times.length;
  const out: Record<string, Float32Array> = { ac_power: new Float32Array(n) };
  for (let string = 0; string < STRINGS_PER_INVERTER; string++) {
    out[`s${string + 1}_voltage`] = new Float32Array(n);
    out[`s${string + 1}_current`] = new Float32Array(n);
  }
  if (n === 0) return out;
  const heat = new LagGrid((time) => irradiance(seed, time), times[0]!, times[n - 1]!, 6 * 60_000, lagGridMs).lagged(6 * 60_000);
  // Modules are never quite alike: each string a little above or below its rating.
  const mismatch = Array.from({ length: STRINGS_PER_INVERTER }, (_, string) => 1 + 0.03 * (uniform(seed, K.strings, inverter * INVERTERS + string) - 0.5));
  const noiseKey = keyOf(`inv${inverter}`);
  const failed = inverter === schedule.stringFailure.inverter ? schedule.stringFailure : undefined;
  const soiled = inverter === schedule.soiling.inverter;
  for (let index = 0; index < n; index++) {
    const time = times[index]!;
    const second = Math.round(time / 1000);
    const g = irradiance(seed, time);
    const moduleTemp = solarAmbient(seed, time) + 0.03 * heat(time);
    const soil = soiled ? soilingLoss(schedule, time) : 0;
    // The modules' ageing since the long history's start: less current, so less power.
    const aged = pvFactor(schedule, inverter, time);
    let dc = 0;
    for (let string = 0; string < STRINGS_PER_INVERTER; string++) {
      const noise = gaussian(seed, noiseKey ^ (string + 1), second);
      // The inverter wakes above a few W/m²; at night its DC side reads 0.
      const voltage = g > 3 ? Math.max(0, STRING_VMP * (1 - 0.0034 * (moduleTemp - 25)) * (1 + 0.045 * Math.log(g / 1000)) + 1.5 * noise) : 0;
      let current = g > 3 ? Math.max(0, STRING_IMP * (g / 1000) * (1 - soil) * aged * mismatch[string]! * (1 + 0.0005 * (moduleTemp - 25)) + 0.01 * noise) : 0;
      // An open string: a trickle of leakage around zero.
      if (failed && string === failed.string && time >= failed.start) current = g > 3 ? Math.abs(0.01 * noise) : 0;
      out[`s${string + 1}_voltage`]![index] = voltage;
      out[`s${string + 1}_current`]![index] = current;
      dc += voltage * current;
    }
    out.ac_power![index] = dc === 0 ? 0 : Math.min(AC_RATING, (inverterEfficiency(schedule, inverter, time) * dc) / 1000);
  }
  return out;
}
