/**
 * The colour scale of the explorer's heatmaps (spectrogram) and of time in the XY view: viridis,
 * as RGB stops. A data scale, not a theme colour: it is perceptually uniform, readable by people
 * with the common colour-vision deficiencies, and its ends stay distinct on the light and the dark
 * surface alike, so it does not follow the theme (the axes, labels and legend text around it do).
 */
const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** The scale's colour at `t` (0 = low/old … 1 = high/new; clamped) as [r, g, b] bytes. */
export function colourAt(t: number): [number, number, number] {
  const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const position = clamped * (STOPS.length - 1);
  const index = Math.min(STOPS.length - 2, Math.floor(position));
  const fraction = position - index;
  const a = STOPS[index]!;
  const b = STOPS[index + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * fraction), Math.round(a[1] + (b[1] - a[1]) * fraction), Math.round(a[2] + (b[2] - a[2]) * fraction)];
}

/** The scale as a CSS linear-gradient (for legends), left = 0, right = 1. */
export function colourGradient(direction = 'to right'): string {
  const stops = STOPS.map(([r, g, b], index) => `rgb(${r} ${g} ${b}) ${Math.round((index / (STOPS.length - 1)) * 100)}%`);
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}

/** A 256-entry lookup table (r, g, b per entry), for painting many cells or points fast. */
export function colourTable(): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) table.set(colourAt(i / 255), i * 3);
  return table;
}
