import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      local: 'src/local/index.ts',
      server: 'src/server/index.ts',
      sql: 'src/sql/index.ts',
      testing: 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    // No source maps: they were half the package; the sources are on GitHub.
    sourcemap: false,
    clean: true,
    splitting: true,
    treeshake: true,
    target: 'es2022',
    external: ['rxjs', 'openai', /^rxjs\//, /^openai\//],
  },
  {
    // The command line: `rx-assistants serve`, ESM only, with its shebang.
    entry: { cli: 'src/server/cli.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: false,
    clean: false,
    target: 'es2022',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['rxjs', 'openai', /^rxjs\//, /^openai\//],
  },
]);
