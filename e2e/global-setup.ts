/** Starts the real companion server (no demo data) for the e2e run; returns the teardown. */
import { E2E_ADMIN_PASSWORD, startE2eServer } from './support/server';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const server = await startE2eServer({ ADMIN_PASSWORD: E2E_ADMIN_PASSWORD });
  process.env.E2E_BASE_URL = server.url;
  process.env.E2E_CLIENT_DIR = server.clientDir;
  return () => server.stop();
}
