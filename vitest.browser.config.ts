import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/**
 * The browser tests (`npm run test:browser`): a real headless Chromium
 * (`/usr/bin/chromium`, or `CHROMIUM_PATH`) driven by playwright-core, against
 * the real CLI and pages on other loopback origins. Kept out of `npm test`,
 * which must pass on machines without a browser. The browser and the child
 * processes take the machine's time: timeouts that hold on a loaded 2-core
 * machine, and one file at a time (each launches its own Chromium).
 */
const TIMEOUT = 120_000;

export default defineConfig({
  // As in vitest.config.ts: the package by name is its sources.
  resolve: {
    alias: [
      { find: /^rx-assistants$/, replacement: src('index.ts') },
      { find: /^rx-assistants\/(local|server|testing)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    name: 'browser',
    include: ['test/browser/**/*.browser.spec.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    testTimeout: TIMEOUT,
    hookTimeout: TIMEOUT,
    fileParallelism: false,
  },
});
