import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/**
 * Tests that go end to end: a loopback HTTP server, the official SDK over real
 * sockets, child processes, the demo. Their time is the machine's, so they get
 * timeouts that hold on a loaded 2-core CI machine; the rest keep the default 5 s.
 */
const endToEnd = [
  'test/server/**/*.spec.ts',
  'test/project/**/*.spec.ts',
  'test/chaos/**/*.spec.ts',
  'test/docs/migrating.spec.ts',
  'test/docs/pages.spec.ts',
  'test/local/chatRuntime.spec.ts',
  'test/local/models/chatCompletionsModel.spec.ts',
  'test/local/models/responsesModel.spec.ts',
];
const E2E_TIMEOUT = 60_000;

/** Tests that load zone.js, as Angular apps that keep it do, against a loopback server. */
const zoneJs = ['test/zone/**/*.spec.ts'];

/** Tests and examples import the package by name; they run against the sources. */
export const packageBySources = {
  alias: [
    { find: /^rx-assistants$/, replacement: src('index.ts') },
    { find: /^rx-assistants\/(local|server|sql|testing)$/, replacement: src('$1/index.ts') },
  ],
};

export default defineConfig({
  resolve: packageBySources,
  test: {
    // The summary reporter prints `N passed, N failed, N skipped` last, after coverage.
    reporters: ['default', './test/support/summaryReporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.spec.ts'],
          // test/browser: `npm run test:browser` (vitest.browser.config.ts), with Chromium;
          // *.pg.spec.ts: `npm run test:pg` (vitest.pg.config.ts), with a Postgres server.
          exclude: [
            ...configDefaults.exclude,
            ...endToEnd,
            ...zoneJs,
            'test/browser/**',
            'test/**/*.pg.spec.ts',
          ],
          typecheck: {
            enabled: true,
            include: ['test/**/*.test-d.ts'],
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'zone',
          include: zoneJs,
          // zone.js replaces global Promise, timers and EventTarget: each file
          // runs in a child process of its own, so that its patches end with it.
          pool: 'forks',
          isolate: true,
          testTimeout: E2E_TIMEOUT,
          hookTimeout: E2E_TIMEOUT,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: endToEnd,
          testTimeout: E2E_TIMEOUT,
          hookTimeout: E2E_TIMEOUT,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/index.ts'],
      // The totals on the console; the table per file in coverage/coverage.txt
      // (and coverage/coverage-summary.json), so that the run ends with its summary.
      reporter: ['text-summary', ['text', { file: 'coverage.txt' }], 'json-summary'],
      thresholds: {
        lines: 90,
        branches: 85,
      },
    },
  },
});
