/**
 * `analytics degradation [--gamma G] [--confidence C] FILE.csv`: the degradation rate of a PV plant
 * (header `timestamp,power,irradiance,temperature`: power in any unit, plane-of-array irradiance in
 * W/m², module temperature in °C) or of a wind turbine (header `timestamp,power,wind_speed`), by
 * the year-on-year method with a bootstrap confidence interval (src/core/predict/degradation.ts).
 * Timestamps are ISO 8601 (UTC when no zone is given) or epoch seconds / ms; rows hourly or finer,
 * in any order; an empty cell is a missing value. The file is read line by line into hourly means,
 * so memory is bounded by the hours spanned, whatever the rate. Details go to stderr; the last
 * stdout line is `{"rate_pct_per_year": r, "ci_low": a, "ci_high": b}`.
 */
import fs from 'node:fs';
import { toEpochMs } from '../core';
import { DegradationError, describeExclusions, pvDegradation, windDegradation } from '../core/predict/degradation';
import type { DegradationResult } from '../core/predict/degradation';
import { HourlyMeans, TooManyHoursError } from '../core/predict/hourly-means';
import { InputError, UsageError } from './anomaly-command';
import { boundedLines, LineTooLongError } from './csv-lines';

const MAX_LINE = 4096;
const PV_HEADER = ['timestamp', 'power', 'irradiance', 'temperature'];
const WIND_HEADER = ['timestamp', 'power', 'wind_speed'];
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Epoch ms of a timestamp text: ISO 8601 (no zone: UTC) or epoch s / ms; undefined if it is none of these. */
export function timestampOf(text: string): number | undefined {
  const trimmed = text.trim().replace(/^"|"$/g, '');
  if (LOCAL_TIME.test(trimmed)) {
    const parsed = Date.parse(`${trimmed.replace(' ', 'T')}Z`);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return toEpochMs(trimmed);
}

/** A number cell: '' is missing (NaN); anything else must be a finite number. */
function numberOf(cell: string, file: string, line: number, name: string): number {
  const text = cell.trim();
  if (text === '') return Number.NaN;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new InputError(`${file}:${line}: ${name} '${text.slice(0, 40)}' is not a finite number`);
  return value;
}

/** Reads `file` into hourly means of its value columns; returns them with the kind of series. */
async function readHourly(file: string, log: (line: string) => void): Promise<{ kind: 'pv' | 'wind'; times: Float64Array; columns: Float64Array[]; rows: number }> {
  let kind: 'pv' | 'wind' | undefined;
  let names: string[] = [];
  let means: HourlyMeans | undefined;
  let row = new Float64Array(0);
  let line = 0;
  let rows = 0;
  try {
    for await (const text of boundedLines(fs.createReadStream(file), MAX_LINE)) {
      line += 1;
      if (line === 1) {
        const header = text.replace(/^\uFEFF/, '').split(',').map((cell) => cell.trim().replace(/^"|"$/g, '').toLowerCase());
        if (header.join(',') === PV_HEADER.join(',')) kind = 'pv';
        else if (header.join(',') === WIND_HEADER.join(',')) kind = 'wind';
        else throw new InputError(`${file}:1: the header must be '${PV_HEADER.join(',')}' (or '${WIND_HEADER.join(',')}'), found '${text.slice(0, 80)}'`);
        names = header;
        means = new HourlyMeans(header.length - 1);
        row = new Float64Array(header.length - 1);
        continue;
      }
      if (text.trim() === '') continue;
      const cells = text.split(',');
      if (cells.length !== names.length) throw new InputError(`${file}:${line}: expected ${names.length} columns (${names.join(',')}), found ${cells.length}`);
      const time = timestampOf(cells[0]!);
      if (time === undefined) throw new InputError(`${file}:${line}: '${cells[0]!.trim().slice(0, 40)}' is not a timestamp (ISO 8601 or epoch seconds / ms)`);
      for (let column = 1; column < cells.length; column += 1) row[column - 1] = numberOf(cells[column]!, file, line, names[column]!);
      try {
        means!.push(time, row);
      } catch (error) {
        if (error instanceof TooManyHoursError) throw new InputError(`${file}:${line}: ${error.message} (at most ${error.limit} hours, ${Math.floor(error.limit / 8766)} years, are read)`);
        throw error;
      }
      rows += 1;
      if (rows % 1_000_000 === 0) log(`${file}: ${rows} rows…`);
    }
  } catch (error) {
    if (error instanceof LineTooLongError) throw new InputError(`${file}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${file}: no such file`);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new InputError(`${file}: is a folder, not a file`);
    throw error;
  }
  if (line === 0 || kind === undefined || means === undefined) throw new InputError(`${file}: empty file (expected the header '${PV_HEADER.join(',')}')`);
  if (rows === 0) throw new InputError(`${file}: no data rows after the header`);
  return { kind, rows, ...means.result() };
}

/** An option's numeric value, or a usage error naming it. */
function optionNumber(name: string, value: string | undefined): number {
  const number = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`${name} needs a number${value === undefined ? '' : `, not '${value}'`}`);
  return number;
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

/** Runs the `degradation` subcommand with its arguments (after the word 'degradation'); prints the JSON line on stdout. */
export async function degradationCommand(args: string[], log: (line: string) => void, print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const files: string[] = [];
  let gamma: number | undefined;
  let confidence: number | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--gamma' || name === '--confidence') {
      const value = inline ?? args[(i += 1)];
      if (name === '--gamma') gamma = optionNumber(name, value);
      else confidence = optionNumber(name, value);
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${name}`);
    else files.push(arg);
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'no input file' : 'one input file at a time');
  if (gamma !== undefined && !(Math.abs(gamma) <= 0.05)) throw new UsageError(`--gamma is a power temperature coefficient per °C (e.g. -0.004), between -0.05 and 0.05, not ${gamma}`);
  if (confidence !== undefined && !(confidence > 0 && confidence < 1)) throw new UsageError(`--confidence must be between 0 and 1 (e.g. 0.95), not ${confidence}`);
  const file = files[0]!;
  const hourly = await readHourly(file, log);
  log(`${file}: ${hourly.rows} rows, ${hourly.times.length} hours (${hourly.kind === 'pv' ? 'PV: temperature-corrected performance ratio' : 'wind: power-curve residual'})`);
  let result: DegradationResult;
  try {
    result =
      hourly.kind === 'pv'
        ? pvDegradation({ times: hourly.times, power: hourly.columns[0]!, irradiance: hourly.columns[1]!, temperature: hourly.columns[2]! }, { gamma, confidence })
        : windDegradation({ times: hourly.times, power: hourly.columns[0]!, windSpeed: hourly.columns[1]! }, { confidence });
  } catch (error) {
    if (error instanceof DegradationError) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
  const day = (time: number): string => new Date(time).toISOString().slice(0, 10);
  log(`${file}: ${describeExclusions(result.details)}`);
  log(`${file}: ${result.days_used} usable days from ${day(result.from)} to ${day(result.to)}, ${result.pairs} year-on-year pairs`);
  log(`${file}: ${round(result.rate_pct_per_year)} %/yr (${Math.round(result.confidence * 100)} % interval ${round(result.ci_low)} to ${round(result.ci_high)})`);
  print(JSON.stringify({ rate_pct_per_year: round(result.rate_pct_per_year), ci_low: round(result.ci_low), ci_high: round(result.ci_high) }));
}
