// Issue 17's documents (core/model failure.ts, prediction-model.ts, prediction.ts, degradation.ts,
// asset-health.ts): the checkers name the field, bound lengths and counts, take only finite numbers
// and never throw (fast-check); the id helpers give the contract's ids; the derived remaining-life
// and degradation channels are derived (never scored for anomalies).
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_HEALTH_REASONS,
  MAX_PREDICTION_EVIDENCE,
  MAX_PREDICTION_INPUTS,
  assetHealthId,
  assetHealthProblem,
  degradationArrayId,
  degradationChannelDoc,
  degradationChannelId,
  degradationId,
  degradationProblem,
  failureProblem,
  failureSchema,
  isDerivedChannel,
  isPredictionModelVersionId,
  mergeDocuments,
  mergePolicyFor,
  predictionId,
  predictionModelId,
  predictionModelProblem,
  predictionModelSchema,
  predictionModelSlug,
  predictionModelVersionId,
  predictionModelVersionProblem,
  predictionProblem,
  rulChannelDoc,
  rulChannelDocs,
  rulChannelIds,
  type AssetHealthDoc,
  type DegradationDoc,
  type FailureDoc,
  type PredictionDoc,
  type PredictionModelDoc,
  type PredictionModelVersionDoc,
} from '../../src/core';
import { anomalyTargets } from '../../src/server/alarms/anomaly-targets';

const DAY = 86_400_000;
const at = Date.UTC(2026, 10, 20);

const failure: FailureDoc = { type: 'failure', site: 'site/north', asset: 'asset/north/t03/main-bearing', component: 'outer race', mode: 'outer race defect', at, by: 'tom', work_order: 'work_order/abc', notes: 'Spalling on the outer race.' };

const spec: PredictionModelDoc = {
  type: 'prediction_model',
  title: 'Main bearing',
  asset_type: 'main_bearing',
  inputs: ['main_bearing_temp', 'vibration_rms', 'nacelle_temp', 'ambient_temp', 'power', 'rotor_speed'],
  step_ms: 3_600_000,
  cap_days: 90,
  lead_days: 21,
  windows: [24, 72, 168, 336],
  params: { trees: 200, depth: 4, rate: 0.05 },
  enabled: true,
  active_version: 2,
};

const version: PredictionModelVersionDoc = {
  type: 'prediction_model_version',
  model: 'prediction_model/main-bearing',
  version: 2,
  trained_at: at,
  trained_by: 'erin',
  training: { failures: 12, assets: 6, rows: 40_000, seconds: 3.2, peak_mib: 180 },
  validation: { rmse_days: 9.1, mae_days: 6.8, coverage: 0.88, level: 0.9, units: 3 },
  features: ['main_bearing_temp_mean_24', 'vibration_rms_slope_168'],
  importance: [
    { input: 'main_bearing_temp', share: 0.6 },
    { input: 'vibration_rms', share: 0.4 },
  ],
};

const ids = rulChannelIds('main-bearing', 'asset/north/t03/main-bearing');
const prediction: PredictionDoc = {
  type: 'prediction',
  site: 'site/north',
  asset: 'asset/north/t03/main-bearing',
  model: 'prediction_model/main-bearing',
  version: 2,
  at,
  rul_days: 23,
  low_days: 17,
  high_days: 31,
  failure_at: at + 23 * DAY,
  failure_low: at + 17 * DAY,
  failure_high: at + 31 * DAY,
  level: 0.9,
  summary: 'RUL 23 days (17–31): main bearing temperature rising',
  evidence: [{ channel: 'channel/source/t03.scada/main_bearing_temp', title: 'Main bearing temperature', trend: 'rising', share: 0.6 }],
  channels: ids.channels,
  work_order: 'work_order/prediction/main-bearing/north/t03/main-bearing/0',
  lead_days: 21,
};

const degradation: DegradationDoc = {
  type: 'degradation',
  site: 'site/south',
  asset: 'asset/south/inv01',
  indicator: 'performance_ratio',
  method: 'year_on_year',
  rate_pct_per_year: -0.9,
  ci_low: -1.1,
  ci_high: -0.7,
  confidence: 0.95,
  from: at - 3 * 365 * DAY,
  to: at,
  days_used: 1000,
  computed_at: at,
  channel: degradationChannelId('asset/south/inv01'),
  summary: '−0.9 %/yr (−1.1 to −0.7) over 3.0 years',
};

