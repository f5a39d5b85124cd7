import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  catchError,
  concat,
  concatMap,
  delay,
  filter,
  last,
  lastValueFrom,
  map,
  merge,
  type Observable,
  of,
  share,
  take,
  takeUntil,
  throwError,
  timer,
  toArray,
} from 'rxjs';
import { rxAssistants, type RxAssistants, type RxAssistantsConfig } from '../../src/client';
import { replyText } from '../../src/operators';
import { BackendError, RunCancelledError, RunTimeoutError } from '../../src/errors';
import { isRunEvent, type AssistantsBackend } from '../../src/backend';
import type { Run } from '../../src/backend/types';
import {
  timelineBackend,
  type TimelineBackend,
  type TimelineBackendConfig,
} from '../../src/testing';
import { localBackend } from '../../src/local';
import { counterIds } from '../local/scriptedModel';
import { testScheduler } from '../support/scheduler';

interface Seen<T> {
  at: number;
  value?: T;
  error?: unknown;
  complete?: true;
}

/**
 * Runs `build` in virtual time against a timeline backend and returns what it
 * emitted, with the frame of each notification.
 */
function inVirtualTime<T>(
  config: TimelineBackendConfig,
  build: (rx: RxAssistants, backend: TimelineBackend) => Observable<T>,
  unsubscribeAt?: number,
): { seen: Array<Seen<T>>; backend: TimelineBackend } {
  const seen: Array<Seen<T>> = [];
  const scheduler = testScheduler();
  let backend!: TimelineBackend;
  scheduler.run(({ flush }) => {
    backend = timelineBackend(config);
    // Every test asks the assistant asst_1.
    backend.assistants.create({ model: 'm', name: 'Tutor' }).subscribe();
    const subscription = build(rxAssistants(backend, { poll: 10 }), backend).subscribe({
      next: (value) => seen.push({ at: scheduler.now(), value }),
      error: (error: unknown) => seen.push({ at: scheduler.now(), error }),
      complete: () => seen.push({ at: scheduler.now(), complete: true }),
    });
    if (unsubscribeAt !== undefined) {
      scheduler.schedule(() => subscription.unsubscribe(), unsubscribeAt);
    }
    flush();
  });
  return { seen, backend };
}

const values = <T>(seen: Array<Seen<T>>) => seen.filter((s) => 'value' in s).map((s) => s.value);
const ops = (backend: TimelineBackend, op: string) => backend.log.filter((r) => r.op === op);

