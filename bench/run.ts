/**
 * `npm run bench`: runs every bench/*.bench.ts scenario (or those whose name contains an argument),
 * prints one table and writes bench/results.json as {"<figure>": {value, unit, better}} (a filtered
 * run updates only its own figures).
 */
import fs from 'node:fs';
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
console.log(`\nwrote ${path.relative(process.cwd(), output)}`);
