/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium. No test
 * tool may download a browser of its own (it fails on our machines and CI), so a missing Chromium
 * is reported with the way to get one.
 */
import fs from 'node:fs';

export const chromiumLaunchArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable to launch; throws a message that says how to install one. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (fs.existsSync(configured)) return configured;
    throw new Error(`CHROMIUM_PATH=${configured} does not exist. Point it at a Chromium or Chrome executable.`);
  }
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (found) return found;
  throw new Error(
    'No Chromium found for the browser tests. On Debian/Ubuntu: `sudo apt-get install -y chromium`; ' +
      'elsewhere set CHROMIUM_PATH to a Chromium or Chrome executable.',
  );
}
