// Histogram gradient-boosted trees (src/core/predict/gbt.ts): they learn known functions, the same
// inputs give the same trees bit for bit, and a model from outside is checked before it is walked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contributionsGbt, defaultGbtParams, fitGbt, gbtModelProblem, predictGbt, seededRandom, type GbtParams } from '../../src/core/predict/gbt';

/** rows × 3 features uniform in [0, 1) (seeded) and y = f(row). */
function data(rows: number, seed: number, f: (x: Float32Array, offset: number) => number): { x: Float32Array; y: Float64Array } {
  const random = seededRandom(seed);
  const x = new Float32Array(rows * 3);
  for (let i = 0; i < x.length; i += 1) x[i] = random();
  const y = Float64Array.from({ length: rows }, (_, i) => f(x, i * 3));
  return { x, y };
}

const rmse = (params: GbtParams, f: (x: Float32Array, offset: number) => number): number => {
  const train = data(4000, 1, f);
  const model = fitGbt(train.x, train.y, 3, params);
  const test = data(1000, 2, f);
  let squared = 0;
  for (let i = 0; i < test.y.length; i += 1) squared += (predictGbt(model, test.x, i * 3) - test.y[i]!) ** 2;
  return Math.sqrt(squared / test.y.length);
};

const params: GbtParams = { ...defaultGbtParams, trees: 200, learningRate: 0.1, minLeaf: 10, colsample: 1 };

describe('gradient-boosted trees', () => {
  it('fit a step, a smooth function of two features and ignore a noise feature', () => {
    const step = (x: Float32Array, o: number): number => (x[o]! > 0.3 ? 10 : -10);
    expect(rmse(params, step)).toBeLessThan(0.5);
    const smooth = (x: Float32Array, o: number): number => 10 * Math.sin(3 * x[o]!) + 5 * x[o + 1]! ** 2;
    // The spread of `smooth` is about 3.3; a constant would be off by that much.
    expect(rmse(params, smooth)).toBeLessThan(0.4);
    const train = data(4000, 1, smooth);
    const model = fitGbt(train.x, train.y, 3, params);
    const contributions = new Float64Array(3);
    let noise = 0;
    let signal = 0;
    for (let i = 0; i < 200; i += 1) {
      const prediction = contributionsGbt(model, train.x, contributions, i * 3);
      expect(prediction).toBeCloseTo(predictGbt(model, train.x, i * 3), 9);
      signal += Math.abs(contributions[0]!) + Math.abs(contributions[1]!);
      noise += Math.abs(contributions[2]!);
    }
    expect(noise).toBeLessThan(0.05 * signal);
  });

  it('are deterministic: the same data, parameters and seed give the same trees; another seed others', () => {
    const { x, y } = data(2000, 3, (v, o) => v[o]! * 4 + v[o + 2]!);
    const sampled = { ...params, trees: 30, subsample: 0.5, colsample: 0.7 };
    const a = JSON.stringify(fitGbt(x, y, 3, sampled));
    expect(JSON.stringify(fitGbt(x, y, 3, sampled))).toBe(a);
    expect(JSON.stringify(fitGbt(x, y, 3, { ...sampled, seed: 2 }))).not.toBe(a);
  });

  it('send NaN left at training and prediction alike, and survive a JSON round trip', () => {
    const { x, y } = data(2000, 4, (v, o) => (v[o]! < 0.5 ? 1 : 5));
    for (let i = 0; i < 2000; i += 7) {
      x[i * 3] = Number.NaN;
      y[i] = 1;
    }
    const model = fitGbt(x, y, 3, params);
    expect(predictGbt(model, [Number.NaN, 0.5, 0.5])).toBeCloseTo(1, 0);
    const copy = JSON.parse(JSON.stringify(model));
    expect(gbtModelProblem(copy, 3)).toBeUndefined();
    for (let i = 0; i < 100; i += 1) expect(predictGbt(copy, x, i * 3)).toBe(predictGbt(model, x, i * 3));
  });

  it('refuse hostile models: cycles, indices out of range, non-numbers, ragged arrays', () => {
    const { x, y } = data(500, 5, (v, o) => v[o]!);
    const model = fitGbt(x, y, 3, { ...params, trees: 3 });
    const tree = model.trees[0]!;
    const internal = tree.feature.findIndex((f) => f >= 0);
    const cases: Array<[string, (copy: typeof model) => void, RegExp]> = [
      ['a child pointing back', (copy) => (copy.trees[0]!.left[internal] = internal), /children/],
      ['a feature out of range', (copy) => (copy.trees[0]!.feature[internal] = 3), /feature/],
      ['a threshold that is text', (copy) => ((copy.trees[0]!.threshold as unknown[])[internal] = '1'), /threshold/],
      ['ragged arrays', (copy) => copy.trees[0]!.value.pop(), /value/],
      ['no trees', (copy) => (copy.trees = []), /trees/],
      ['a base that is not finite', (copy) => (copy.base = Number.POSITIVE_INFINITY), /base/],
    ];
    for (const [, mutate, message] of cases) {
      const copy = JSON.parse(JSON.stringify(model));
      mutate(copy);
      expect(gbtModelProblem(copy, 3)).toMatch(message);
    }
    expect(gbtModelProblem(model, 4)).toMatch(/features/);
    // Whatever the value, the check answers (never throws), and what it accepts can be walked.
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        if (gbtModelProblem(value) === undefined) expect(Number.isFinite(predictGbt(value as unknown as typeof model, [0.1, 0.2, 0.3]))).toBe(true);
      }),
    );
  });
});