const health: AssetHealthDoc = {
  type: 'asset_health',
  site: 'site/north',
  asset: 'asset/north/t03',
  score: 42,
  level: 'warning',
  explanation: 'Main bearing: RUL 23 days',
  reasons: [
    { kind: 'rul', text: 'Main bearing: RUL 23 days', penalty: 40, ref: prediction.channels.rul },
    { kind: 'alarm', text: 'High bearing temperature', penalty: 18 },
  ],
  computed_at: at,
};

describe('ids', () => {
  it('follow the contract', () => {
    expect(predictionModelId('main-bearing')).toBe('prediction_model/main-bearing');
    expect(predictionModelVersionId('main-bearing', 3)).toBe('prediction_model/main-bearing/v3');
    expect(predictionModelSlug('prediction_model/main-bearing/v3')).toBe('main-bearing');
    expect(predictionModelSlug('prediction_model/main-bearing')).toBe('main-bearing');
    expect(predictionModelSlug('work_order/x')).toBeUndefined();
    expect(isPredictionModelVersionId('prediction_model/main-bearing/v3')).toBe(true);
    expect(isPredictionModelVersionId('prediction_model/main-bearing')).toBe(false);
    expect(predictionId('main-bearing', 'asset/north/t03/main-bearing')).toBe('prediction/main-bearing/north/t03/main-bearing');
    expect(ids).toEqual({
      channels: {
        rul: 'channel/prediction/main-bearing/north/t03/main-bearing/rul',
        low: 'channel/prediction/main-bearing/north/t03/main-bearing/rul_low',
        high: 'channel/prediction/main-bearing/north/t03/main-bearing/rul_high',
      },
      arrays: {
        rul: 'array/prediction/main-bearing/north/t03/main-bearing/rul',
        low: 'array/prediction/main-bearing/north/t03/main-bearing/rul_low',
        high: 'array/prediction/main-bearing/north/t03/main-bearing/rul_high',
      },
    });
    expect(degradationId('asset/south/inv01')).toBe('degradation/south/inv01');
    expect(degradationChannelId('asset/south/inv01')).toBe('channel/degradation/south/inv01/indicator');
    expect(degradationArrayId('asset/south/inv01')).toBe('array/degradation/south/inv01/indicator');
    expect(assetHealthId('asset/north/t03')).toBe('asset_health/north/t03');
  });
});

describe('derived channels', () => {
  const part = { id: 'asset/north/t03/main-bearing', site: 'site/north', title: 'T03 main bearing', simulated: true as const };

  it('the remaining-life channels name their arrays, unit and prediction, and are derived', () => {
    const docs = rulChannelDocs('main-bearing', part, 3_600_000);
    expect([...docs.keys()]).toEqual([ids.channels.rul, ids.channels.low, ids.channels.high]);
    const rul = docs.get(ids.channels.rul)!;
    expect(rul).toMatchObject({ type: 'channel', site: 'site/north', asset: part.id, array: ids.arrays.rul, field: 'rul', unit: 'd', rate: 1 / 3600, simulated: true, derived: { kind: 'rul', from: 'prediction/main-bearing/north/t03/main-bearing' } });
    expect(docs.get(ids.channels.low)).toMatchObject({ array: ids.arrays.low, field: 'rul_low' });
    expect(isDerivedChannel(rul)).toBe(true);
  });

  it('the degradation indicator is daily, unitless and derived', () => {
    const doc = degradationChannelDoc({ id: 'asset/south/inv01', site: 'site/south', title: 'INV01' }, 'performance_ratio');
    expect(doc).toMatchObject({ array: degradationArrayId('asset/south/inv01'), field: 'indicator', unit: '', rate: 1 / 86_400, derived: { kind: 'degradation', from: 'degradation/south/inv01' } });
    expect(doc.simulated).toBeUndefined();
    expect(isDerivedChannel(doc)).toBe(true);
  });

  it('are never scored for anomalies, even when flagged', () => {
    const rul = rulChannelDoc('main-bearing', part, 'rul');
    const indicator = degradationChannelDoc({ id: 'asset/south/inv01', site: 'site/south', title: 'INV01' }, 'performance_ratio');
    const source = { type: 'channel', site: 'site/north', asset: part.id, source: 'source/t03.scada', array: 'array/source/t03.scada/temp', field: 'temp', title: 'Temp', anomaly: true };
    const channels = [
      { id: ids.channels.rul, doc: { ...rul, anomaly: true } as unknown as Record<string, unknown> },
      { id: degradationChannelId('asset/south/inv01'), doc: { ...indicator, anomaly: true } as unknown as Record<string, unknown> },
      { id: 'channel/source/t03.scada/temp', doc: source },
    ];
    expect(anomalyTargets([], channels, []).map((target) => target.channel)).toEqual(['channel/source/t03.scada/temp']);
  });
});

