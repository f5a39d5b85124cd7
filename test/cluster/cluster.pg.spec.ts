// Several `serve()` instances on one Postgres (DATABASE_URL; `npm run test:pg`
// starts a throwaway one), behind this test's own round-robin: runs across
// instances, an instance killed with SIGKILL mid-run, a run started on one
// instance and streamed from another (a submit, and a retried create that
// joins the run mid-reply), and the one-active-run invariant
// under a race. Each instance is a process of its own (test/cluster/instance.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import pgLib from 'pg';
import { forkJoin, lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyText, rxAssistants } from '../../src';
import { quizTool } from '../support/quizTool';

const LEASE_TTL = 1500;
const REPLY_DELAY = 1500;
const SCHEMA = `cluster_${process.pid}`;
const SOLVED = 'x = 2. Subtract 3 from both sides to get 2x = 4, then divide both sides by 2.';

interface Instance {
  url: string;
  child: ChildProcess;
}

const instances: Instance[] = [];

/** Starts one instance; resolves once it listens. */
async function start(): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [
      // tsx as a loader, in this one process: a SIGKILL kills the instance, not a launcher.
      '--import',
      'tsx',
      'test/cluster/instance.ts',
      SCHEMA,
      String(LEASE_TTL),
      String(REPLY_DELAY),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`an instance exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('url ')) resolve(line.slice(4));
    });
  });
  const instance = { url, child };
  instances.push(instance);
  return instance;
}

/** Kills an instance as a crash would (SIGKILL), and takes it out of the round-robin. */
async function kill(instance: Instance): Promise<void> {
  instances.splice(instances.indexOf(instance), 1);
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGKILL');
  await exited;
}

/** An SDK client on `targets()` in turn: the test's load balancer (a dead instance is left out). */
function client(targets: () => Instance[], maxRetries = 3): OpenAI {
  let next = 0;
  return new OpenAI({
    apiKey: 'cluster',
    baseURL: 'http://cluster.invalid/v1',
    maxRetries,
    fetch: (input, init) => {
      const live = targets();
      const target = new URL(live[next++ % live.length]!.url);
      const url = new URL(input instanceof Request ? input.url : String(input));
      url.protocol = target.protocol;
      url.host = target.host;
      return fetch(url, init);
    },
  });
}

const everywhere = client(() => instances);
const pool = new pgLib.Pool({ connectionString: process.env['DATABASE_URL'], max: 2 });

/** Every run and message of the thread, straight from the database. */
async function stored(threadId: string) {
  const runs = await everywhere.beta.threads.runs.list(threadId, { limit: 100 });
  const messages = await everywhere.beta.threads.messages.list(threadId, { limit: 100 });
  return { runs: runs.data, messages: messages.data };
}

beforeAll(async () => {
  // The first creates the schema; the others start at once, as a deployment's would.
  await Promise.all([start(), start(), start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(
    instances.map(
      (instance) =>
        new Promise((resolve) => {
          instance.child.once('exit', resolve);
          instance.child.kill('SIGTERM');
        }),
    ),
  );
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pool.end();
}, 60_000);

describe('several instances on one Postgres', () => {
  it('runs concurrent runs across the instances: each completes once, its reply stored once', async () => {
    const rx = rxAssistants(everywhere);
    const tutor = await everywhere.beta.assistants.create({ model: 'tutor' });
    const threads = await Promise.all(
      Array.from({ length: 24 }, () => everywhere.beta.threads.create()),
    );
    const replies = await lastValueFrom(
      forkJoin(
        threads.map((thread) =>
          rx.ask(tutor.id, 'Solve 2x + 3 = 7', { threadId: thread.id }).pipe(replyText()),
        ),
      ),
    );
    expect(replies).toEqual(threads.map(() => SOLVED));
    for (const thread of threads) {
      const { runs, messages } = await stored(thread.id);
      expect(runs.map((run) => run.status)).toEqual(['completed']);
      expect(messages.map((message) => message.role)).toEqual(['assistant', 'user']);
    }
  }, 120_000);

  it('completes on the others the runs of an instance killed mid-run: none lost, none repeated', async () => {
    const victim = instances[0]!;
    const direct = client(() => [victim], 0);
    const tutor = await direct.beta.assistants.create({ model: 'tutor' });
    const threads = await Promise.all(
      Array.from({ length: 8 }, () =>
        direct.beta.threads.create({ messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }] }),
      ),
    );
    const runs = await Promise.all(
      threads.map((thread) =>
        direct.beta.threads.runs.create(thread.id, { assistant_id: tutor.id }),
      ),
    );
    // The tutor waits REPLY_DELAY before it writes: every run is mid-turn now.
    await kill(victim);
    await start();

    const finished = await Promise.all(
      runs.map((run) => everywhere.beta.threads.runs.poll(run.id, { thread_id: run.thread_id })),
    );
    expect(finished.map((run) => run.status)).toEqual(runs.map(() => 'completed'));
    for (const thread of threads) {
      const { runs: all, messages } = await stored(thread.id);
      expect(all).toHaveLength(1);
      const replies = messages.filter((message) => message.role === 'assistant');
      expect(replies).toHaveLength(1);
      expect(replies[0]!.content).toEqual([
        { type: 'text', text: { value: SOLVED, annotations: [] } },
      ]);
    }
  }, 120_000);

  it('streams from one instance a run created through another', async () => {
    const [first, second] = [client(() => [instances[0]!]), client(() => [instances[1]!])];
    const tutor = await first.beta.assistants.create({ model: 'tutor', tools: [quizTool] });
    const thread = await first.beta.threads.create({
      messages: [
        {
          role: 'user',
          content: 'Make a quiz with 2 questions: One open ended, one multiple choice.',
        },
      ],
    });
    const waiting = await first.beta.threads.runs.createAndPoll(thread.id, {
      assistant_id: tutor.id,
    });
    expect(waiting.status).toBe('requires_action');
    const calls = waiting.required_action!.submit_tool_outputs.tool_calls;
    const stream = second.beta.threads.runs.submitToolOutputsStream(waiting.id, {
      thread_id: thread.id,
      tool_outputs: calls.map((call) => ({ tool_call_id: call.id, output: 'Paris; 4' })),
    });
    const names: string[] = [];
    let text = '';
    for await (const event of stream) {
      names.push(event.event);
      if (event.event === 'thread.message.delta') {
        for (const part of event.data.delta.content ?? []) {
          if (part.type === 'text') text += part.text?.value ?? '';
        }
      }
    }
    expect(names.filter((name) => name === 'thread.message.delta').length).toBeGreaterThan(1);
    expect(names.at(-1)).toBe('thread.run.completed');
    const { messages } = await stored(thread.id);
    const reply = messages.find((message) => message.role === 'assistant')!;
    expect(reply.content).toEqual([{ type: 'text', text: { value: text, annotations: [] } }]);
  }, 120_000);

  it('streams a run through another instance than the one that executes it: a retry with its key gets the rest live', async () => {
    const [first, second] = [client(() => [instances[0]!]), client(() => [instances[1]!])];
    const tutor = await first.beta.assistants.create({ model: 'tutor' });
    const thread = await first.beta.threads.create({
      messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }],
    });
    const params = { assistant_id: tutor.id, stream: true as const };
    // The SDK sends no key of its own: this one goes as a header.
    const keyed = { headers: { 'Idempotency-Key': `retry-${thread.id}` } };
    /** Reads a stream to its end: its event names and its text; `onDelta(n)` after the n-th delta. */
    const read = async (
      stream: AsyncIterable<OpenAI.Beta.AssistantStreamEvent>,
      onDelta?: (n: number) => void,
    ) => {
      const names: string[] = [];
      const pieces: string[] = [];
      for await (const event of stream) {
        names.push(event.event);
        if (event.event !== 'thread.message.delta') continue;
        for (const part of event.data.delta.content ?? []) {
          if (part.type === 'text') pieces.push(part.text?.value ?? '');
        }
        onDelta?.(pieces.length);
      }
      return { names, pieces };
    };
    // The first request streams from the instance that executes the run...
    let midway!: () => void;
    const threeDeltas = new Promise<void>((resolve) => (midway = resolve));
    const firstRead = read(
      await first.beta.threads.runs.create(thread.id, params, keyed),
      (n) => n === 3 && midway(),
    );
    await threeDeltas;
    // ...and the same request, sent again through another instance mid-reply, joins it.
    const again = await read(await second.beta.threads.runs.create(thread.id, params, keyed));
    const whole = await firstRead;

    expect(whole.pieces.join('')).toBe(SOLVED);
    expect(again.pieces.join('')).toBe(SOLVED);
    // The text so far as one delta, then the rest as it was written, live.
    expect(again.pieces.length).toBeGreaterThan(3);
    expect(again.names.at(-1)).toBe('thread.run.completed');
    const statuses = again.names.filter((name) => name !== 'thread.message.delta');
    expect(statuses.join(' ')).toEqual(
      whole.names.filter((name) => name !== 'thread.message.delta').join(' '),
    );
    const { runs, messages } = await stored(thread.id);
    expect(runs).toHaveLength(1);
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
  }, 120_000);

  it('acts once on a request sent with one key through every instance at once', async () => {
    const count = async () =>
      (await pool.query(`select count(*)::int as n from ${SCHEMA}.threads`)).rows[0].n as number;
    const before = await count();
    const keyed = { headers: { 'Idempotency-Key': `once-${before}` } };
    // Each answers the first response, at once or after a 409 in use that it retries.
    const threads = await Promise.all(
      [0, 1, 2, 0, 1, 2].map((i) =>
        client(() => [instances[i]!], 5).beta.threads.create({ metadata: { n: '1' } }, keyed),
      ),
    );
    expect(new Set(threads.map((t) => t.id)).size).toBe(1);
    expect(await count()).toBe(before + 1);
  }, 120_000);

  it('starts one run on a thread when several instances are asked at once', async () => {
    const tutor = await everywhere.beta.assistants.create({ model: 'tutor' });
    const thread = await everywhere.beta.threads.create();
    const once = client(() => instances, 0);
    const attempts = await Promise.allSettled(
      Array.from({ length: 9 }, () =>
        once.beta.threads.runs.create(thread.id, { assistant_id: tutor.id }),
      ),
    );
    const started = attempts.filter((attempt) => attempt.status === 'fulfilled');
    const refused = attempts.flatMap((attempt) =>
      attempt.status === 'rejected' ? [(attempt.reason as { status?: number }).status] : [],
    );
    expect(started).toHaveLength(1);
    expect(refused).toEqual(Array.from({ length: 8 }, () => 400));
    const { runs } = await stored(thread.id);
    expect(runs).toHaveLength(1);
  }, 120_000);
});
