// `rx-assistants serve --db <dir>`: PGlite in a directory, end to end through
// the command and the SDK. The server runs in one process (the bin launcher
// loads tsx in process), so a SIGKILL kills it as a crash would.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'rx-assistants-cli-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Served {
  child: ChildProcess;
  url: string;
  out: () => string;
  exit: Promise<number | null>;
}

/** `rx-assistants serve --port 0 …args`; resolves once it listens. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, ['bin/rx-assistants.js', 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  for (;;) {
    const url = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out)?.[1];
    if (url && out.includes('rx-assistants: data ')) return { child, url, out: () => out, exit };
    const exited = await Promise.race([
      exit.then(() => true),
      once(child.stdout!, 'data').then(() => false),
    ]);
    if (exited) throw new Error(`serve exited early: ${err}`);
  }
}

/** A question the tutor answers at length, a word every 15 ms: its runs last. */
const LONG = 'Explain how to solve 12x - 7 = 5x + 21';

describe('rx-assistants serve --db <dir>', () => {
  it('says where data lives, and after a SIGKILL mid-run and a restart, has every acknowledged object and completes the interrupted runs', async () => {
    const first = await serve(['--db', dir]);
    expect(first.out()).toContain(`rx-assistants: data in PGlite at ${dir}`);
    const sdk = new OpenAI({ apiKey: 'unused', baseURL: first.url, maxRetries: 0 });
    const tutor = await sdk.beta.assistants.create({ model: 'tutor', name: 'Kept' });
    const note = await sdk.beta.threads.create({
      messages: [{ role: 'user', content: 'Remember me.' }],
      metadata: { kept: 'yes' },
    });
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        sdk.beta.threads.createAndRun({
          assistant_id: tutor.id,
          thread: { messages: [{ role: 'user', content: LONG }] },
        }),
      ),
    );
    const now = await Promise.all(
      runs.map((run) => sdk.beta.threads.runs.retrieve(run.id, { thread_id: run.thread_id })),
    );
    expect(now.filter((run) => run.status === 'completed')).toEqual([]);
    first.child.kill('SIGKILL');
    await first.exit;

    const second = await serve(['--db', dir]);
    try {
      const again = new OpenAI({ apiKey: 'unused', baseURL: second.url, maxRetries: 2 });
      expect((await again.beta.assistants.retrieve(tutor.id)).name).toBe('Kept');
      expect((await again.beta.threads.retrieve(note.id)).metadata).toEqual({ kept: 'yes' });
      const noted = await again.beta.threads.messages.list(note.id);
      expect(noted.data.map((message) => message.content)).toEqual([
        [{ type: 'text', text: { value: 'Remember me.', annotations: [] } }],
      ]);
      const finished = await Promise.all(
        runs.map((run) =>
          again.beta.threads.runs.poll(
            run.id,
            { thread_id: run.thread_id },
            { pollIntervalMs: 100 },
          ),
        ),
      );
      expect(finished.map((run) => run.status)).toEqual(runs.map(() => 'completed'));
      for (const run of runs) {
        const messages = await again.beta.threads.messages.list(run.thread_id, { order: 'asc' });
        expect(messages.data.map((m) => `${m.role} ${m.status}`)).toEqual([
          'user completed',
          'assistant completed',
        ]);
      }
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 120_000);

  it('exits 1 with one line naming the database when it cannot reach a --db postgres:// server', async () => {
    const child = spawn(
      process.execPath,
      [
        'bin/rx-assistants.js',
        'serve',
        '--port',
        '0',
        '--db',
        'postgres://rx:secret@127.0.0.1:1/rx',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toMatch(/^rx-assistants: .*127\.0\.0\.1:1/);
    expect(err).not.toContain('secret');
    expect(err.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