describe('failureProblem', () => {
  it('accepts a failure, and one with only the required fields', () => {
    expect(failureProblem(failure)).toBeUndefined();
    expect(failureProblem({ type: 'failure', site: 's', asset: 'asset/x', mode: 'seized', at: 0, simulated: true })).toBeUndefined();
  });

  it.each([
    [null, 'must be an object'],
    [{ ...failure, type: 'reading' }, 'type must be "failure"'],
    [{ ...failure, site: undefined }, 'site must be a string'],
    [{ ...failure, asset: 'site/north' }, 'asset must be an id starting with "asset/"'],
    [{ ...failure, asset: 'asset/' }, 'asset must be an id starting with "asset/"'],
    [{ ...failure, mode: '' }, 'mode must not be empty'],
    [{ ...failure, mode: 'm'.repeat(201) }, 'mode must have at most 200 characters'],
    [{ ...failure, component: 'c'.repeat(201) }, 'component must have at most 200 characters'],
    [{ ...failure, at: Number.NaN }, 'at must be a finite number'],
    [{ ...failure, at: '2026-11-20' }, 'at must be a finite number'],
    [{ ...failure, at: 9e15 }, 'at must be between'],
    [{ ...failure, by: 7 }, 'by must be a string'],
    [{ ...failure, work_order: 'alarm/x' }, 'work_order must be an id starting with "work_order/"'],
    [{ ...failure, notes: 'n'.repeat(10_001) }, 'notes must have at most 10000 characters'],
    [{ ...failure, simulated: false }, 'simulated must be true or absent'],
  ])('refuses %j naming the field', (doc, message) => {
    expect(failureProblem(doc)).toContain(message);
  });
});

describe('predictionModelProblem', () => {
  it('accepts the demo spec, a minimal one, and checks the id when given', () => {
    expect(predictionModelProblem(spec)).toBeUndefined();
    expect(predictionModelProblem(spec, 'prediction_model/main-bearing')).toBeUndefined();
    const minimal = Object.fromEntries(Object.entries({ ...spec, inputs: ['power'], lead_days: 0 }).filter(([key]) => !['windows', 'params', 'active_version'].includes(key)));
    expect(predictionModelProblem(minimal)).toBeUndefined();
    expect(predictionModelProblem({ ...spec, inputs: Array.from({ length: MAX_PREDICTION_INPUTS }, (_, index) => `f${index}`) })).toBeUndefined();
  });

  it.each([
    ['prediction_model/main-bearing/v2', 'slug of'],
    ['prediction_model/Main Bearing', 'slug of'],
    ['prediction_model/', 'slug of'],
    ['work_order/x', 'starts with "prediction_model/"'],
  ])('refuses the id %j', (id, message) => {
    expect(predictionModelProblem(spec, id)).toContain(message);
  });

  it.each([
    [{ ...spec, type: 'prediction_model_version' }, 'type must be "prediction_model"'],
    [{ ...spec, title: '' }, 'title must not be empty'],
    [{ ...spec, title: 't'.repeat(201) }, 'title must have at most 200 characters'],
    [{ ...spec, asset_type: 3 }, 'asset_type must be a string'],
    [{ ...spec, inputs: [] }, 'inputs must not be empty'],
    [{ ...spec, inputs: 'power' }, 'inputs must be an array'],
    [{ ...spec, inputs: Array.from({ length: MAX_PREDICTION_INPUTS + 1 }, (_, index) => `f${index}`) }, 'inputs may have at most 32 entries (it has 33)'],
    [{ ...spec, inputs: ['power', ''] }, 'inputs[1] must not be empty'],
    [{ ...spec, inputs: ['power', 'power'] }, 'inputs[1] "power" is listed twice'],
    [{ ...spec, step_ms: 1.5e6 + 0.5 }, 'step_ms must be an integer'],
    [{ ...spec, step_ms: 10 }, 'step_ms must be between 1000'],
    [{ ...spec, cap_days: 0 }, 'cap_days must be more than 0'],
    [{ ...spec, cap_days: Infinity }, 'cap_days must be a finite number'],
    [{ ...spec, cap_days: 4000 }, 'cap_days must be between'],
    [{ ...spec, lead_days: -1 }, 'lead_days must be between'],
    [{ ...spec, lead_days: 91 }, 'lead_days must be at most cap_days (91 > 90)'],
    [{ ...spec, windows: [] }, 'windows must have 1 to 16 entries'],
    [{ ...spec, windows: [24, 0] }, 'windows[1] must be between 1'],
    [{ ...spec, windows: [24, 2.5] }, 'windows[1] must be an integer'],
    [{ ...spec, windows: Array.from({ length: 17 }, () => 1) }, 'windows must have 1 to 16 entries (it has 17)'],
    [{ ...spec, params: { trees: Number.NaN } }, 'params.trees must be a finite number'],
    [{ ...spec, params: [1] }, 'params must be an object'],
    [{ ...spec, params: Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`p${index}`, 1])) }, 'params may have at most 32 entries'],
    [{ ...spec, enabled: 'yes' }, 'enabled must be true or false'],
    [{ ...spec, active_version: 0 }, 'active_version must be between 1'],
    [{ ...spec, active_version: 1.5 }, 'active_version must be an integer'],
    [{ ...spec, simulated: 'true' }, 'simulated must be true or absent'],
  ])('refuses %j naming the field', (doc, message) => {
    expect(predictionModelProblem(doc)).toContain(message);
  });
});

