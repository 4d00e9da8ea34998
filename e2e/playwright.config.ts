import { defineConfig } from '@playwright/test';
import { chromiumLaunchArgs, chromiumPath } from '../test/support/chromium';

// The server is started once by global-setup.ts on a free port with a temporary DATA_DIR; it
// exports E2E_BASE_URL, which the worker processes see when they load this file.
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results/e2e',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: chromiumLaunchArgs },
    trace: 'retain-on-failure',
  },
});
