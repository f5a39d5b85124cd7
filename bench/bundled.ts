// rx-assistants as it is published: bundled by esbuild as tsup does (rxjs and
// openai left out), not run from its sources through tsx, whose `keepNames`
// gives every closure a name property (CPU time, and a few hundred bytes of
// heap each) that the package does not have.
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type * as RxAssistantsLibrary from '../src';

/**
 * Bundles `src/index.ts` and imports the bundle. One file per process (and
 * `tag`), removed once imported: node_modules may be shared by several
 * checkouts, whose benchmarks must not import each other's bundle.
 */
export async function bundledLibrary(tag: string): Promise<typeof RxAssistantsLibrary> {
  const outfile = `node_modules/.cache/rx-assistants-bench/${tag}-${process.pid}.mjs`;
  await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    external: ['rxjs', 'openai'],
    outfile,
    logLevel: 'warning',
  });
  const library = (await import(pathToFileURL(outfile).href)) as typeof RxAssistantsLibrary;
  rmSync(outfile);
  return library;
}
