/** Starts the real companion server (no demo data) for the e2e run; returns the teardown. */
import { startE2eServer } from './support/server';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const server = await startE2eServer();
  process.env.E2E_BASE_URL = server.url;
  process.env.E2E_CLIENT_DIR = server.clientDir;
  return () => server.stop();
}
