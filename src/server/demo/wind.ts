/**
 * Signals of the simulated wind turbines, pure functions of (seed, turbine, time) and the fault
 * schedule: wind from slow weather, a small diurnal swing, storms and gusts; a 3 MW power curve
 * (cut-in 3 m/s, rated 12 m/s, cut-out 25 m/s); rotor speed and pitch (regulating above rated,
 * feathered when stopped); temperatures that follow load and ambient with thermal lag; drive-train
 * vibration RMS; and the gearbox's 3-axis acceleration bursts (gear mesh, shaft, and the main
 * bearing's defect impacts ringing a resonance as it wears).
 */
import { CMS_RATE, TURBINES } from './fleet';
import { GRID_MS, LagGrid } from './lag';
import { gaussian, keyOf, uniform, valueNoise } from './noise';
import { bearingSeverity, type FaultSchedule } from './schedule';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export const CUT_IN = 3;
export const RATED_SPEED = 12;
export const CUT_OUT = 25;
export const RATED_POWER = 3000;
/** Power the iced turbine keeps (of what the curve says). */
export const ICING_FACTOR = 0.55;

const K = {
  weather1: keyOf('wind.weather.40h'),
  weather2: keyOf('wind.weather.9h'),
  weather3: keyOf('wind.weather.100min'),
  storm: keyOf('wind.storm'),
  ambient1: keyOf('wind.ambient.2d'),
  ambient2: keyOf('wind.ambient.8h'),
};

/** Noise keys of one turbine. */
function turbineKeys(turbine: number) {
  const key = (name: string) => keyOf(`t${turbine}.${name}`);
  return { wake: key('wake'), gust1: key('gust25s'), gust2: key('gust6s'), anemometer: key('anemometer'), power: key('power'), rotor: key('rotor'), pitch: key('pitch'), ambient: key('ambient'), nacelle: key('nacelle'), gearbox: key('gearbox'), generator: key('generator'), bearing: key('bearing'), vib: key('vib'), vibSlow: key('vib30s'), cms: key('cms') };
}
const keys = Array.from({ length: TURBINES }, (_, turbine) => turbineKeys(turbine));

