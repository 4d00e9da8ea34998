/**
 * Baseline detectors that the benchmark runs beside Fieldline's: NAB's windowed Gaussian (published
 * standard score 39.7; re-implemented from nab/detectors/gaussian) and a plain rolling z-score
 * (the throughput baseline: the cheapest streaming detector doing the same passes). Scores are
 * float64: the windowed Gaussian's scores crowd just below 1, where float32 would tie them.
 */

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * NAB's windowed Gaussian: score = 1 − tail probability of |x − mean| under the mean and standard
 * deviation of the last 6400 values (re-estimated every 100 values once the window is full).
 */
export function windowedGaussian(_times: Float64Array, values: Float32Array): Float64Array {
  const windowSize = 6400;
  const stepSize = 100;
  const scores = new Float64Array(values.length);
  const window: number[] = [];
  let step: number[] = [];
  let mean = 0;
  let std = 1;
  let sum = 0;
  let sumSquares = 0;
  const update = (): void => {
    mean = sum / window.length;
    std = Math.sqrt(Math.max(0, sumSquares / window.length - mean * mean));
    if (std === 0) std = 0.000001;
  };
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (window.length > 0) scores[i] = 1 - 0.5 * erfc(Math.abs(value - mean) / std / Math.SQRT2);
    if (window.length < windowSize) {
      window.push(value);
      sum += value;
      sumSquares += value * value;
      update();
    } else {
      step.push(value);
      if (step.length === stepSize) {
        for (const old of window.splice(0, stepSize)) {
          sum -= old;
          sumSquares -= old * old;
        }
        for (const item of step) {
          window.push(item);
          sum += item;
          sumSquares += item * item;
        }
        step = [];
        update();
      }
    }
  }
  return scores;
}

/** Rolling z-score over the last `size` values (running sums over a ring), squashed into [0, 1]. */
export function rollingZScore(_times: Float64Array, values: Float32Array, size = 288): Float64Array {
  const scores = new Float64Array(values.length);
  const ring = new Float64Array(size);
  let sum = 0;
  let sumSquares = 0;
  let filled = 0;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (filled > 1) {
      const mean = sum / filled;
      const std = Math.sqrt(Math.max(0, sumSquares / filled - mean * mean)) + 1e-9;
      const z = Math.abs(value - mean) / std;
      scores[i] = z / (z + 3);
    }
    const slot = i % size;
    if (filled === size) {
      sum -= ring[slot]!;
      sumSquares -= ring[slot]! * ring[slot]!;
    } else filled += 1;
    ring[slot] = value;
    sum += value;
    sumSquares += value * value;
  }
  return scores;
}