describe('the server-written documents', () => {
  it('accept what the server writes', () => {
    expect(predictionModelVersionProblem(version, 'prediction_model/main-bearing/v2')).toBeUndefined();
    expect(predictionProblem(prediction)).toBeUndefined();
    expect(degradationProblem(degradation)).toBeUndefined();
    expect(assetHealthProblem(health)).toBeUndefined();
    expect(assetHealthProblem({ ...health, score: 100, level: 'good', reasons: [], explanation: 'No open issues' })).toBeUndefined();
  });

  it.each([
    [predictionModelVersionProblem, { ...version, model: 'prediction_model/x/v1' }, 'model: the slug of'],
    [predictionModelVersionProblem, { ...version, version: 0 }, 'version must be between 1'],
    [predictionModelVersionProblem, { ...version, training: { ...version.training, rows: -1 } }, 'training.rows must be between 0'],
    [predictionModelVersionProblem, { ...version, validation: { ...version.validation, coverage: 1.2 } }, 'validation.coverage must be between 0 and 1'],
    [predictionModelVersionProblem, { ...version, importance: [{ input: 'x', share: Number.NaN }] }, 'importance[0].share must be a finite number'],
    [predictionModelVersionProblem, { ...version, features: new Array(5000).fill('f') }, 'features must be at most 4096 names'],
    [predictionProblem, { ...prediction, rul_days: Infinity }, 'rul_days must be a finite number'],
    [predictionProblem, { ...prediction, low_days: 30 }, 'low_days ≤ rul_days ≤ high_days must hold'],
    [predictionProblem, { ...prediction, version: 1.5 }, 'version must be a whole number'],
    [predictionProblem, { ...prediction, evidence: [{ ...prediction.evidence[0], trend: 'up' }] }, 'evidence[0].trend must be'],
    [predictionProblem, { ...prediction, evidence: new Array(MAX_PREDICTION_EVIDENCE + 1).fill(prediction.evidence[0]) }, 'evidence may have at most 32 entries'],
    [predictionProblem, { ...prediction, channels: { rul: 'a', low: 'b' } }, 'channels.high must be a string'],
    [predictionProblem, { ...prediction, summary: 's'.repeat(501) }, 'summary must have at most 500 characters'],
    [predictionProblem, { ...prediction, lead_days: -1 }, 'lead_days must be between 0'],
    [degradationProblem, { ...degradation, indicator: 'pr' }, 'indicator must be one of performance_ratio, power_curve_residual'],
    [degradationProblem, { ...degradation, method: 'regression' }, 'method must be "year_on_year"'],
    [degradationProblem, { ...degradation, ci_high: -1 }, 'ci_low ≤ rate_pct_per_year ≤ ci_high must hold'],
    [degradationProblem, { ...degradation, rate_pct_per_year: Number.NaN }, 'rate_pct_per_year must be a finite number'],
    [degradationProblem, { ...degradation, from: at + DAY }, 'from must not be after to'],
    [assetHealthProblem, { ...health, score: 101 }, 'score must be between 0 and 100'],
    [assetHealthProblem, { ...health, level: 'bad' }, 'level must be one of good, watch, warning, critical'],
    [assetHealthProblem, { ...health, reasons: [{ kind: 'rumour', text: 'x', penalty: 1 }] }, 'reasons[0].kind must be one of'],
    [assetHealthProblem, { ...health, reasons: new Array(MAX_HEALTH_REASONS + 1).fill(health.reasons[0]) }, 'reasons may have at most 32 entries'],
  ] as const)('%o refuses %j naming the field', (check, doc, message) => {
    expect((check as (doc: unknown) => string | undefined)(doc)).toContain(message);
  });

  it('a version must sit under its model and number', () => {
    expect(predictionModelVersionProblem(version, 'prediction_model/main-bearing/v3')).toContain('the id of version 2 of prediction_model/main-bearing is "prediction_model/main-bearing/v2"');
  });
});

