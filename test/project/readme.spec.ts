import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('README', () => {
  // examples/tour.ts is type-checked by `npm run typecheck` and run by
  // `npm run demo`; the README must show exactly its tour.
  it('shows the tour of examples/tour.ts, word for word', () => {
    const tour = read('examples/tour.ts')
      .split('// --- tour ---\n')[1]!
      .split('// --- end of tour ---')[0]!
      .trim();
    const block = /## Tour\n\n```ts\n([\s\S]*?)```/.exec(read('README.md'))?.[1]?.trim();
    expect(tour.split('\n').length).toBeGreaterThan(15);
    expect(block).toBe(tour);
  });

  it('names its two commands', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
    expect(JSON.parse(read('package.json')).scripts.demo).toBeDefined();
  });
});
