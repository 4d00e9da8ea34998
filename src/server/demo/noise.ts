/**
 * Deterministic noise for the simulated fleet: every value is a pure function of (seed, key,
 * position), computed by integer hashing, so a restart (or another process) regenerates exactly the
 * samples it wrote before — no random generator state to save.
 */

/** 32-bit finaliser (lowbias32): good avalanche for a few integer operations. */
function mix(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO_32 = 4_294_967_296;

/** A 32-bit hash of (seed, key, index); `index` may be any integer up to 2^53 (e.g. epoch ms). */
export function hash3(seed: number, key: number, index: number): number {
  const low = index % TWO_32;
  const high = Math.floor(index / TWO_32);
  return mix(mix(mix(seed ^ 0x9e3779b9) ^ key) ^ mix(low ^ Math.imul(high, 0x85ebca6b)));
}

/** A uniform number in [0, 1) for (seed, key, index). */
export function uniform(seed: number, key: number, index: number): number {
  return hash3(seed, key, index) / TWO_32;
}

/** An approximately standard normal number for (seed, key, index) (Irwin–Hall of four uniforms: cheap, bounded by ±3.5). */
export function gaussian(seed: number, key: number, index: number): number {
  const h1 = hash3(seed, key, index);
  const h2 = mix(h1 ^ 0x68e31da4);
  // Four 16-bit uniforms from two hashes; their sum has variance 4/12.
  const sum = (h1 & 0xffff) + (h1 >>> 16) + (h2 & 0xffff) + (h2 >>> 16);
  return (sum / 65536 - 2) * 1.7320508075688772;
}

/**
 * Smooth value noise in [-1, 1]: random values at multiples of `period` (ms) on the time axis,
 * joined by a smoothstep, so it wanders with that time scale.
 */
export function valueNoise(seed: number, key: number, time: number, period: number): number {
  const position = time / period;
  const cell = Math.floor(position);
  const fraction = position - cell;
  const eased = fraction * fraction * (3 - 2 * fraction);
  const a = uniform(seed, key, cell) * 2 - 1;
  const b = uniform(seed, key, cell + 1) * 2 - 1;
  return a + (b - a) * eased;
}

/** A stable 32-bit key for a name (FNV-1a), to give each channel its own noise. */
export function keyOf(name: string): number {
  let h = 0x811c9dc5;
  for (let index = 0; index < name.length; index++) {
    h ^= name.charCodeAt(index);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