describe('every checker, on anything', () => {
  const checkers = [failureProblem, (doc: unknown) => predictionModelProblem(doc, 'prediction_model/x'), predictionModelVersionProblem, predictionProblem, degradationProblem, assetHealthProblem];
  const goods = [failure, spec, version, prediction, degradation, health] as unknown as Array<Record<string, unknown>>;

  it('never throws and answers a string or undefined', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        for (const check of checkers) {
          const problem = check(value);
          expect(problem === undefined || typeof problem === 'string').toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a good document with any field replaced by something hostile, naming a field, or accepts it', () => {
    const hostile = fc.oneof(fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-Infinity), fc.constant(null), fc.string({ maxLength: 3 }), fc.array(fc.anything(), { maxLength: 3 }), fc.object({ maxDepth: 1 }), fc.double());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: goods.length - 1 }), fc.nat(), hostile, (which, pick, value) => {
        const good = goods[which]!;
        const keys = Object.keys(good).filter((key) => key !== 'type');
        const key = keys[pick % keys.length]!;
        const problem = checkers[which]!({ ...good, [key]: value });
        if (problem !== undefined) expect(typeof problem).toBe('string');
        // A non-finite number is never accepted in a numeric field.
        if (typeof good[key] === 'number' && typeof value === 'number' && !Number.isFinite(value)) expect(problem).toContain(key);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts generated well-formed specs and failures', () => {
    const specs = fc.record({
      title: fc.string({ minLength: 1, maxLength: 200 }).filter((text) => text.trim() !== ''),
      inputs: fc.uniqueArray(fc.stringMatching(/^[a-z_]{1,20}$/), { minLength: 1, maxLength: MAX_PREDICTION_INPUTS }),
      step_ms: fc.integer({ min: 1000, max: 30 * DAY }),
      cap_days: fc.double({ min: 0.01, max: 3650, noNaN: true }),
      lead: fc.double({ min: 0, max: 1, noNaN: true }),
      windows: fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 16 }),
      enabled: fc.boolean(),
    });
    fc.assert(
      fc.property(specs, ({ lead, ...rest }) => {
        expect(predictionModelProblem({ type: 'prediction_model', asset_type: 'main_bearing', ...rest, lead_days: rest.cap_days * lead }, 'prediction_model/gen')).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }).filter((text) => text.trim() !== ''), fc.integer({ min: -8.64e15, max: 8.64e15 }), (mode, time) => {
        expect(failureProblem({ ...failure, mode, at: time })).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('judges a huge hostile list by its length, without walking it', () => {
    const huge = new Array(1_000_000).fill('power');
    expect(predictionModelProblem({ ...spec, inputs: huge })).toContain('inputs may have at most 32 entries (it has 1000000)');
    expect(predictionProblem({ ...prediction, evidence: new Array(1_000_000).fill(null) })).toContain('evidence may have at most 32 entries');
  });
});

describe('a spec changed on a device and by the training job', () => {
  it('merges field by field: the engineer\'s lead time and the server\'s active version both stay', () => {
    const base = { ...spec, active_version: 1 } as unknown as Record<string, never>;
    const local = { ...base, lead_days: 14 };
    const remote = { ...base, active_version: 2 };
    const policy = mergePolicyFor(base);
    expect(policy).toBeDefined();
    const merged = mergeDocuments(base, local, remote, policy!);
    expect(merged.conflicts).toEqual([]);
    expect(merged.doc).toMatchObject({ lead_days: 14, active_version: 2 });
  });
});

describe('the JSON schemas', () => {
  const ajv = new Ajv({ strict: false });
  const failureValid = ajv.compile(failureSchema);
  const specValid = ajv.compile(predictionModelSchema);

  it('take what the checkers take and refuse what they refuse, on examples', () => {
    expect(failureValid(failure)).toBe(true);
    expect(specValid(spec)).toBe(true);
    for (const bad of [{ ...failure, mode: '' }, { ...failure, asset: 'site/x' }, { ...failure, at: 9e15 }, { ...failure, simulated: false }]) {
      expect(failureProblem(bad)).toBeDefined();
      expect(failureValid(bad)).toBe(false);
    }
    for (const bad of [{ ...spec, inputs: [] }, { ...spec, inputs: ['a', 'a'] }, { ...spec, step_ms: 10 }, { ...spec, cap_days: 0 }, { ...spec, windows: [0] }, { ...spec, enabled: 1 }]) {
      expect(predictionModelProblem(bad)).toBeDefined();
      expect(specValid(bad)).toBe(false);
    }
  });
});
