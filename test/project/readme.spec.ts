import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('README', () => {
  // examples/tour.ts is type-checked by `npm run typecheck` and run below;
  // the README must show exactly its tour.
  it('shows the tour of examples/tour.ts, word for word', () => {
    const tour = read('examples/tour.ts')
      .split('// --- tour ---\n')[1]!
      .split('// --- end of tour ---')[0]!
      .trim();
    const block = /## Tour\n\n```ts\n([\s\S]*?)```/.exec(read('README.md'))?.[1]?.trim();
    expect(tour.split('\n').length).toBeGreaterThan(15);
    expect(block).toBe(tour);
  });

  it('runs its tour: the answer, a chat with statuses and streamed text, three fanned-out runs', async () => {
    const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, 'examples/tour.ts'], {
      cwd: root,
    });
    expect(stdout).toContain('Answer: x = 1.');
    expect(stdout).toContain('> Solve 2x + 3 = 7\n[queued] [in_progress] x = 2.');
    expect(stdout).toMatch(
      /> Could you explain this to me\?\n\[queued\] \[in_progress\] .*2x \+ 3 = 7/,
    );
    expect(stdout.match(/\[completed\]/g)?.length).toBe(5);
  });

  it('names its two commands', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
    expect(JSON.parse(read('package.json')).scripts.demo).toBeDefined();
  });
});
