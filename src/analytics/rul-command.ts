/**
 * `analytics rul train --out MODEL FILE` and `analytics rul predict MODEL FILE`: the remaining-useful-
 * life learner (src/core/predict) over files of rows `unit, time, channel…` (whitespace- or
 * comma-separated, an optional header line naming the columns; NASA C-MAPSS's files as they are).
 * Channels without a header are named c1, c2, … in column order.
 * - train: every unit is a run to failure (its last row is the failure); writes the model JSON to
 *   MODEL (a temporary name renamed when complete) and the validation figures to stderr.
 * - predict: prints `unit,rul` and one line per unit at its last row (order of first appearance);
 *   the interval and the evidence go to stderr.
 * Lines are streamed: predict holds one streaming predictor per unit (O(max window) each), train
 * the rows as packed numbers (bounded by MAX_ROWS). Bad input: InputError with FILE:LINE.
 */
import fs from 'node:fs';
import { RulPredictor, rulModelProblem, trainRul, type RulModel, type UnitSeries } from '../core/predict';
import { InputError, UsageError } from './anomaly-command';
import { boundedLines, LineTooLongError } from './csv-lines';

const MAX_LINE = 16_384;
const MAX_ROWS = 2_000_000;
const MAX_UNITS = 10_000;
const MAX_CHANNELS = 256;
const MAX_MODEL_BYTES = 256 * 2 ** 20;

/** A parsed row: its unit, time and channel values. */
interface Row {
  line: number;
  unit: string;
  time: number;
  values: Float64Array;
}

