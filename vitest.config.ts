import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // Tests and examples import the package by name; they run against the sources.
  resolve: {
    alias: [
      { find: /^rx-assistants$/, replacement: src('index.ts') },
      { find: /^rx-assistants\/(local|server|testing)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.spec.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
    },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/index.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        lines: 90,
        branches: 85,
      },
    },
  },
});
