// The RUL model (src/core/predict/rul-model.ts): the streaming predictor gives predictRul's estimate
// at every row and after state()/restore() through JSON, the model survives JSON, constant inputs are
// dropped, and a model from outside is refused unless it can be used.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictRul, RulPredictor, rulModelProblem, trainRul, type RulModel, type UnitSeries } from '../../src/core/predict/rul-model';
import { seededRandom } from '../../src/core/predict/gbt';

/** Run-to-failure units: `wear` rises towards the end, `noise` does not, `constant` never moves. */
function units(count: number, seed: number): UnitSeries[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, u) => {
    const life = 60 + Math.floor(random() * 60);
    const times = Float64Array.from({ length: life }, (_, i) => i + 1);
    const wear = Float32Array.from(times, (t) => 10 + 8 * Math.exp((t - life) / 15) + random());
    const noise = Float32Array.from(times, () => random() * 3);
    const constant = new Float32Array(life).fill(7);
    return { unit: `u${u}`, times, values: [wear, noise, constant] };
  });
}

const inputs = ['wear', 'noise', 'constant'];
let model: RulModel;

beforeAll(() => {
  model = trainRul(units(12, 1), inputs, { cap: 40, windows: [3, 8], params: { trees: 60, learningRate: 0.1, minLeaf: 10 } });
});

/** The first `rows` rows of a unit. */
const prefix = (unit: UnitSeries, rows: number): UnitSeries => ({ unit: unit.unit, times: unit.times.slice(0, rows), values: unit.values.map((v) => v.slice(0, rows)) });

describe('RUL model', () => {
  it('learns which inputs vary, validates by units and gives ordered intervals', () => {
    expect(model.used).toEqual([0, 1]);
    expect(model.importance[0]!.input).toBe('wear');
    expect(model.validation.units).toBe(12);
    expect(model.validation.points).toBe(60);
    expect(model.validation.rmse).toBeLessThan(12);
    expect(model.validation.coverage).toBeGreaterThan(0.5);
    const test = units(3, 9);
    for (const unit of test) {
      const estimate = predictRul(model, unit);
      expect(estimate.low).toBeLessThanOrEqual(estimate.rul);
      expect(estimate.high).toBeGreaterThanOrEqual(estimate.rul);
      expect(estimate.rul).toBeLessThan(15);
      expect(estimate.evidence[0]).toMatchObject({ input: 'wear', trend: 'rising' });
      expect(predictRul(model, prefix(unit, 5)).rul).toBeGreaterThan(25);
    }
  });

  it('streams: the predictor equals predictRul at every row, and after state()/restore() through JSON', () => {
    const [unit] = units(1, 5);
    let predictor = new RulPredictor(model);
    expect(predictor.estimate()).toBeUndefined();
    for (let i = 0; i < unit!.times.length; i += 1) {
      predictor.push(unit!.times[i]!, unit!.values.map((v) => v[i]!));
      expect(predictor.estimate()).toEqual(predictRul(model, prefix(unit!, i + 1)));
      if (i % 7 === 3) {
        predictor = RulPredictor.restore(model, JSON.parse(JSON.stringify(predictor.state())));
        expect(predictor.estimate()).toEqual(predictRul(model, prefix(unit!, i + 1)));
      }
    }
    expect(() => RulPredictor.restore(model, { features: {}, row: null })).toThrow(RangeError);
    expect(() => RulPredictor.restore(model, { ...predictor.state(), row: [1, 2] })).toThrow(/row/);
  });

  it('survives JSON: the same estimates from the parsed model', () => {
    const copy = JSON.parse(JSON.stringify(model)) as RulModel;
    expect(rulModelProblem(copy)).toBeUndefined();
    for (const unit of units(4, 11)) expect(predictRul(copy, unit)).toEqual(predictRul(model, unit));
  });

  it('refuses what it cannot learn from', () => {
    expect(() => trainRul(units(1, 1), inputs, { cap: 40 })).toThrow(/at least 2 units/);
    const flat = units(3, 1).map((unit) => ({ ...unit, values: unit.values.map((v) => new Float32Array(v.length).fill(1)) }));
    expect(() => trainRul(flat, inputs, { cap: 40 })).toThrow(/constant/);
    const backwards = units(3, 1);
    backwards[1]!.times[4] = 1;
    expect(() => trainRul(backwards, inputs, { cap: 40 })).toThrow(/increase/);
    expect(() => trainRul(units(3, 1), inputs, { cap: 40, params: { trees: 0 } })).toThrow(/trees/);
  });

  it('refuses hostile model JSON: what it accepts can be used, whatever was changed', () => {
    const json = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
    const paths: string[][] = [];
    const walk = (value: unknown, path: string[]): void => {
      if (path.length > 0) paths.push(path);
      if (typeof value === 'object' && value !== null && paths.length < 5000) for (const [key, child] of Object.entries(value).slice(0, 12)) walk(child, [...path, key]);
    };
    walk(json, []);
    const replacement = fc.oneof(fc.jsonValue(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1e308, [], {}, null, '__proto__', [0, 0, 0]));
    fc.assert(
      fc.property(fc.constantFrom(...paths), replacement, (path, value) => {
        const copy = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
        let node = copy as Record<string, unknown>;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[path[path.length - 1]!] = value;
        if (rulModelProblem(copy) !== undefined) return;
        const predictor = new RulPredictor(copy as unknown as RulModel);
        for (let i = 1; i <= 10; i += 1) predictor.push(i, [10, 1, 7]);
        const estimate = predictor.estimate()!;
        for (const number of [estimate.rul, estimate.low, estimate.high]) expect(Number.isFinite(number)).toBe(true);
      }),
      { numRuns: 400 },
    );
    for (const hostile of [null, [], 'model', { ...json, format: 'other' }, { ...json, used: [5] }, { ...json, windows: [8, 3] }, { ...json, features: [] }, { ...json, interval: { ...(json.interval as object), low: [] } }]) {
      expect(rulModelProblem(hostile)).toEqual(expect.any(String));
    }
  });
});
