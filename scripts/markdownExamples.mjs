// The ```ts blocks of the Markdown pages, as scripts/checkDocExamples.mjs
// type-checks them and test/docs/runDocBlocks.spec.ts runs them: one
// definition of what a block is, what it quotes and what a fragment may use
// undeclared.

/**
 * The ```ts blocks of a Markdown text, in order, unindented (a block in a
 * list item is indented), each with the line its fence is on. A block after
 * `<!-- quoted from <path> -->`, or whose first line is `// <path>` (of
 * examples/, src/ or test/), quotes that file: `quoted` is the path, and
 * `quote` the text that must appear in it.
 */
export function markdownBlocks(text) {
  const fences = /(?:^<!-- quoted from (\S+) -->\n(?:[ \t]*\n)*)?^( *)```ts\n([\s\S]*?)^\2```$/gm;
  return [...text.matchAll(fences)].map((match) => {
    const [whole, marked, indent, indented] = match;
    const code = indented.replace(new RegExp(`^${indent}`, 'gm'), '');
    const line = text.slice(0, match.index + whole.indexOf('```ts')).split('\n').length;
    if (marked) return { code, line, quoted: marked, quote: code };
    const firstLine = /^\/\/ ((?:examples|src|test)\/\S+)\n/.exec(code);
    if (firstLine) {
      return { code, line, quoted: firstLine[1], quote: code.slice(firstLine[0].length) };
    }
    return { code, line };
  });
}

/** What a Markdown fragment may use undeclared: each name is declared unless the block declares it. */
export const PRELUDE = [
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

/** The names of {@link PRELUDE} that `code` uses without declaring them. */
const preludeNames = (code) =>
  PRELUDE.filter(([name]) => uses(code, name) && !declares(code, name)).map(([name]) => name);

/**
 * The blocks of a page with what the type check compiles of each, `full`: a
 * block that starts with imports is a module of its own (and the setup of
 * the fragments after it); a fragment gets the page's last such block before
 * it. `needs` lists the prelude names that `full` may use undeclared (a
 * generous guess: `from` of an import, `thread` of `thread:` count).
 */
export function pageExamples(text) {
  let setup = '';
  return markdownBlocks(text).map((block) => {
    if (block.quoted) return block;
    const own = /^import /.test(block.code);
    if (own) setup = block.code;
    const full = own ? block.code : `${setup}\n${block.code}`;
    return { ...block, full, needs: preludeNames(full) };
  });
}
