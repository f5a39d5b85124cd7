#!/usr/bin/env node
// The `rx-assistants` command. The published package runs its build,
// dist/cli.js. A clone of the repository runs the sources (src/server/cli.ts)
// through tsx, a dev dependency: `npx rx-assistants` works right after
// `npm ci`, without a build, and never runs a stale one.
import { existsSync } from 'node:fs';

const source = new URL('../src/server/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);

async function tsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined; // installed without dev dependencies
  }
}

const loader = existsSync(source) ? await tsx() : undefined;
if (loader) {
  loader.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    'rx-assistants: neither dist/cli.js nor tsx is installed: run `npm ci`, or `npm run build`.\n',
  );
  process.exit(1);
}
