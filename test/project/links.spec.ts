// No dead links in the docs: every relative link of README.md, CHANGELOG.md
// and docs/*.md names a file of the repository, and a `#fragment` names a
// heading of the page it points to (GitHub's anchors).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const pages = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchorsOf(page: string): Set<string> {
  const text = readFileSync(page, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
}

/** The relative links of a page, code blocks and inline code aside. */
function linksOf(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((link) => !/^[a-z]+:/i.test(link));
}

describe('the links of the docs', () => {
  it.each(pages)('%s links only to files and headings that exist', (page) => {
    const path = join(root, page);
    const dead: string[] = [];
    for (const link of linksOf(readFileSync(path, 'utf8'))) {
      const [file, fragment] = link.split('#') as [string, string | undefined];
      const target = file === '' ? path : join(dirname(path), decodeURI(file));
      if (!existsSync(target)) {
        dead.push(`${link} (no ${relative(root, target)})`);
        continue;
      }
      if (fragment && target.endsWith('.md') && !anchorsOf(target).has(fragment)) {
        dead.push(`${link} (no heading #${fragment} in ${relative(root, target)})`);
      }
    }
    expect(dead).toEqual([]);
  });
});
