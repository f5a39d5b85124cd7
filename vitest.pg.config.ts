import { defineConfig } from 'vitest/config';
import { packageBySources } from './vitest.config';

/**
 * `npm run test:pg`: the SQL store's tests through `pg` against a real
 * Postgres server (DATABASE_URL; scripts/postgres.mjs starts one if unset).
 */
export default defineConfig({
  resolve: packageBySources,
  test: {
    include: ['test/**/*.pg.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
