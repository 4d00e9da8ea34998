/**
 * `npm start`: rebuilds the PWA when any of its sources is newer than the last build, then runs the
 * server. Lives beside the server because it is its launcher; the server itself never needs Vite.
 */
import path from 'node:path';
import { clientIsStale } from './client-build';
import { main, projectRoot } from './main';

const clientDir = path.resolve(projectRoot, process.env.CLIENT_DIR || 'dist/client');
if (clientIsStale(clientDir, projectRoot)) {
  console.log('fieldline: client sources changed, building the PWA…');
  const { build } = await import('vite');
  await build({ root: projectRoot, logLevel: 'warn', build: { outDir: clientDir } });
}
await main();
