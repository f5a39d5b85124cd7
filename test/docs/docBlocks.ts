import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
export const docPage = (name: string) =>
  readFileSync(join(__dirname, '..', '..', 'docs', name), 'utf8');
