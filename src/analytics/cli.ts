/**
 * `npm run analytics -- <command> ...`: offline analytics over files, so that anyone can re-run and
 * re-score what the app computes. Commands: `anomaly --out DIR FILE.csv...` (streaming anomaly
 * scores). Progress and errors go to stderr; the exit code is 1 on bad input, 2 on bad usage.
 */
import { anomalyCommand, InputError, UsageError } from './anomaly-command';

const commands = new Map<string, (args: string[], log: (line: string) => void) => Promise<void>>([['anomaly', anomalyCommand]]);

const usage = 'usage: npm run analytics -- anomaly --out DIR FILE.csv...';

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
