import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Bundles the TypeScript module `entry` and everything it imports (the
 * `openai` SDK, rx-assistants by the paths of tsconfig.json...) into one ES
 * module for the browser, in memory.
 *
 * @param entry The page script's path, from the repository's root.
 * @param external Imports left as they are, such as the `node:` modules that a
 *   package imports only when it runs in Node.
 * @returns The bundle's JavaScript, to serve as a `PageFile` of type `text/javascript`.
 */
export async function bundlePage(entry: string, external: string[] = []): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
    external,
  });
  return result.outputFiles[0]!.text;
}
