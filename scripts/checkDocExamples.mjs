// Type-checks the `## Example` block of every doc comment under src/, and
// every ```ts block of README.md and docs/*.md: each becomes a module of its
// own in .doc-examples/ (ignored by git), compiled with the project's
// settings against the sources. A Markdown block that is a fragment may use
// the names of PRELUDE (`rx`, `thread`, rxjs's functions...) and the imports
// of its page's last block of imports without declaring them (the blocks,
// their quotes and PRELUDE are defined in markdownExamples.mjs). A block after
// `<!-- quoted from <path> -->`, or whose first line is `// <path>`, quotes
// that file (an example with a project of its own): it must appear in it
// word for word (whitespace aside), and that project compiles and tests it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageExamples, PRELUDE } from './markdownExamples.mjs';

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

const quoteProblems = [];
for (const page of ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)]) {
  if (!page.endsWith('.md')) continue;
  for (const { quoted, quote, full, needs } of pageExamples(
    readFileSync(join(root, page), 'utf8'),
  )) {
    if (quoted) {
      let body = '';
      try {
        body = readFileSync(join(root, quoted), 'utf8');
      } catch {
        quoteProblems.push(`${page}: quotes ${quoted}, which does not exist`);
        continue;
      }
      const squash = (t) => t.replace(/\s+/g, ' ').trim();
      if (!squash(body).includes(squash(quote))) {
        quoteProblems.push(`${page}: a block differs from ${quoted}`);
      }
      count++;
      continue;
    }
    const prelude = PRELUDE.filter(([name]) => needs.includes(name))
      .map(([, line]) => line)
      .join('\n');
    const name = `${page.replace(/[/.]/g, '_')}_${count++}.ts`;
    writeFileSync(join(out, name), `// From ${page}\n${prelude}\n${full}\nexport {};\n`);
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
  process.exitCode = 1;
}
if (quoteProblems.length > 0) {
  console.error(`Quoted blocks that do not match their file:\n${quoteProblems.join('\n')}`);
  process.exitCode = 1;
}
if (process.exitCode) process.exit();
console.log(`${count} doc examples compile.`);
