/**
 * `npm start`: rebuilds the PWA when any of its sources is newer than the last build, then runs the
 * server. Lives beside the server because it is its launcher; the server itself never needs Vite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { main, projectRoot } from './main';

const clientSources = ['index.html', 'vite.config.ts', 'package.json', 'src', 'sw', 'public'];

/** Newest modification time under `target` (a file or folder), skipping the server's own code. */
function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (target === path.join(projectRoot, 'src', 'server')) return 0;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** True when dist/client is missing or older than any client source. */
export function clientIsStale(clientDir: string): boolean {
  const built = path.join(clientDir, 'index.html');
  if (!fs.existsSync(built)) return true;
  const builtAt = fs.statSync(built).mtimeMs;
  return clientSources.some((source) => newestMtime(path.join(projectRoot, source)) > builtAt);
}

const clientDir = path.resolve(projectRoot, process.env.CLIENT_DIR || 'dist/client');
if (clientIsStale(clientDir)) {
  console.log('fieldline: client sources changed, building the PWA…');
  const { build } = await import('vite');
  await build({ root: projectRoot, logLevel: 'warn', build: { outDir: clientDir } });
}
await main();