/** Fractional day of the year (UTC), 0 on 1 January. */
export function dayOfYear(time: number): number {
  const date = new Date(time);
  return (time - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY;
}

/** A ramp 0 → 1 → 0 over a window, with edges of `edge` ms (cold snaps come and go). */
function envelope(time: number, start: number, end: number, edge: number): number {
  if (time <= start || time >= end) return 0;
  return Math.min(1, (time - start) / edge, (end - time) / edge);
}

/** The 10-minute-scale wind at a turbine (m/s): weather, diurnal swing, storms, its wake. */
export function meanWind(seed: number, turbine: number, time: number): number {
  const hour = (time % DAY) / HOUR;
  const weather = 8.6 + 3.9 * valueNoise(seed, K.weather1, time, 40 * HOUR) + 2.3 * valueNoise(seed, K.weather2, time, 9 * HOUR) + 0.9 * valueNoise(seed, K.weather3, time, 100 * 60_000);
  const diurnal = 0.6 * Math.sin((2 * Math.PI * (hour - 8)) / 24);
  // Now and then a storm that pushes the wind past cut-out.
  const storm = 16 * Math.max(0, valueNoise(seed, K.storm, time, 3 * DAY) - 0.72) / 0.28;
  // The second row stands in the first row's wake.
  const wake = (turbine >= 3 ? 0.94 : 1) * (1 + 0.05 * valueNoise(seed, keys[turbine]!.wake, time, 3 * HOUR));
  return Math.max(0.3, (weather + diurnal + storm) * wake);
}

/** What the nacelle anemometer reads (m/s): the mean wind with gusts and turbulence. */
export function windSpeed(seed: number, turbine: number, time: number): number {
  const k = keys[turbine]!;
  const mean = meanWind(seed, turbine, time);
  const gust = mean * 0.12 * (0.7 * valueNoise(seed, k.gust1, time, 25_000) + 0.45 * valueNoise(seed, k.gust2, time, 6_000));
  return Math.max(0, mean + gust + 0.2 * gaussian(seed, k.anemometer, Math.round(time / 1000)));
}

/** Fraction of rated power the curve gives at wind speed `v` (0 below cut-in and from cut-out on). */
export function powerCurve(v: number): number {
  if (v < CUT_IN || v >= CUT_OUT) return 0;
  return Math.min(1, (v ** 3 - CUT_IN ** 3) / (RATED_SPEED ** 3 - CUT_IN ** 3));
}

/** Ambient temperature at the wind farm (°C): season, day and night, weather, and the cold snap of the icing fault. */
export function windAmbient(seed: number, schedule: FaultSchedule, time: number): number {
  const hour = (time % DAY) / HOUR;
  const seasonal = 9.5 - 5.5 * Math.cos((2 * Math.PI * (dayOfYear(time) - 35)) / 365.25);
  const base = seasonal + 1.2 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + 2.5 * valueNoise(seed, K.ambient1, time, 2 * DAY) + 0.8 * valueNoise(seed, K.ambient2, time, 8 * HOUR);
  const { start, end } = schedule.icing;
  const cold = envelope(time, start, end, Math.min(3 * HOUR, (end - start) / 4));
  return base + cold * (-4.5 - base);
}

/** Whether the turbine stands still for a storm (the 10-minute wind past cut-out). */
const stormStop = (seed: number, turbine: number, time: number): boolean => meanWind(seed, turbine, time) >= CUT_OUT;

/** Whether the turbine's blades carry ice at `time`. */
const iced = (schedule: FaultSchedule, turbine: number, time: number): boolean => turbine === schedule.icing.turbine && time >= schedule.icing.start && time < schedule.icing.end;

/** Load (fraction of rated power) from the mean wind: what heats the drive train. */
function load(seed: number, schedule: FaultSchedule, turbine: number, time: number): number {
  const wind = meanWind(seed, turbine, time);
  if (wind >= CUT_OUT) return 0; // a storm stop
  return powerCurve(wind) * (iced(schedule, turbine, time) ? ICING_FACTOR : 1);
}

/** The SCADA fields of one turbine at each of `times` (epoch ms, increasing), thermal lags on a grid of `lagGridMs`. */
export function scadaSamples(seed: number, schedule: FaultSchedule, turbine: number, times: Float64Array, lagGridMs = GRID_MS): Record<string, Float32Array> {
  const n = times.length;
  const out = {
    wind_speed: new Float32Array(n),
    power: new Float32Array(n),
    rotor_speed: new Float32Array(n),
    pitch: new Float32Array(n),
    ambient_temp: new Float32Array(n),
    nacelle_temp: new Float32Array(n),
    gearbox_temp: new Float32Array(n),
    generator_temp: new Float32Array(n),
    main_bearing_temp: new Float32Array(n),
    vibration_rms: new Float32Array(n),
  };
  if (n === 0) return out;
  const k = keys[turbine]!;
  const from = times[0]!;
  const to = times[n - 1]!;
  const grid = new LagGrid((time) => load(seed, schedule, turbine, time), from, to, 60 * 60_000, lagGridMs);
  const nacelleLag = grid.lagged(45 * 60_000);
  const gearboxLag = grid.lagged(25 * 60_000);
  const generatorLag = grid.lagged(15 * 60_000);
  const bearingLag = grid.lagged(60 * 60_000);
  // The bearing wears now (the current wear) or in one of its past lives within this block.
  const wearing = turbine === schedule.wear.turbine || schedule.pastWear.some((life) => life.turbine === turbine && life.failureAt >= from && life.start < to);
  const stuck = turbine === schedule.stuck.turbine ? schedule.stuck : undefined;
  const gearboxAt = (time: number, second: number, ambient: number): number => ambient + 22 + 36 * gearboxLag(time) + 0.08 * gaussian(seed, k.gearbox, second);
  // The stuck sensor repeats what it read at the window's start.
  const stuckValue = stuck ? gearboxAt(stuck.start, Math.round(stuck.start / 1000), windAmbient(seed, schedule, stuck.start) + 0.2 * gaussian(seed, k.ambient, Math.round(stuck.start / 1000))) : 0;
  for (let index = 0; index < n; index++) {
    const time = times[index]!;
    const second = Math.round(time / 1000);
    const v = windSpeed(seed, turbine, time);
    const stopped = stormStop(seed, turbine, time);
    const curve = stopped ? 0 : powerCurve(v) * (iced(schedule, turbine, time) ? ICING_FACTOR : 1);
    const power = curve === 0 ? 0 : Math.min(RATED_POWER, Math.max(0, RATED_POWER * curve * (1 + 0.008 * gaussian(seed, k.power, second))));
    const turning = !stopped && v >= CUT_IN;
    const rotor = turning ? Math.min(15.5, 5.5 + (v - CUT_IN) * 1.25) * (1 + 0.004 * gaussian(seed, k.rotor, second)) : 0;
    const pitch = stopped ? 88 : v > RATED_SPEED ? 2 + 2.6 * (v - RATED_SPEED) ** 0.9 + 0.2 * gaussian(seed, k.pitch, second) : Math.max(-0.5, 0.1 * gaussian(seed, k.pitch, second));
    const ambient = windAmbient(seed, schedule, time) + 0.2 * gaussian(seed, k.ambient, second);
    const severity = wearing ? bearingSeverity(schedule, turbine, time) : 0;
    out.wind_speed[index] = v;
    out.power[index] = power;
    out.rotor_speed[index] = rotor;
    out.pitch[index] = pitch;
    out.ambient_temp[index] = ambient;
    out.nacelle_temp[index] = ambient + 9 + 11 * nacelleLag(time) + 0.08 * gaussian(seed, k.nacelle, second);
    out.gearbox_temp[index] = stuck && time >= stuck.start && time < stuck.end ? stuckValue : gearboxAt(time, second, ambient);
    out.generator_temp[index] = ambient + 20 + 52 * generatorLag(time) + 0.1 * gaussian(seed, k.generator, second);
    out.main_bearing_temp[index] = ambient + 9 + 13 * bearingLag(time) + 14 * severity + 0.08 * gaussian(seed, k.bearing, second);
    const spin = rotor / 15.5;
    out.vibration_rms[index] = turning
      ? 0.6 + 1.9 * spin * spin + 0.8 * (power / RATED_POWER) + 3.2 * severity ** 1.2 + 0.12 * valueNoise(seed, k.vibSlow, time, 30_000) + 0.05 * gaussian(seed, k.vib, second)
      : Math.max(0.05, 0.15 + 0.03 * gaussian(seed, k.vib, second));
  }
  return out;
}

/** Resonance excited by the bearing's impacts (Hz) and its decay time (s). */
export const BEARING_RESONANCE_HZ = 180;
const RING_DECAY_S = 0.006;
/** Gearbox ratio, gear mesh per high-speed shaft turn, main bearing outer-race defect per rotor turn. */
const GEAR_RATIO = 97;
export const MESH_PER_HS_TURN = 4.6;
const BPFO_PER_ROTOR_TURN = 11.3;

/**
 * `count` samples of the gearbox's 3-axis acceleration (g) from `t0` at CMS_RATE: shaft
 * imbalance, gear mesh and its harmonic (scaled by load), the main bearing's defect impacts
 * (growing with wear), and sensor noise. A stopped rotor leaves only noise.
 */
export function cmsBurst(seed: number, schedule: FaultSchedule, turbine: number, t0: number, count: number): Record<string, Float32Array> {
  const out = { acc_x: new Float32Array(count), acc_y: new Float32Array(count), acc_z: new Float32Array(count) };
  const k = keys[turbine]!.cms;
  const dt = 1000 / CMS_RATE;
  // The operating point of the burst (10 s): speed and load from the SCADA model at its start.
  const state = scadaSamples(seed, schedule, turbine, Float64Array.of(t0));
  const rpm = state.rotor_speed![0]!;
  const loadFraction = state.power![0]! / RATED_POWER;
  const severity = bearingSeverity(schedule, turbine, t0);
  const fRotor = rpm / 60;
  const fShaft = fRotor * GEAR_RATIO;
  const fMesh = fShaft * MESH_PER_HS_TURN;
  const period = fRotor > 0 ? 1 / (fRotor * BPFO_PER_ROTOR_TURN) : Infinity;
  const impact = 7 * severity ** 1.2 * (0.4 + 0.6 * loadFraction);
  const mesh = 0.32 * (0.3 + 0.7 * loadFraction);
  const phase = (n: number) => uniform(seed, k ^ n, Math.round(t0)) * 2 * Math.PI;
  const [p1, p2, p3, p4] = [phase(1), phase(2), phase(3), phase(4)];
  const first = Math.round(t0 / dt);
  for (let index = 0; index < count; index++) {
    const u = (index * dt) / 1000;
    const sample = first + index;
    const nx = 0.045 * gaussian(seed, k, sample * 3);
    const ny = 0.045 * gaussian(seed, k, sample * 3 + 1);
    const nz = 0.035 * gaussian(seed, k, sample * 3 + 2);
    if (rpm < 0.5) {
      out.acc_x[index] = nx * 0.5;
      out.acc_y[index] = ny * 0.5;
      out.acc_z[index] = nz * 0.5;
      continue;
    }
    const shaft = Math.sin(2 * Math.PI * fShaft * u + p1);
    const gear = Math.sin(2 * Math.PI * fMesh * u + p2);
    const gear2 = Math.sin(2 * Math.PI * 2 * fMesh * u + p3);
    let ring = 0;
    if (impact > 0) {
      const hit = Math.floor(u / period);
      const since = u - hit * period;
      ring = impact * (0.75 + 0.5 * uniform(seed, k ^ 0xb5, first + hit)) * Math.exp(-since / RING_DECAY_S) * Math.sin(2 * Math.PI * BEARING_RESONANCE_HZ * since + p4);
    }
    out.acc_x[index] = 0.06 * shaft + mesh * gear + 0.3 * mesh * gear2 + ring + nx;
    out.acc_y[index] = 0.05 * Math.cos(2 * Math.PI * fShaft * u + p1) + 0.8 * mesh * gear + 0.25 * mesh * gear2 + 0.8 * ring + ny;
    out.acc_z[index] = 0.02 * shaft + 0.4 * mesh * gear + 0.1 * mesh * gear2 + 0.35 * ring + nz;
  }
  return out;
}
