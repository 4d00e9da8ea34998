/**
 * Deterministic synthetic channels of a wind turbine, for the demo: vibration with a rotor
 * harmonic, a slowly growing bearing fault and noise; a daily temperature cycle; power following
 * gusty wind. Pure: the same call always gives the same samples.
 */

export interface DemoChannel {
  id: string;
  title: string;
  unit: string;
  /** Samples per second. */
  rate: number;
  length: number;
}

export const demoChannels: readonly DemoChannel[] = [
  { id: 'vib-x', title: 'Vibration X', unit: 'mm/s', rate: 100, length: 1_048_576 },
  { id: 'vib-y', title: 'Vibration Y', unit: 'mm/s', rate: 100, length: 1_048_576 },
  { id: 'vib-z', title: 'Vibration Z', unit: 'mm/s', rate: 100, length: 1_048_576 },
  { id: 'temperature', title: 'Gearbox temperature', unit: '°C', rate: 1, length: 86_400 },
  { id: 'power', title: 'Active power', unit: 'kW', rate: 1, length: 86_400 },
];

/** Samples [from, to) of a demo channel. */
export function demoSamples(channel: DemoChannel, from: number, to: number): Float32Array {
  const values = new Float32Array(to - from);
  const axis = channel.id === 'vib-x' ? 0 : channel.id === 'vib-y' ? 1 : 2;
  for (let index = from; index < to; index++) {
    const t = index / channel.rate;
    // A cheap hash-based noise in [-0.5, 0.5): reproducible everywhere, no state to carry.
    const noise = ((Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) >>> 0) / 4_294_967_296) - 0.5;
    let value: number;
    if (channel.id.startsWith('vib')) {
      const rotor = Math.sin(2 * Math.PI * 0.25 * t + axis) * (1.5 + axis * 0.3);
      const gear = Math.sin(2 * Math.PI * 7.3 * t) * 0.4;
      const fault = (index / channel.length) ** 3 * 2.5 * Math.sin(2 * Math.PI * 23.1 * t);
      value = rotor + gear + fault + noise * 0.6;
    } else if (channel.id === 'temperature') {
      value = 52 + 6 * Math.sin((2 * Math.PI * t) / 86_400 - 1.2) + (index / channel.length) * 4 + noise * 0.3;
    } else {
      const wind = 8 + 3 * Math.sin((2 * Math.PI * t) / 21_600) + 1.5 * Math.sin((2 * Math.PI * t) / 1_800 + 0.7) + noise;
      value = Math.min(2500, Math.max(0, 2500 * ((wind - 3) / 9) ** 3));
    }
    values[index - from] = value;
  }
  return values;
}
