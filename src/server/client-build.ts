/** Decides whether the built PWA in dist/client is older than its sources (used by `npm start`). */
import fs from 'node:fs';
import path from 'node:path';

const clientSources = ['index.html', 'vite.config.ts', 'package.json', 'src', 'sw', 'public'];

/** Newest modification time under `target` (a file or folder), skipping the server's own code. */
function newestMtime(target: string, projectRoot: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (target === path.join(projectRoot, 'src', 'server')) return 0;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry), projectRoot));
  return newest;
}

/** True when dist/client is missing or older than any client source. */
export function clientIsStale(clientDir: string, projectRoot: string): boolean {
  const built = path.join(clientDir, 'index.html');
  if (!fs.existsSync(built)) return true;
  const builtAt = fs.statSync(built).mtimeMs;
  return clientSources.some((source) => newestMtime(path.join(projectRoot, source), projectRoot) > builtAt);
}

