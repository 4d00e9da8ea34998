/**
 * `npm run analytics -- <command> ...`: offline analytics over files, so that anyone can re-run and
 * re-score what the app computes. Commands: `anomaly --out DIR FILE.csv...` (streaming anomaly
 * scores), `rul train --out MODEL FILE` / `rul predict MODEL FILE` (remaining useful life),
 * `degradation FILE.csv` (degradation rate with its confidence interval).
 * Progress and errors go to stderr; the exit code is 1 on bad input, 2 on bad usage.
 */
import { anomalyCommand, InputError, UsageError } from './anomaly-command';
import { rulCommand } from './rul-command';
import { degradationCommand } from './degradation-command';

const commands = new Map<string, (args: string[], log: (line: string) => void) => Promise<void>>([
  ['anomaly', anomalyCommand],
  ['rul', rulCommand],
  ['degradation', degradationCommand],
]);

const usage = [
  'usage: npm run analytics -- anomaly --out DIR FILE.csv...',
  '       npm run analytics -- rul train --out MODEL [--cap 125] [--folds 5] [--seed 1] FILE',
  '       npm run analytics -- rul predict MODEL FILE',
  '       npm run analytics -- degradation [--gamma -0.005] [--confidence 0.95] FILE.csv',
].join('\n');

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : commands.get(name);
if (!command) {
  process.stderr.write(`${name === undefined ? 'no command' : `unknown command '${name}'`}\n${usage}\n`);
  process.exit(2);
}
try {
  await command(rest, (line) => process.stderr.write(`${line}\n`));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${usage}\n`);
    process.exit(2);
  }
  if (error instanceof InputError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