describe('rxAssistants', () => {
  it('passes single-resource calls through and follows every page of lists', () => {
    const { seen } = inVirtualTime({ runs: 'q-c' }, (rx) =>
      concat(
        concat(
          ...['a', 'b', 'c', 'd', 'e'].map((name) => rx.assistants.create({ model: 'm', name })),
        ).pipe(
          toArray(),
          map((created) => created.length),
        ),
        rx.assistants.list({ order: 'asc', limit: 2 }).pipe(map((a) => a.name)),
      ),
    );
    expect(values(seen)).toEqual([5, 'Tutor', 'a', 'b', 'c', 'd', 'e']);
  });

  it('follows every page backwards from a before cursor', () => {
    const rx = rxAssistants(localBackend({ ids: counterIds() }));
    const names: Array<string | null> = [];
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
      rx.assistants.create({ model: 'tutor', name }).subscribe();
    }
    // Before f, two at a time, in ascending order: [d e], then [b c], then [a].
    rx.assistants
      .list({ order: 'asc', limit: 2, before: 'asst_6' })
      .subscribe((assistant) => names.push(assistant.name));
    expect(names).toEqual(['d', 'e', 'b', 'c', 'a']);
  });

  it('asks on a new thread and streams the run, at exact virtual times, to its reply', () => {
    const { seen } = inVirtualTime({ runs: 'q 14ms i 14ms c', reply: 'x = 1' }, (rx) =>
      rx.assistants
        .create({ model: 'm', name: 'Math Tutor' })
        .pipe(concatMap((assistant) => rx.ask(assistant.id, 'Solve 3x + 11 = 14'))),
    );
    expect(seen.map((s) => [s.at, s.value?.event ?? (s.complete ? 'complete' : 'error')])).toEqual([
      [0, 'thread.run.created'],
      [0, 'thread.run.queued'],
      [20, 'thread.run.in_progress'],
      [20, 'thread.run.step.created'],
      [20, 'thread.run.step.in_progress'],
      [20, 'thread.message.created'],
      [20, 'thread.message.in_progress'],
      [30, 'thread.message.completed'],
      [30, 'thread.run.step.completed'],
      [30, 'thread.run.completed'],
      [30, 'complete'],
    ]);
  });

  it('answers tool calls through the loop and goes on to the reply', () => {
    const { seen, backend } = inVirtualTime(
      {
        runs: 'q-i-r-i-c',
        toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }],
        reply: 'The sum is 5.',
      },
      (rx) =>
        rx
          .ask('asst_1', 'Add 2 and 3', {
            tools: { add: ({ a, b }: { a: number; b: number }) => a + b },
          })
          .pipe(replyText()),
    );
    expect(values(seen)).toEqual(['The sum is 5.']);
    expect(ops(backend, 'runs.submitToolOutputs').map((r) => r.args[2])).toEqual([
      { tool_outputs: [{ tool_call_id: 'call_1', output: '5' }] },
    ]);
  });

  it('queues two concurrent asks on one thread: both succeed, one after the other', () => {
    const { seen, backend } = inVirtualTime({ runs: 'q 9ms i 9ms c', reply: 'ok' }, (rx) =>
      rx.threads.create().pipe(
        concatMap((thread) =>
          merge(
            rx.ask('asst_1', 'first', { threadId: thread.id }).pipe(
              replyText(),
              map((t) => `1:${t}`),
            ),
            rx.ask('asst_1', 'second', { threadId: thread.id }).pipe(
              replyText(),
              map((t) => `2:${t}`),
            ),
          ),
        ),
      ),
    );
    expect(seen.filter((s) => s.error)).toEqual([]);
    expect(values(seen)).toEqual(['1:ok', '2:ok']);
    const [first, second] = ops(backend, 'runs.create');
    expect(second!.subscribedAt).toBeGreaterThanOrEqual(seen[0]!.at);
    expect(first!.subscribedAt).toBe(0);
  });

  it('cancels an ask unsubscribed early, and starts the next queued one once the cancel has settled', () => {
    const config: TimelineBackendConfig = { runs: 'q 9ms i 99ms c', reply: 'ok' };
    let threadId = '';
    const { seen, backend } = inVirtualTime(config, (rx) =>
      rx.threads.create().pipe(
        concatMap((thread) => {
          threadId = thread.id;
          const first$ = rx.ask('asst_1', 'first', { threadId });
          const second$ = rx.ask('asst_1', 'second', { threadId }).pipe(replyText());
          // The first is dropped at 30 ms, well before it would complete.
          return merge(
            first$.pipe(
              map((e) => e.event),
              takeUntil(timer(30)),
            ),
            second$,
          );
        }),
      ),
    );
    expect(ops(backend, 'runs.cancel')).toHaveLength(1);
    expect(seen.filter((s) => s.error)).toEqual([]);
    expect(values(seen).at(-1)).toBe('ok');
    const secondCreate = ops(backend, 'runs.create')[1]!;
    expect(secondCreate.subscribedAt).toBeGreaterThan(30);
    expect(threadId).toBe('thread_1');
  });

  it('fails run with RunTimeoutError at the deadline and cancels the run it owns', () => {
    const { seen, backend } = inVirtualTime({ runs: 'q 5ms i' }, (rx) =>
      rx.ask('asst_1', 'never ends', { timeout: 50 }),
    );
    const error = seen.at(-1)!.error;
    expect(error).toBeInstanceOf(RunTimeoutError);
    expect(seen.at(-1)!.at).toBe(50);
    expect((error as RunTimeoutError).lastRun?.status).toBe('in_progress');
    expect(ops(backend, 'runs.cancel')).toHaveLength(1);
  });

  it('ends run with RunCancelledError after the cancelled event when someone else cancels', () => {
    const { seen } = inVirtualTime({ runs: 'q 5ms i 20ms x' }, (rx) => rx.ask('asst_1', 'hi'));
    expect(seen.at(-2)!.value?.event).toBe('thread.run.cancelled');
    expect(seen.at(-1)!.error).toBeInstanceOf(RunCancelledError);
  });

  it('watches messages: the existing ones, then each new one once it is done', () => {
    const { seen } = inVirtualTime(
      { runs: 'q 20ms i 30ms c', reply: 'answer' },
      (rx, backend) =>
        rx.threads.create({ messages: [{ role: 'user', content: 'hello' }] }).pipe(
          concatMap((thread) =>
            merge(
              rx.messages.watch(thread.id),
              // A run starts at 5 ms; its reply is written between 21 and 51 ms.
              backend.runs.create(thread.id, { assistant_id: 'asst_1' }).pipe(
                delay(5),
                map(() => null),
              ),
            ),
          ),
        ),
      200,
    );
    const messages = values(seen).filter((m) => m !== null);
    expect(messages.map((m) => [m!.role, m!.status])).toEqual([
      ['user', 'completed'],
      ['assistant', 'completed'],
    ]);
    const reply = seen.find((s) => s.value && s.value.role === 'assistant')!;
    expect(reply.at).toBeGreaterThanOrEqual(51);
  });
});

