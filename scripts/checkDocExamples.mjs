// Type-checks the `## Example` block of every doc comment under src/, and
// every ```ts block of README.md and docs/*.md: each becomes a module of its
// own in .doc-examples/ (ignored by git), compiled with the project's
// settings against the sources. A Markdown block that is a fragment may use
// the names of PRELUDE (`rx`, `thread`, rxjs's functions...) and the imports
// of its page's last block of imports without declaring them. A block after
// `<!-- quoted from <path> -->`, or whose first line is `// <path>`, quotes
// that file (an example with a project of its own): it must appear in it
// word for word (whitespace aside), and that project compiles and tests it.
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

/** What a Markdown fragment may use undeclared: each name is declared unless the block declares it. */
const PRELUDE = [
  ...[
    'concatMap',
    'filter',
    'from',
    'lastValueFrom',
    'map',
    'merge',
    'of',
    'share',
    'tap',
    'take',
  ].map((name) => [name, `import { ${name} } from 'rxjs';`]),
  ...['rxAssistants', 'replyText', 'replies', 'runStatuses', 'textDeltas', 'isRunEvent'].map(
    (name) => [name, `import { ${name} } from 'rx-assistants';`],
  ),
  ['localBackend', "import { localBackend } from 'rx-assistants/local';"],
  ['OpenAI', "import OpenAI from 'openai';"],
  ['rx', "declare const rx: import('rx-assistants').RxAssistants;"],
  ['backend', "declare const backend: import('rx-assistants').AssistantsBackend;"],
  ['openai', 'declare const openai: OpenAI;'],
  ['assistant', "declare const assistant: import('rx-assistants').Assistant;"],
  ['assistantId', 'declare const assistantId: string;'],
  ['thread', "declare const thread: import('rx-assistants').Thread;"],
  ['threadId', 'declare const threadId: string;'],
  ['run', "declare const run: import('rx-assistants').Run;"],
  ['runId', 'declare const runId: string;'],
];
const declares = (code, name) =>
  new RegExp(
    `\\bimport\\b[^;]*\\b${name}\\b[^;]*from|\\b(const|let|var|function|class|interface|type)\\s+${name}(?![\\w$])`,
  ).test(code);
const uses = (code, name) => new RegExp(`(^|[^.\\w$'"])${name}(?![\\w$])`).test(code);

const quoteProblems = [];
for (const page of ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)]) {
  if (!page.endsWith('.md')) continue;
  const text = readFileSync(join(root, page), 'utf8');
  /** The page's last block of imports: the setup of the fragments after it. */
  let setup = '';
  const blocks = /(?:^<!-- quoted from (\S+) -->\n(?:[ \t]*\n)*)?^( *)```ts\n([\s\S]*?)^\2```$/gm;
  for (const [, marked, indent, indented] of text.matchAll(blocks)) {
    const code = indented.replace(new RegExp(`^${indent}`, 'gm'), '');
    const firstLine = /^\/\/ ((?:examples|src|test)\/\S+)\n/.exec(code);
    const quoted = marked ? [marked, marked] : firstLine;
    if (quoted) {
      const source = join(root, quoted[1]);
      let body = '';
      try {
        body = readFileSync(source, 'utf8');
      } catch {
        quoteProblems.push(`${page}: quotes ${quoted[1]}, which does not exist`);
        continue;
      }
      const squash = (t) => t.replace(/\s+/g, ' ').trim();
      const quote = marked ? code : code.slice(quoted[0].length);
      if (!squash(body).includes(squash(quote))) {
        quoteProblems.push(`${page}: a block differs from ${quoted[1]}`);
      }
      count++;
      continue;
    }
    if (/^import /.test(code)) setup = code;
    const full = /^import /.test(code) ? code : `${setup}\n${code}`;
    const prelude = PRELUDE.filter(([name]) => uses(full, name) && !declares(full, name))
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
