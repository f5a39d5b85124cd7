import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The browser example's end-to-end test, run by e2e.sh from the repository's
 * root (`node_modules/.bin/vitest run -c examples/browser/vitest.config.ts`),
 * after it has installed the packed package here and bundled the page. Kept
 * out of the root's `npm test`. Timeouts that hold on a loaded 2-core machine.
 */
const TIMEOUT = 120_000;

export default defineConfig({
  test: {
    name: 'browser-example',
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['e2e.spec.ts'],
    testTimeout: TIMEOUT,
    hookTimeout: TIMEOUT,
  },
});