describe('ask on a new thread', () => {
  /**
   * Builds on the embedded runtime, counting each way of making a thread, and
   * runs it in virtual time; returns what it emitted or its error.
   */
  function onRuntime<T>(
    build: (rx: RxAssistants, local: AssistantsBackend) => Observable<T>,
    config: RxAssistantsConfig = {},
    withoutCreateAndRun = false,
  ) {
    // What a server without the route answers.
    const invalidUrl = () =>
      throwError(
        () => new BackendError({ status: 404, message: 'Invalid URL (POST /v1/threads/runs)' }),
      );
    const calls = { create: 0, createAndRun: 0, streamedCreateAndRun: 0 };
    const values: T[] = [];
    let error: unknown;
    testScheduler().run(({ flush }) => {
      const local = localBackend({ ids: counterIds() });
      const backend: AssistantsBackend = {
        ...local,
        threads: {
          ...local.threads,
          create: (...a) => (calls.create++, local.threads.create(...a)),
          createAndRun: (...a) => (
            calls.createAndRun++,
            withoutCreateAndRun ? invalidUrl() : local.threads.createAndRun(...a)
          ),
        },
        streaming: {
          ...local.streaming!,
          createThreadAndRun: (...a) => (
            calls.streamedCreateAndRun++,
            withoutCreateAndRun ? invalidUrl() : local.streaming!.createThreadAndRun(...a)
          ),
        },
      };
      build(rxAssistants(backend, { poll: 10, ...config }), local).subscribe({
        next: (value) => values.push(value),
        error: (e: unknown) => (error = e),
      });
      flush();
    });
    return { calls, values, error };
  }

  it.each(['poll', 'stream'] as const)(
    'creates the thread and the run in one request, and leaves no thread when the assistant is unknown (%s)',
    (transport) => {
      const { calls, values, error } = onRuntime(
        (rx, local) =>
          concat(
            rx.ask('asst_unknown', 'hi').pipe(
              map(() => 'an event'),
              catchError((e: unknown) => of(e)),
            ),
            // The runtime made no thread: the first one is yet to come.
            local.threads.retrieve('thread_1').pipe(catchError((e: unknown) => of(e))),
          ),
        { transport },
      );
      expect(error).toBeUndefined();
      const [refused, retrieved] = values;
      expect(refused).toBeInstanceOf(BackendError);
      expect(refused).toMatchObject({ status: 404, param: 'assistant_id' });
      expect(retrieved).toMatchObject({ status: 404, param: 'thread_id' });
      expect(calls.create).toBe(0);
      expect(transport === 'poll' ? calls.createAndRun : calls.streamedCreateAndRun).toBe(1);
    },
  );

  it('puts the message, then additional_messages, on the new thread', () => {
    const { calls, values, error } = onRuntime((rx) =>
      rx.assistants.create({ model: 'tutor' }).pipe(
        concatMap((assistant) =>
          rx.ask(assistant.id, 'first', {
            run: { additional_messages: [{ role: 'user', content: 'second' }] },
          }),
        ),
        filter(isRunEvent),
        last(),
        concatMap(({ data: run }) =>
          rx.messages.list(run.thread_id, { order: 'asc' }).pipe(
            map(
              (m) => `${m.role}: ${m.content[0]?.type === 'text' ? m.content[0].text.value : ''}`,
            ),
            toArray(),
            map((texts) => ({ status: run.status, texts })),
          ),
        ),
      ),
    );
    expect(error).toBeUndefined();
    expect(values[0]!.status).toBe('completed');
    expect(values[0]!.texts.slice(0, 3)).toEqual([
      'user: first',
      'user: second',
      expect.stringMatching(/^assistant: ./),
    ]);
    expect(calls.create).toBe(0);
    expect(calls.createAndRun + calls.streamedCreateAndRun).toBe(1);
  });

  it.each(['poll', 'stream'] as const)(
    'creates the thread, then the run, on a server without POST /threads/runs, from then on (%s)',
    (transport) => {
      const { calls, values, error } = onRuntime(
        (rx) =>
          rx.assistants.create({ model: 'tutor' }).pipe(
            concatMap((assistant) =>
              concat(rx.ask(assistant.id, 'one'), rx.ask(assistant.id, 'two')),
            ),
            filter((event) => event.event === 'thread.run.completed'),
          ),
        { transport },
        true,
      );
      expect(error).toBeUndefined();
      expect(values).toHaveLength(2);
      expect(calls.create).toBe(2);
      expect(calls.createAndRun + calls.streamedCreateAndRun).toBe(1);
    },
  );

  it('creates the thread first when the run takes what createAndRun does not (additional_instructions)', () => {
    const { calls, error } = onRuntime((rx) =>
      rx.assistants
        .create({ model: 'tutor' })
        .pipe(
          concatMap((assistant) =>
            rx.ask(assistant.id, 'hi', { run: { additional_instructions: 'Be brief.' } }),
          ),
        ),
    );
    expect(error).toBeUndefined();
    expect(calls).toEqual({ create: 1, createAndRun: 0, streamedCreateAndRun: 0 });
  });

  it('holds the new thread in the queue until the cancel of an ask unsubscribed early has settled', () => {
    const config: TimelineBackendConfig = { runs: 'q 9ms i 99ms c', reply: 'ok' };
    const { seen, backend } = inVirtualTime(config, (rx) => {
      const first$ = rx.ask('asst_1', 'first').pipe(share());
      return merge(
        first$.pipe(
          map((e) => e.event),
          takeUntil(timer(30)),
        ),
        first$.pipe(
          take(1),
          concatMap((event) =>
            rx.ask('asst_1', 'second', { threadId: (event.data as Run).thread_id }),
          ),
          replyText(),
        ),
      );
    });
    expect(seen.filter((s) => s.error)).toEqual([]);
    expect(values(seen).at(-1)).toBe('ok');
    const [cancel] = ops(backend, 'runs.cancel');
    expect(cancel!.subscribedAt).toBe(30);
    const [second] = ops(backend, 'messages.create');
    expect(second!.subscribedAt).toBeGreaterThan(30);
  });

  it('holds the new thread in the queue: an ask on it from the first event waits for the run', () => {
    const { seen, backend } = inVirtualTime({ runs: 'q 9ms i 9ms c', reply: 'ok' }, (rx) => {
      const first$ = rx.ask('asst_1', 'first').pipe(share());
      return merge(
        first$.pipe(
          replyText(),
          map((t) => `1:${t}`),
        ),
        first$.pipe(
          take(1),
          concatMap((event) =>
            rx.ask('asst_1', 'second', { threadId: (event.data as Run).thread_id }),
          ),
          replyText(),
          map((t) => `2:${t}`),
        ),
      );
    });
    expect(seen.filter((s) => s.error)).toEqual([]);
    expect(values(seen)).toEqual(['1:ok', '2:ok']);
    expect(ops(backend, 'threads.create')).toEqual([]);
    const [second] = ops(backend, 'messages.create');
    expect(second!.subscribedAt).toBeGreaterThanOrEqual(seen[0]!.at);
    expect(seen[0]!.at).toBeGreaterThan(0);
  });
});