/** Reads `file`'s rows, calling `onHeader(names)` once the columns are known, then `onRow` per row. */
async function readRows(file: string, onHeader: (names: string[], named: boolean) => void, onRow: (row: Row) => void): Promise<number> {
  let columns = 0;
  let line = 0;
  let rows = 0;
  const lastTime = new Map<string, number>();
  let values = new Float64Array(0);
  const cellsOf = (text: string): string[] => (text.includes(',') ? text.split(',').map((cell) => cell.trim()) : text.trim().split(/\s+/));
  try {
    for await (const raw of boundedLines(fs.createReadStream(file), MAX_LINE)) {
      line += 1;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      const cells = cellsOf(text);
      if (columns === 0) {
        if (cells.length < 3) throw new InputError(`${file}:${line}: expected at least 3 columns (unit, time, channels…), found ${cells.length}`);
        if (cells.length - 2 > MAX_CHANNELS) throw new InputError(`${file}:${line}: more than ${MAX_CHANNELS} channels`);
        columns = cells.length;
        values = new Float64Array(columns - 2);
        const header = cells[1] === '' || !Number.isFinite(Number(cells[1]));
        if (header) {
          const names = cells.slice(2).map((name) => name.replace(/^"|"$/g, ''));
          const bad = names.findIndex((name) => name === '' || name.length > 200);
          if (bad >= 0) throw new InputError(`${file}:${line}: header column ${bad + 3} needs a name of 1 to 200 characters`);
          if (new Set(names).size !== names.length) throw new InputError(`${file}:${line}: the header names a channel twice`);
          onHeader(names, true);
          continue;
        }
        onHeader(Array.from({ length: columns - 2 }, (_, k) => `c${k + 1}`), false);
      }
      if (cells.length !== columns) throw new InputError(`${file}:${line}: expected ${columns} columns, found ${cells.length}`);
      const unit = cells[0]!;
      if (unit === '' || unit.length > 100) throw new InputError(`${file}:${line}: the unit (column 1) must be 1 to 100 characters`);
      const time = cells[1] === '' ? Number.NaN : Number(cells[1]);
      if (!Number.isFinite(time)) throw new InputError(`${file}:${line}: '${cells[1]!.slice(0, 40)}' is not a number (column 2, the time)`);
      const previous = lastTime.get(unit);
      if (previous !== undefined && !(time > previous)) throw new InputError(`${file}:${line}: time ${cells[1]} of unit ${unit} does not follow its previous row (${previous})`);
      if (previous === undefined && lastTime.size >= MAX_UNITS) throw new InputError(`${file}:${line}: more than ${MAX_UNITS} units`);
      lastTime.set(unit, time);
      for (let c = 2; c < columns; c += 1) {
        const cell = cells[c]!;
        const value = cell === '' || /^nan$/i.test(cell) ? Number.NaN : Number(cell);
        if (!Number.isFinite(value) && !(cell === '' || /^nan$/i.test(cell))) throw new InputError(`${file}:${line}: '${cell.slice(0, 40)}' is not a number (column ${c + 1})`);
        values[c - 2] = value;
      }
      rows += 1;
      onRow({ line, unit, time, values });
    }
  } catch (error) {
    if (error instanceof LineTooLongError) throw new InputError(`${file}:${error.line}: line is longer than ${MAX_LINE} characters`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${file}: no such file`);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new InputError(`${file}: is a directory`);
    throw error;
  }
  if (rows === 0) throw new InputError(`${file}: no data rows (expected rows of unit, time, channels…)`);
  return rows;
}

/** Growable packed rows of one unit. */
class UnitRows {
  times = new Float64Array(64);
  values: Float32Array;
  length = 0;
  readonly channels: number;
  constructor(channels: number) {
    this.channels = channels;
    this.values = new Float32Array(64 * channels);
  }
  push(time: number, values: Float64Array): void {
    if (this.length === this.times.length) {
      const times = new Float64Array(this.length * 2);
      times.set(this.times);
      this.times = times;
      const grown = new Float32Array(this.length * 2 * this.channels);
      grown.set(this.values);
      this.values = grown;
    }
    this.times[this.length] = time;
    this.values.set(values, this.length * this.channels);
    this.length += 1;
  }
  series(unit: string): UnitSeries {
    const values = Array.from({ length: this.channels }, (_, k) => {
      const column = new Float32Array(this.length);
      for (let i = 0; i < this.length; i += 1) column[i] = this.values[i * this.channels + k]!;
      return column;
    });
    return { unit, times: this.times.slice(0, this.length), values };
  }
}

/** Parses `--name value` / `--name=value` options and positional arguments. */
function parseArgs(args: string[], known: readonly string[]): { options: Map<string, string>; positional: string[] } {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = inline ?? args[i + 1];
      if (inline === undefined) i += 1;
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else positional.push(arg);
  }
  return { options, positional };
}

function numberOption(options: Map<string, string>, name: string, fallback: number, check: (value: number) => boolean, wanted: string): number {
  const text = options.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${wanted} (found '${text}')`);
  return value;
}

async function train(args: string[], log: (line: string) => void): Promise<void> {
  const { options, positional } = parseArgs(args, ['out', 'cap', 'folds', 'seed']);
  const out = options.get('out');
  if (!out) throw new UsageError('rul train: --out MODEL is required');
  if (positional.length !== 1) throw new UsageError('rul train: exactly one input FILE');
  const cap = numberOption(options, 'cap', 125, (v) => v > 0, 'a positive number');
  const folds = numberOption(options, 'folds', 5, (v) => Number.isInteger(v) && v >= 2 && v <= 20, 'a whole number from 2 to 20');
  const seed = numberOption(options, 'seed', 1, (v) => Number.isInteger(v), 'a whole number');
  const file = positional[0]!;
  let inputs: string[] = [];
  const units = new Map<string, UnitRows>();
  let total = 0;
  await readRows(
    file,
    (names) => (inputs = names),
    (row) => {
      total += 1;
      if (total > MAX_ROWS) throw new InputError(`${file}:${row.line}: more than ${MAX_ROWS} rows to train on`);
      let rows = units.get(row.unit);
      if (!rows) units.set(row.unit, (rows = new UnitRows(inputs.length)));
      rows.push(row.time, row.values);
    },
  );
  if (units.size < 2) throw new InputError(`${file}: ${units.size} unit; at least 2 run-to-failure units are needed`);
  log(`${file}: ${total} rows, ${units.size} units, ${inputs.length} channels; training (${folds}-fold validation by unit, cap ${cap})…`);
  const series = [...units].map(([unit, rows]) => rows.series(unit));
  units.clear();
  let reported = -1;
  const started = performance.now();
  let model: RulModel;
  try {
    model = trainRul(series, inputs, {
      cap,
      folds,
      seed,
      onProgress: (done, all, phase) => {
        const tenth = Math.floor((10 * done) / all);
        if (tenth !== reported) {
          reported = tenth;
          log(`  ${Math.round((100 * done) / all)} % (${phase})`);
        }
      },
    });
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const v = model.validation;
  log(`validation on held-out units: RMSE ${v.rmse}, MAE ${v.mae}, coverage ${v.coverage} at level ${model.interval.level} (${v.points} truncation points of ${v.units} units), RMSE at the last row ${v.rmse_last}`);
  log(`inputs used: ${model.used.map((k) => model.inputs[k]).join(' ')} (constant ones dropped); most important: ${model.importance.slice(0, 5).map((item) => `${item.input} ${item.share}`).join(', ')}`);
  const temporary = `${out}.partial-${process.pid}`;
  try {
    fs.writeFileSync(temporary, JSON.stringify(model));
    fs.renameSync(temporary, out);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new InputError(`${out}: cannot write the model (${(error as Error).message})`);
  }
  log(`trained in ${seconds.toFixed(1)} s → ${out}`);
}

/** Reads and checks a model file. */
function readModel(file: string): RulModel {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_MODEL_BYTES) throw new InputError(`${file}: a model of ${size} bytes is larger than ${MAX_MODEL_BYTES}`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${file}: cannot read the model (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`${file}: the model is not JSON`);
  }
  const problem = rulModelProblem(json);
  if (problem) throw new InputError(`${file}: not a RUL model: ${problem}`);
  return json as RulModel;
}

async function predict(args: string[], log: (line: string) => void, write: (text: string) => void): Promise<void> {
  const { positional } = parseArgs(args, []);
  if (positional.length !== 2) throw new UsageError('rul predict: MODEL and FILE');
  const model = readModel(positional[0]!);
  const file = positional[1]!;
  const predictors = new Map<string, RulPredictor>();
  await readRows(
    file,
    (names, named) => {
      if (names.length !== model.inputs.length) throw new InputError(`${file}: ${names.length} channels, but the model was trained on ${model.inputs.length}`);
      const differ = names.findIndex((name, k) => name !== model.inputs[k]);
      if (named && differ >= 0) throw new InputError(`${file}:1: channel ${differ + 1} is '${names[differ]}', the model's is '${model.inputs[differ]}'`);
    },
    (row) => {
      let predictor = predictors.get(row.unit);
      if (!predictor) predictors.set(row.unit, (predictor = new RulPredictor(model)));
      predictor.push(row.time, row.values);
    },
  );
  let text = 'unit,rul\n';
  for (const [unit, predictor] of predictors) {
    const estimate = predictor.estimate()!;
    text += `${unit},${Math.round(estimate.rul * 100) / 100}\n`;
    log(`${unit}: RUL ${estimate.rul.toFixed(1)} (${estimate.low.toFixed(1)}–${estimate.high.toFixed(1)} at ${model.interval.level}); ${estimate.evidence.map((item) => `${item.input} ${item.trend} ${item.share}`).join(', ')}`);
  }
  write(text);
  log(`${file}: ${predictors.size} units predicted`);
}

/** Runs the `rul` subcommand with its arguments (after the word 'rul'). */
export async function rulCommand(args: string[], log: (line: string) => void): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'train') return train(rest, log);
  if (action === 'predict') return predict(rest, log, (text) => process.stdout.write(text));
  throw new UsageError(action === undefined ? 'rul: train or predict?' : `rul: unknown action '${action}'`);
}
