/**
 * `npm run bench`: runs every bench/*.bench.ts scenario (or those whose name contains an argument),
 * prints one table and writes bench/results.json as {"<figure>": {value, unit, better}} (a filtered
 * run updates only its own figures). Beside it, bench/results.meta.json says for each figure which
 * run measured it: when, at which commit (and whether the tree had uncommitted changes), on what
 * machine — so a figure quoted in the README can be traced to the run that gave it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Figures, Scenario } from './harness';

const benchDir = import.meta.dirname;
const filters = process.argv.slice(2);
const files = fs
  .readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

const results: Figures = {};
for (const file of files) {
  process.stdout.write(`running ${file}…\n`);
  const scenario = (await import(path.join(benchDir, file))) as Scenario;
  Object.assign(results, await scenario.run());
}

const rows = Object.entries(results).map(([name, figure]) => [name, String(figure.value), figure.unit, `${figure.better} is better`]);
const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length), 6));
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));

// A filtered run replaces its own figures and keeps the others'.
const output = path.join(benchDir, 'results.json');
const earlier = filters.length > 0 && fs.existsSync(output) ? (JSON.parse(fs.readFileSync(output, 'utf8')) as Figures) : {};
fs.writeFileSync(output, `${JSON.stringify({ ...earlier, ...results }, null, 2)}\n`);

/** The commit checked out and whether the tree differs from it ('unknown' outside a git checkout). */
function revision(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: benchDir, encoding: 'utf8' }).trim();
    // The results files themselves were just written by this run: they do not make the code dirty.
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: benchDir, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '' && !/bench\/results(\.meta)?\.json$/.test(line));
    const dirty = changed.length > 0;
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

const cpus = os.cpus();
const thisRun = {
  at: new Date().toISOString(),
  ...revision(),
  machine: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`,
  command: ['npm run bench', ...(filters.length > 0 ? ['--', ...filters] : [])].join(' '),
};
const metaOutput = path.join(benchDir, 'results.meta.json');
const earlierMeta = fs.existsSync(metaOutput) ? (JSON.parse(fs.readFileSync(metaOutput, 'utf8')) as Record<string, unknown>) : {};
const meta: Record<string, unknown> = filters.length > 0 ? { ...earlierMeta } : {};
for (const name of Object.keys(results)) meta[name] = thisRun;
fs.writeFileSync(metaOutput, `${JSON.stringify(meta, null, 2)}\n`);
console.log(`\nwrote ${path.relative(process.cwd(), output)} and ${path.relative(process.cwd(), metaOutput)} (${thisRun.commit.slice(0, 10)}${thisRun.dirty ? ', uncommitted changes' : ''})`);
