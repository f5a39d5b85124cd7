import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownBlocks, type MarkdownBlock } from '../../scripts/markdownExamples.mjs';

const root = join(__dirname, '..', '..');

/**
 * The blocks of a test file between `// doc:begin <name>` and `// doc:end`,
 * unindented: the examples its page shows word for word.
 */
export function docBlocks(testFile: string): string[] {
  const source = readFileSync(testFile, 'utf8');
  return [...source.matchAll(/\/\/ doc:begin \S+\n([\s\S]*?)\s*\/\/ doc:end/g)].map((m) => {
    const indent = /^ */.exec(m[1]!)![0].length;
    return m[1]!.replace(new RegExp(`^ {${indent}}`, 'gm'), '').trim();
  });
}

/** The text of a page of docs/. */
export const docPage = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

/** A ```ts block of a page, as the type check reads it (scripts/markdownExamples.mjs). */
export interface PageBlock extends MarkdownBlock {
  /** `README.md` or `docs/<name>.md`. */
  page: string;
}

/** The ```ts blocks of a page (`README.md`, `docs/server.md`...), as it is now. */
export const pageBlocks = (page: string): PageBlock[] =>
  markdownBlocks(readFileSync(join(root, page), 'utf8')).map((block) => ({ ...block, page }));
