// `npm run analytics -- anomaly --out DIR FILE.csv...` run as a child process: one output row per input
// row with the in-process detector's scores, and bad input refused with a clear error and no output.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNabTime } from '../../src/analytics/nab/corpus';
import { initAnomaly, scoreAnomaly } from '../../src/core';

const root = path.join(import.meta.dirname, '..', '..');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomaly-cli-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with `args`; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'analytics', 'cli.ts'), ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A small timestamp,value file: a noisy daily cycle with a level shift (5000 rows, > one batch). */
function writeInput(name: string): string {
  const lines = ['timestamp,value'];
  for (let i = 0; i < 5000; i += 1) {
    const time = new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    const value = 10 + 5 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 13) / 13 + (i > 4000 ? 20 : 0);
    lines.push(`${time},${Math.round(value * 1000) / 1000}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('analytics anomaly CLI', () => {
  it('writes DIR/<same name> with timestamp,value,anomaly_score, one row per input row, the detector’s scores', async () => {
    const input = writeInput('pump.csv');
    const out = path.join(dir, 'out');
    const result = await cli(['anomaly', '--out', out, input]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('5000 rows scored');
    const rows = fs.readFileSync(path.join(out, 'pump.csv'), 'utf8').trimEnd().split('\n');
    const inputRows = fs.readFileSync(input, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('timestamp,value,anomaly_score');
    expect(rows).toHaveLength(inputRows.length);
    const times = Float64Array.from(inputRows.slice(1), (row) => parseNabTime(row.split(',')[0]!));
    const values = Float32Array.from(inputRows.slice(1), (row) => Number(row.split(',')[1]));
    const expected = scoreAnomaly(initAnomaly(), times, values).scores;
    for (let i = 1; i < rows.length; i += 1) {
      const [time, value, score] = rows[i]!.split(',');
      expect(`${time},${value}`).toBe(inputRows[i]);
      expect(Number(score)).toBeCloseTo(expected[i - 1]!, 5);
    }
    // The level shift at row 4000 is found.
    expect(Math.max(...rows.slice(4001, 4011).map((row) => Number(row.split(',')[2])))).toBeGreaterThan(0.5);
  });

  it.each([
    ['a wrong header', 'time;value\n2024-01-01 00:00:00;1\n', /:1: the header must be 'timestamp,value'/],
    ['a value that is not a number', 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,abc\n', /:3: 'abc' is not a number/],
    ['a bad timestamp', 'timestamp,value\nyesterday,1\n', /:2: 'yesterday' is not a timestamp/],
    ['a row with three columns', 'timestamp,value\n2024-01-01 00:00:00,1,2\n', /:2: expected 2 columns/],
    ['a line without end', `timestamp,value\n2024-01-01 00:00:00,${'1'.repeat(100_000)}`, /line 2 is longer than 4096 characters/],
    ['an empty file', '', /empty file/],
  ])('refuses %s with a clear error and leaves no output', async (_name, text, message) => {
    const input = path.join(dir, 'bad.csv');
    fs.writeFileSync(input, text);
    const out = path.join(dir, 'out');
    const result = await cli(['anomaly', '--out', out, input]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('refuses bad usage: no --out, two inputs with the same name, an unknown command', async () => {
    const input = writeInput('a.csv');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.copyFileSync(input, path.join(dir, 'sub', 'a.csv'));
    expect((await cli(['anomaly', input])).stderr).toContain('--out DIR is required');
    const twice = await cli(['anomaly', '--out', path.join(dir, 'out'), input, path.join(dir, 'sub', 'a.csv')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('would both be written to');
    const unknown = await cli(['forecast']);
    expect(unknown.stderr).toContain('rul train --out MODEL');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'forecast'");
  });
});
