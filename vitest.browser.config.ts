import { defineConfig } from 'vitest/config';
import { packageBySources } from './vitest.config';

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
  resolve: packageBySources,
  test: {
    name: 'browser',
    include: ['test/browser/**/*.browser.spec.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    testTimeout: TIMEOUT,
    hookTimeout: TIMEOUT,
    fileParallelism: false,
  },
});
