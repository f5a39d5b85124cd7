import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../support/listen';

const root = join(__dirname, '..', '..');

describe('npm run demo', () => {
  it('walks through the seed offline: x = 1 first, the explanation, three users, a summary', async () => {
    const env = { ...process.env };
    delete env['OPENAI_BASE_URL'];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'examples/math-tutor.ts'],
      // Killed before the e2e project's 60 s test timeout, so that a hang fails with its output.
      { cwd: root, env, timeout: 50_000 },
    );
    const lines = stdout.split('\n');
    const firstAnswer = lines.find((line) => line.startsWith('  assistant: '));
    expect(firstAnswer).toContain('x = 1');
    expect(stdout).toMatch(/run run_\w+: queued[\s\S]*run run_\w+: completed/);
    expect(stdout).toContain(
      'New messages (after the last one seen):\n  user: Could you explain this to me?',
    );
    expect(stdout).toContain('Q2: Could you explain linear algebra to me?');
    expect(stdout).toContain("Q3: I don't like math. What can I do?");
    expect(stdout).toMatch(/user 3: completed/); // not a TTY: plain lines
    expect(stdout).not.toContain('\x1b'); // no redrawing
    expect(stdout).toMatch(/^Done in \d+\.\d+s wall time, \d+ requests\.$/m);
  });

  it('ends with a one-line hint and exit code 1 when the chat endpoint is out of reach', async () => {
    // A loopback port that nothing listens on.
    const server = createServer();
    const port = await listenOnLoopback(server);
    await new Promise((resolve) => server.close(resolve));
    const env = { ...process.env, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` };
    const failed = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'examples/math-tutor.ts',
        '--model',
        'chat:x',
      ],
      { cwd: root, env, timeout: 50_000 },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toBe(
      'rx-assistants demo: the Chat Completions endpoint of --model chat:x failed: ' +
        `Connection error: POST http://127.0.0.1:${port}/v1/chat/completions ` +
        `(connect ECONNREFUSED 127.0.0.1:${port}). Set OPENAI_BASE_URL to a running one ` +
        '(such as Ollama: http://127.0.0.1:11434/v1), or drop --model for the offline tutor.\n',
    );
  });
});
