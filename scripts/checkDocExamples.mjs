// Type-checks the `## Example` block of every doc comment under src/: each
// becomes a module of its own in .doc-examples/ (ignored by git), compiled
// with the project's settings against the sources.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, '.doc-examples');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

let count = 0;
for (const file of sources(join(root, 'src'))) {
  const text = readFileSync(file, 'utf8');
  for (const [, block] of text.matchAll(
    /## Example\s*\n\s*\*\s*\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g,
  )) {
    const code = block
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    const name = `${relative(join(root, 'src'), file).replace(/[/.]/g, '_')}_${count++}.ts`;
    writeFileSync(join(out, name), `// From ${relative(root, file)}\n${code}\nexport {};\n`);
  }
}

writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { noUnusedLocals: false, baseUrl: '..' },
    include: ['./*.ts'],
  }),
);
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json')],
    {
      stdio: 'inherit',
    },
  );
} catch {
  console.error(`Doc examples do not compile (see above; the files are in .doc-examples/).`);
  process.exit(1);
}
console.log(`${count} doc examples compile.`);
