/**
 * Failure and degradation prediction (src/core/predict) on public and generated data.
 * - C-MAPSS FD001 (bench/datasets/cmapss, NASA, public domain): `analytics rul train` as a user runs
 *   it (the CLI in this process), with the model's own validation on held-out engines (5-fold by
 *   engine, each held-out engine truncated at 5 seeded rows, RUL capped at 125: see
 *   src/core/predict/rul-model.ts). Next to it, in the same run and on exactly the same truncation
 *   points (rulValidationPlan), the age-only baseline: RUL = clip(mean life of the training folds'
 *   engines − cycle, 0, 125). Training time is the CLI's wall time; memory is the process's peak
 *   resident set size sampled at every progress line, over the RSS before training.
 *   The official test set (test_FD001 + RUL_FD001) is not in the datasets here, so the figure is the
 *   validation RMSE the issue names, not the official one.
 * - Degradation: pvDegradation on generated 5-year hourly plants with rates −2 … 0 %/yr (soiling,
 *   outages, clipping, seasons: test/support/degradation-series.ts), the largest |error| and how many
 *   truths fall inside the 95 % interval; against a least-squares trend of the same daily ratios.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rulCommand } from '../src/analytics/rul-command';
import { pvDegradation } from '../src/core/predict/degradation';
import { rulValidationPlan, type RulModel } from '../src/core/predict/rul-model';
import { generatePvPlant, olsRate } from '../test/support/degradation-series';
import type { Figures } from './harness';

const FD001 = path.join(import.meta.dirname, 'datasets', 'cmapss', 'train_FD001.txt');
const CAP = 125;
const FOLDS = 5;
const SEED = 1;
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** FD001's cycles per engine, in order of first appearance. */
function engineCycles(): number[][] {
  const engines = new Map<string, number[]>();
  for (const line of fs.readFileSync(FD001, 'utf8').split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 3) continue;
    const cycles = engines.get(cells[0]!) ?? [];
    cycles.push(Number(cells[1]));
    engines.set(cells[0]!, cycles);
  }
  return [...engines.values()];
}

/** The age-only baseline's RMSE on the model's validation points. */
function ageBaselineRmse(engines: number[][]): number {
  const { foldOf, truncations } = rulValidationPlan(
    engines.map((cycles) => cycles.length),
    FOLDS,
    SEED,
  );
  let squared = 0;
  let points = 0;
  for (let fold = 0; fold < FOLDS; fold += 1) {
    const training = engines.filter((_, u) => foldOf[u] !== fold);
    const meanLife = training.reduce((sum, cycles) => sum + cycles[cycles.length - 1]!, 0) / training.length;
    engines.forEach((cycles, u) => {
      if (foldOf[u] !== fold) return;
      const last = cycles[cycles.length - 1]!;
      for (const row of truncations[u]!) {
        const truth = Math.min(CAP, last - cycles[row]!);
        const estimate = Math.min(CAP, Math.max(0, meanLife - cycles[row]!));
        squared += (estimate - truth) ** 2;
        points += 1;
      }
    });
  }
  return Math.sqrt(squared / points);
}

async function cmapss(): Promise<Figures> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-rul-')), 'fd001.json');
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const started = performance.now();
  await rulCommand(['train', '--out', out, FD001], (line) => {
    peak = Math.max(peak, process.memoryUsage().rss);
    process.stdout.write(`  ${line}\n`);
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const model = JSON.parse(fs.readFileSync(out, 'utf8')) as RulModel;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  const baseline = ageBaselineRmse(engineCycles());
  const v = model.validation;
  console.log(`  FD001: validation RMSE ${v.rmse.toFixed(2)} (age-only baseline ${baseline.toFixed(2)}), MAE ${v.mae.toFixed(2)}, coverage ${v.coverage.toFixed(2)}, ${trainSeconds.toFixed(1)} s, peak RSS +${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
  return {
    'predict.cmapss_fd001.validation_rmse': { value: round(v.rmse), unit: 'cycles', better: 'lower' },
    'predict.cmapss_fd001.baseline_age_rmse': { value: round(baseline), unit: 'cycles', better: 'lower' },
    'predict.cmapss_fd001.validation_mae': { value: round(v.mae), unit: 'cycles', better: 'lower' },
    'predict.cmapss_fd001.interval_coverage': { value: round(v.coverage), unit: 'share at level 0.9', better: 'higher' },
    'predict.cmapss_fd001.train_s': { value: round(trainSeconds, 1), unit: 's', better: 'lower' },
    'predict.cmapss_fd001.train_rss_mib': { value: Math.round((peak - rssBefore) / 2 ** 20), unit: 'MiB', better: 'lower' },
  };
}

function degradation(): Figures {
  const rates = [-2, -1.5, -1, -0.5, 0];
  let worst = 0;
  let worstBaseline = 0;
  let inside = 0;
  const started = performance.now();
  rates.forEach((rate, index) => {
    const result = pvDegradation(generatePvPlant({ ratePctPerYear: rate, seed: 11 + index, years: 5 }));
    const error = Math.abs(result.rate_pct_per_year - rate);
    worst = Math.max(worst, error);
    if (result.ci_low <= rate && rate <= result.ci_high) inside += 1;
    const baseline = Math.abs(olsRate(result) - rate);
    worstBaseline = Math.max(worstBaseline, baseline);
    console.log(`  pv ${rate} %/yr: year-on-year ${result.rate_pct_per_year.toFixed(3)} (${result.ci_low.toFixed(3)} to ${result.ci_high.toFixed(3)}), least squares error ${baseline.toFixed(3)}`);
  });
  return {
    'predict.degradation_pv.max_abs_error': { value: round(worst, 3), unit: '%/yr', better: 'lower' },
    'predict.degradation_pv.baseline_ols_max_abs_error': { value: round(worstBaseline, 3), unit: '%/yr', better: 'lower' },
    'predict.degradation_pv.truths_in_interval': { value: inside / rates.length, unit: 'share at 95 %', better: 'higher' },
    'predict.degradation_pv.seconds_per_5y_plant': { value: round((performance.now() - started) / 1000 / rates.length, 2), unit: 's', better: 'lower' },
  };
}

export async function run(): Promise<Figures> {
  return { ...(await cmapss()), ...degradation() };
}