describe('rxAssistants(source)', () => {
  it('drives an OpenAI client through the adapter', async () => {
    const paths: string[] = [];
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9/v1',
      maxRetries: 0,
      fetch: async (url) => {
        paths.push(new URL(String(url)).pathname);
        return new Response(JSON.stringify({ id: 'thread_9', object: 'thread' }), {
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    const thread = await lastValueFrom(rxAssistants(client).threads.retrieve('thread_9'));
    expect(thread.id).toBe('thread_9');
    expect(paths).toEqual(['/v1/threads/thread_9']);
  });

  it.each([null, undefined, 42, {}, { runs: {} }])('rejects %s with a TypeError', (source) => {
    expect(() => rxAssistants(source as never)).toThrow(TypeError);
  });
});

describe('rxAssistants resources', () => {
  it('reaches every operation of the port, with ids in path order', () => {
    const { seen, backend } = inVirtualTime(
      { runs: 'q-r-i-c', toolCalls: [{ name: 'f', arguments: {} }] },
      (rx) =>
        concat(
          rx.assistants.retrieve('asst_1').pipe(map((a) => `assistant ${a.id}`)),
          rx.assistants.update('asst_1', { name: 'Renamed' }).pipe(map((a) => `renamed ${a.name}`)),
          rx.threads.create().pipe(map((t) => `thread ${t.id}`)),
          rx.threads
            .update('thread_1', { metadata: { k: 'v' } })
            .pipe(map((t) => `meta ${t.metadata?.['k']}`)),
          rx.threads.retrieve('thread_1').pipe(map((t) => `retrieved ${t.id}`)),
          rx.messages
            .create('thread_1', { role: 'user', content: 'hi' })
            .pipe(map((m) => `message ${m.id}`)),
          rx.messages
            .update('thread_1', 'msg_1', { metadata: { a: 'b' } })
            .pipe(map((m) => `updated ${m.id}`)),
          rx.messages.retrieve('thread_1', 'msg_1').pipe(map((m) => `got ${m.role}`)),
          rx.runs
            .create('thread_1', { assistant_id: 'asst_1' })
            .pipe(map((r) => `run ${r.id} ${r.status}`)),
          rx.runs
            .update('thread_1', 'run_1', { metadata: { x: 'y' } })
            .pipe(map((r) => `run meta ${r.metadata?.['x']}`)),
          timer(5).pipe(
            concatMap(() => rx.runs.retrieve('thread_1', 'run_1')),
            map((r) => `status ${r.status}`),
          ),
          rx.runs
            .submitToolOutputs('thread_1', 'run_1', {
              tool_outputs: [{ tool_call_id: 'call_1', output: '1' }],
            })
            .pipe(map((r) => `submitted ${r.status}`)),
          rx.runs.list('thread_1').pipe(map((r) => `listed ${r.id}`)),
          rx.steps.list('thread_1', 'run_1').pipe(map((s) => `step ${s.id} ${s.type}`)),
          rx.steps.retrieve('thread_1', 'run_1', 'step_1').pipe(map((s) => `one step ${s.id}`)),
          rx.runs.cancel('thread_1', 'run_1').pipe(map((r) => `cancel ${r.status}`)),
          timer(5).pipe(
            concatMap(() => rx.messages.list('thread_1', { order: 'asc' })),
            map((m) => `list ${m.id}`),
          ),
          rx.messages.delete('thread_1', 'msg_1').pipe(map((d) => `deleted ${d.id} ${d.deleted}`)),
          rx.threads
            .createAndRun({ assistant_id: 'asst_1' })
            .pipe(map((r) => `createAndRun ${r.thread_id}`)),
          rx.threads.delete('thread_1').pipe(map((d) => `thread deleted ${d.deleted}`)),
          rx.assistants.delete('asst_1').pipe(map((d) => `assistant deleted ${d.deleted}`)),
        ),
    );
    expect(values(seen)).toEqual([
      'assistant asst_1',
      'renamed Renamed',
      'thread thread_1',
      'meta v',
      'retrieved thread_1',
      'message msg_1',
      'updated msg_1',
      'got user',
      'run run_1 queued',
      'run meta y',
      'status requires_action',
      'submitted queued',
      'listed run_1',
      'step step_1 tool_calls',
      'one step step_1',
      'cancel cancelling',
      'list msg_1',
      'deleted msg_1 true',
      'createAndRun thread_2',
      'thread deleted true',
      'assistant deleted true',
    ]);
    expect(backend.log.every((r) => r.abortedAt === undefined)).toBe(true);
  });
});
