import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** What the browser-safe core must not contain (comments are stripped first). */
const forbidden: Array<[string, RegExp]> = [
  ['a node: import', /from\s+['"]node:|require\(\s*['"]node:|import\(\s*['"]node:/],
  ['process', /\bprocess\s*\./],
  ['Buffer', /\bBuffer\b/],
  ['setTimeout', /\bsetTimeout\s*\(/],
  ['setInterval', /\bsetInterval\s*\(/],
  ['Date.now()', /\bDate\.now\s*\(/],
];

const stripComments = (code: string) =>
  code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('the library core', () => {
  const files = sourceFiles(join(root, 'src')).filter(
    (file) => !relative(root, file).startsWith(join('src', 'server')),
  );

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(forbidden)('uses no %s outside src/server', (_name, pattern) => {
    const offenders = files.filter((file) =>
      pattern.test(stripComments(readFileSync(file, 'utf8'))),
    );
    expect(offenders.map((file) => relative(root, file))).toEqual([]);
  });

  it('would catch an offender', () => {
    const sample = "import { readFile } from 'node:fs';\nconst t = setTimeout(() => 0, 1);";
    expect(
      forbidden.filter(([, pattern]) => pattern.test(stripComments(sample))).map(([n]) => n),
    ).toEqual(['a node: import', 'setTimeout']);
  });
});
