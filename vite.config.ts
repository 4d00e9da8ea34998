/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { playwright } from '@vitest/browser-playwright';
import { chromiumLaunchArgs, chromiumPath } from './test/support/chromium.ts';
import { browserTestServer } from './test/support/browser-test-server.ts';

const serverPort = Number(process.env.PORT || 8080);

export default defineConfig({
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    sourcemap: true,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev`: Vite serves the app with hot reload and forwards the API to the companion server.
    proxy: { '/api': `http://127.0.0.1:${serverPort}` },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false, // public/manifest.webmanifest is the single source of the manifest
      injectManifest: {
        // wasm: the QuickJS sandbox of user kernels (compute/sandbox), so they run offline too.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,woff2,wasm}'],
      },
      devOptions: { enabled: false },
    }),
  ],
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/unit/**/*.node.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        // Found late by Vite's scan (a lazy layout, a deep import): pre-bundled up front, so the
        // first run does not reload the page under a test ("optimized dependencies changed").
        optimizeDeps: { include: ['@lit-labs/virtualizer', '@lit-labs/virtualizer/layouts/flow.js', 'lit/static-html.js', 'codemirror', '@codemirror/lang-javascript', '@codemirror/language', '@codemirror/state', '@lezer/highlight'] },
        // A real companion server under /fieldline-test-server/, started on a test's first request.
        plugins: [browserTestServer()],
        test: {
          name: 'browser',
          include: ['test/browser/**/*.browser.test.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            // Resolved only under Vitest, so `vite build` works on a machine without Chromium.
            provider: playwright({
              launchOptions: { executablePath: process.env.VITEST ? chromiumPath() : '', args: chromiumLaunchArgs },
            }),
          },
        },
      },
    ],
  },
});
