/**
 * `analytics anomaly --out DIR FILE.csv...`: scores every row of each `timestamp,value` CSV with the
 * streaming detector (src/core/anomaly, default parameters, a fresh state per file) and writes
 * DIR/<same file name> with `timestamp,value,anomaly_score`, one row per input row, the timestamp
 * and value texts unchanged. Rows are scored in batches, so memory stays bounded by the batch and the
 * longest allowed line, whatever the file's size. Each output is written to a temporary name and
 * renamed when complete: a file with bad input leaves no half-written output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultAnomalyParams, initAnomaly, scoreAnomaly, toEpochMs } from '../core';
import { boundedLines, LineTooLongError } from './csv-lines';
import { parseNabTime } from './nab/corpus';

const BATCH = 4096;
const MAX_LINE = 4096;

export class UsageError extends Error {}
export class InputError extends Error {}

/** Epoch ms of a timestamp text: NAB's 'YYYY-MM-DD HH:MM:SS' (UTC), ISO 8601, or epoch s / ms. */
function timeOf(text: string): number | undefined {
  const nab = parseNabTime(text);
  if (Number.isFinite(nab)) return nab;
  return toEpochMs(text.trim());
}

/** Scores one file into `outPath`; returns the number of rows. */
async function scoreFile(inPath: string, outPath: string, progress: (rows: number) => void): Promise<number> {
  const temporary = `${outPath}.partial-${process.pid}`;
  const out = fs.createWriteStream(temporary, { encoding: 'utf8' });
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      out.write(text, (error) => (error ? reject(error) : resolve()));
    });
  let state = initAnomaly(defaultAnomalyParams);
  const stamps: string[] = [];
  const raw: string[] = [];
  const times = new Float64Array(BATCH);
  const values = new Float32Array(BATCH);
  let rows = 0;
  const flush = async (): Promise<void> => {
    const result = scoreAnomaly(state, times.subarray(0, raw.length), values.subarray(0, raw.length), defaultAnomalyParams);
    state = result.state;
    let text = '';
    for (let i = 0; i < raw.length; i += 1) text += `${stamps[i]},${raw[i]},${Number(result.scores[i]!.toPrecision(6))}\n`;
    await write(text);
    stamps.length = 0;
    raw.length = 0;
    progress(rows);
  };
  try {
    let line = 0;
    for await (const text of boundedLines(fs.createReadStream(inPath), MAX_LINE)) {
      line += 1;
      if (line === 1) {
        const header = text.replace(/^\uFEFF/, '').split(',').map((cell) => cell.trim().replace(/^"|"$/g, '').toLowerCase());
        if (header.length !== 2 || header[0] !== 'timestamp' || header[1] !== 'value') {
          throw new InputError(`${inPath}:1: the header must be 'timestamp,value' (found '${text.slice(0, 80)}')`);
        }
        await write('timestamp,value,anomaly_score\n');
        continue;
      }
      if (text.trim() === '') continue;
      const cells = text.split(',');
      if (cells.length !== 2) throw new InputError(`${inPath}:${line}: expected 2 columns (timestamp,value), found ${cells.length}`);
      const time = timeOf(cells[0]!);
      if (time === undefined) throw new InputError(`${inPath}:${line}: '${cells[0]!.slice(0, 40)}' is not a timestamp`);
      const value = cells[1]!.trim() === '' ? Number.NaN : Number(cells[1]);
      if (Number.isNaN(value) && cells[1]!.trim() !== '') throw new InputError(`${inPath}:${line}: '${cells[1]!.slice(0, 40)}' is not a number`);
      times[raw.length] = time;
      values[raw.length] = value;
      stamps.push(cells[0]!);
      raw.push(cells[1]!);
      rows += 1;
      if (raw.length === BATCH) await flush();
    }
    if (line === 0) throw new InputError(`${inPath}: empty file (expected the header 'timestamp,value')`);
    if (raw.length > 0) await flush();
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    fs.renameSync(temporary, outPath);
    return rows;
  } catch (error) {
    out.destroy();
    fs.rmSync(temporary, { force: true });
    if (error instanceof LineTooLongError) throw new InputError(`${inPath}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${inPath}: no such file`);
    throw error;
  }
}

/** Runs the `anomaly` subcommand with its arguments (after the word 'anomaly'). */
export async function anomalyCommand(args: string[], log: (line: string) => void): Promise<void> {
  let outDir: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--out') {
      outDir = args[i + 1];
      i += 1;
    } else if (arg.startsWith('--out=')) outDir = arg.slice('--out='.length);
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (!outDir) throw new UsageError('--out DIR is required');
  if (files.length === 0) throw new UsageError('no input files');
  const names = new Map<string, string>();
  for (const file of files) {
    const name = path.basename(file);
    const earlier = names.get(name);
    if (earlier !== undefined) throw new UsageError(`${earlier} and ${file} would both be written to ${path.join(outDir, name)}`);
    names.set(name, file);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of files) {
    const outPath = path.join(outDir, path.basename(file));
    if (path.resolve(outPath) === path.resolve(file)) throw new UsageError(`${file}: the output would overwrite the input`);
    let reported = 0;
    const rows = await scoreFile(file, outPath, (count) => {
      if (count - reported >= 100_000) {
        reported = count;
        log(`${file}: ${count} rows…`);
      }
    });
    log(`${file}: ${rows} rows scored → ${outPath}`);
  }
}
