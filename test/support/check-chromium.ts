// First step of `npm test`: fail early, with instructions, when no Chromium is available.
import { chromiumPath } from './chromium';

try {
  console.log(`browser tests use ${chromiumPath()}`);
} catch (error) {
  console.error(`\n${(error as Error).message}\n`);
  process.exit(1);
}
