import { describe, expect, it } from 'vitest';
import {
  concatMap,
  from,
  map,
  NEVER,
  Observable,
  of,
  type SchedulerLike,
  throwError,
  timer,
} from 'rxjs';
import { rxAssistants, type RxAssistants } from '../../src/client';
import { isRunEvent } from '../../src/backend/runStatus';
import type { AssistantsBackend } from '../../src/backend';
import type { Run } from '../../src/backend/types';
import {
  localBackend,
  type LocalBackendConfig,
  type ModelAdapter,
  type ModelEvent,
  tutorModel,
} from '../../src/local';
import { quizTool } from '../support/quizTool';
import { testScheduler } from '../support/scheduler';
import { counterIds, say, scriptedModel } from './scriptedModel';
import { ok } from '../support/settle';

interface Seen<T> {
  at: number;
  value?: T;
  error?: unknown;
}

/** Runs `build` in virtual time over a local backend, recording each notification and its frame. */
function inVirtualTime<T>(
  config: LocalBackendConfig,
  build: (rx: RxAssistants, backend: AssistantsBackend) => Observable<T>,
) {
  const seen: Array<Seen<T>> = [];
  const scheduler = testScheduler();
  scheduler.run(({ flush }) => {
    const backend = localBackend({ ids: counterIds(), ...config });
    const rx = rxAssistants(backend, { poll: 10 });
    rx.assistants.create({ model: 'm', instructions: 'Be brief.' }).subscribe();
    build(rx, backend).subscribe({
      next: (value) => seen.push({ at: scheduler.now(), value }),
      error: (error: unknown) => seen.push({ at: scheduler.now(), error }),
    });
    flush();
  });
  return seen;
}

const paced = (events: ModelEvent[], every: number) =>
  timer(every, every).pipe(
    map((i) => events[i]!),
    (e$) =>
      new Observable<ModelEvent>((s) =>
        e$.subscribe({ next: (e) => (e ? s.next(e) : s.complete()) }),
      ),
  );

const statuses = (rx: RxAssistants, run$: Observable<Run>) =>
  run$.pipe(
    concatMap((run) => rx.runs.watch(run.thread_id, run.id)),
    map((run) => run.status),
  );

describe('the run engine', () => {
  it('runs queued → in_progress → completed, writing the reply as a step and a message', () => {
    const { model, requests } = scriptedModel([
      () => paced(say('x = 1', { promptTokens: 7, completionTokens: 3 }), 5),
    ]);
    const seen = inVirtualTime({ model }, (rx) =>
      rx.threads
        .create({ messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }] })
        .pipe(
          concatMap((t) =>
            rx.run(t.id, { assistant_id: 'asst_1', additional_instructions: 'Show steps.' }),
          ),
        ),
    );
    expect(seen.map((s) => [s.at, s.value?.event])).toEqual([
      [0, 'thread.run.created'],
      [0, 'thread.run.queued'],
      [0, 'thread.run.in_progress'],
      // The model's text comes at 5, 10 and 15, its usage at 20, and it completes at 25.
      [5, 'thread.run.step.created'],
      [5, 'thread.run.step.in_progress'],
      [5, 'thread.message.created'],
      [5, 'thread.message.in_progress'],
      [5, 'thread.message.delta'],
      [10, 'thread.message.delta'],
      [15, 'thread.message.delta'],
      [25, 'thread.message.completed'],
      [25, 'thread.run.step.completed'],
      [25, 'thread.run.completed'],
    ]);
    const run = seen.at(-1)!.value!.data as Run;
    expect(run.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(run.expires_at).toBeNull();
    expect(requests[0]).toMatchObject({
      instructions: 'Be brief.\n\nShow steps.',
      messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }],
      toolChoice: 'auto',
      parallelToolCalls: true,
    });
    expect((seen[10]!.value!.data as { content: unknown }).content).toEqual([
      { type: 'text', text: { value: 'x = 1', annotations: [] } },
    ]);
  });

  it('asks for tool outputs, takes them, and hands the calls and outputs to the next turn', () => {
    const { model, requests } = scriptedModel([
      [
        { type: 'tool_call', index: 0, id: 'call_a', name: 'add', arguments: '{"a":2,' },
        { type: 'tool_call', index: 0, arguments: '"b":3}' },
        { type: 'tool_call', index: 1, id: 'call_b', name: 'add', arguments: '{"a":1,"b":1}' },
      ],
      (request) => [
        {
          type: 'text',
          delta: `Sums: ${request.messages
            .filter((m) => m.role === 'tool')
            .map((m) => m.content)
            .join(', ')}`,
        },
      ],
    ]);
    const seen = inVirtualTime({ model }, (rx) =>
      rx
        .ask('asst_1', 'Add', { tools: { add: ({ a, b }: { a: number; b: number }) => a + b } })
        .pipe(map((e) => e.event)),
    );
    expect(seen.map((s) => s.value)).toContain('thread.run.requires_action');
    expect(seen.at(-1)!.value).toBe('thread.run.completed');
    expect(requests[1]!.messages.slice(-3)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_a', name: 'add', arguments: '{"a":2,"b":3}' },
          { id: 'call_b', name: 'add', arguments: '{"a":1,"b":1}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_a', content: '5' },
      { role: 'tool', toolCallId: 'call_b', content: '2' },
    ]);
  });

  it('cancels an in-progress run through cancelling, and stops the model', () => {
    const { model, unsubscribed } = scriptedModel([() => NEVER]);
    const seen = inVirtualTime({ model }, (rx, backend) =>
      rx.threads.create().pipe(
        concatMap((t) => backend.runs.create(t.id, { assistant_id: 'asst_1' })),
        concatMap((run) =>
          statuses(rx, of(run)).pipe(
            (s$) =>
              new Observable<string>((subscriber) => {
                subscriber.add(
                  timer(25)
                    .pipe(concatMap(() => rx.runs.cancel(run.thread_id, run.id)))
                    .subscribe(),
                );
                return s$.subscribe(subscriber);
              }),
          ),
        ),
      ),
    );
    expect(seen.map((s) => [s.at, s.value])).toEqual([
      [0, 'queued'],
      [10, 'in_progress'],
      [30, 'cancelled'],
    ]);
    expect(unsubscribed).toEqual([true]);
  });

  it('expires a run left in requires_action at expires_at, its tool calls too', () => {
    const { model } = scriptedModel([
      () => of({ type: 'tool_call', index: 0, name: 'slow', arguments: '{}' }),
    ]);
    const seen = inVirtualTime({ model, limits: { runExpiresAfter: 5000 } }, (rx, backend) =>
      rx.threads.create().pipe(
        concatMap((t) => backend.runs.create(t.id, { assistant_id: 'asst_1' })),
        concatMap((run) => rx.runs.events(run.thread_id, run.id)),
      ),
    );
    const last = seen.at(-1)!;
    expect(last.value?.event).toBe('thread.run.expired');
    expect(last.at).toBeGreaterThanOrEqual(5000);
    expect(last.at).toBeLessThan(5000 + 2001);
    expect((last.value!.data as Run).expires_at).toBe(5);
    expect(seen.map((s) => s.value?.event)).toContain('thread.run.step.expired');
  });

  it('fails the run with last_error when the model errors', () => {
    const { model } = scriptedModel([
      () => throwError(() => new Error('upstream 500 with sk-abcdefghijklmnop')),
    ]);
    const seen = inVirtualTime({ model }, (rx) => rx.ask('asst_1', 'hi'));
    const failed = seen.at(-2)!.value!.data as Run;
    expect(seen.at(-2)!.value!.event).toBe('thread.run.failed');
    expect(failed.last_error).toEqual({
      code: 'server_error',
      message: 'upstream 500 with sk-abcd***',
    });
    expect(failed.failed_at).toBe(0);
    expect((seen.at(-1)!.error as Error).name).toBe('RunFailedError');
  });

  it('ends incomplete past max_completion_tokens, and past max_prompt_tokens before calling the model', () => {
    const { model, requests } = scriptedModel([
      () => of(...say('long answer', { promptTokens: 10, completionTokens: 300 })),
    ]);
    const over = inVirtualTime({ model }, (rx) =>
      rx.ask('asst_1', 'hi', { run: { max_completion_tokens: 256 } }),
    );
    const run = over.at(-2)!.value!.data as Run;
    expect([run.status, run.incomplete_details]).toEqual([
      'incomplete',
      { reason: 'max_completion_tokens' },
    ]);
    expect(over.map((s) => s.value?.event)).toContain('thread.message.incomplete');

    const prompt = inVirtualTime({ model }, (rx) =>
      rx.ask('asst_1', 'word '.repeat(400), { run: { max_prompt_tokens: 256 } }),
    );
    expect((prompt.at(-2)!.value!.data as Run).incomplete_details).toEqual({
      reason: 'max_prompt_tokens',
    });
    expect(requests).toHaveLength(1);
  });

  it("ends incomplete when the model's turn finishes with length, as the API's run", () => {
    const { model } = scriptedModel([
      [...say('It was a dark and'), { type: 'finish', reason: 'length' }],
    ]);
    const seen = inVirtualTime({ model }, (rx) => rx.ask('asst_1', 'Tell me a story'));

    const run = seen.at(-2)!.value!.data as Run;
    expect([run.status, run.incomplete_details]).toEqual([
      'incomplete',
      { reason: 'max_completion_tokens' },
    ]);
    const message = seen.find((s) => s.value?.event === 'thread.message.incomplete')!.value!;
    expect(message.data).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_tokens' },
      content: [{ type: 'text', text: { value: 'It was a dark and' } }],
    });
    expect((seen.at(-1)!.error as Error).name).toBe('RunIncompleteError');
  });

  it('ends incomplete when the turn finishes with content_filter, its message filtered', () => {
    const { model } = scriptedModel([
      [...say('Well'), { type: 'finish', reason: 'content_filter' }],
    ]);
    const seen = inVirtualTime({ model }, (rx) => rx.ask('asst_1', 'hi'));

    const run = seen.at(-2)!.value!.data as Run;
    expect([run.status, run.incomplete_details]).toEqual(['incomplete', {}]);
    const message = seen.find((s) => s.value?.event === 'thread.message.incomplete')!.value!;
    expect(message.data).toMatchObject({ incomplete_details: { reason: 'content_filter' } });
  });

  it('completes as usual when the turn finishes with stop, and asks for outputs with tool_calls', () => {
    const { model } = scriptedModel([
      [
        { type: 'tool_call', index: 0, id: 'c1', name: 'f', arguments: '{}' },
        { type: 'finish', reason: 'tool_calls' },
      ],
      [...say('Done.'), { type: 'finish', reason: 'stop' }],
    ]);
    const seen = inVirtualTime({ model }, (rx) =>
      rx.ask('asst_1', 'hi', {
        run: { tools: [{ type: 'function', function: { name: 'f' } }] },
        tools: { f: () => 'ok' },
      }),
    );

    const statuses = seen.flatMap((s) => (s.value && isRunEvent(s.value) ? [s.value.event] : []));
    expect(statuses).toContain('thread.run.requires_action');
    expect(statuses.at(-1)).toBe('thread.run.completed');
  });

  it("hands the run's json_schema response format to the model, with its schema", () => {
    const { model, requests } = scriptedModel([say('{"x":1}')]);
    const json_schema = {
      name: 'answer',
      schema: { type: 'object', properties: { x: { type: 'number' } } },
      strict: true,
    };
    inVirtualTime({ model }, (rx) =>
      rx.ask('asst_1', 'x?', { run: { response_format: { type: 'json_schema', json_schema } } }),
    );

    expect(requests[0]).toMatchObject({ responseFormat: 'json_schema', jsonSchema: json_schema });
  });
});

/** A local backend with counter ids on a virtual clock that `advanceTo` moves, and asst_1. */
function world(model: ModelAdapter | ((scheduler: SchedulerLike) => ModelAdapter)) {
  const scheduler = testScheduler();
  const backend = localBackend({
    model: typeof model === 'function' ? model(scheduler) : model,
    scheduler,
    ids: counterIds(),
  });
  ok(backend.assistants.create({ model: 'm', tools: [quizTool] }));
  const advanceTo = (time: number) => {
    scheduler.schedule(() => undefined, time - scheduler.frame);
    scheduler.maxFrames = time;
    scheduler.flush();
  };
  const run = (threadId: string, runId: string) => ok(backend.runs.retrieve(threadId, runId)).run;
  /** The ids a run in `requires_action` asks outputs for. */
  const asked = (threadId: string, runId: string) =>
    run(threadId, runId).required_action!.submit_tool_outputs.tool_calls.map((c) => c.id);
  const steps = (threadId: string, runId: string) =>
    ok(backend.steps.list(threadId, runId, { order: 'asc' })).data;
  return { backend, scheduler, advanceTo, run, asked, steps };
}

describe('the run engine: a turn with text after its tool calls', () => {
  it('closes every message and message step of the turn before requires_action', () => {
    const w = world(
      (scheduler) =>
        scriptedModel([
          () =>
            timer(5, scheduler).pipe(
              concatMap(() =>
                from([
                  ...say('Let me check. '),
                  { type: 'tool_call', index: 0, id: 'call_a', name: 'add', arguments: '{}' },
                  ...say('One moment.'),
                ] as ModelEvent[]),
              ),
            ),
          say('Done.'),
        ]).model,
    );
    ok(w.backend.threads.create());
    const events: string[] = [];
    w.backend
      .streaming!.createRun('thread_1', { assistant_id: 'asst_1' })
      .subscribe((event) => events.push(event.event));
    w.advanceTo(5);
    expect(w.run('thread_1', 'run_1').status).toBe('requires_action');
    const messages = ok(w.backend.messages.list('thread_1', { order: 'asc' })).data;
    expect(
      messages.map((m) => [m.status, (m.content[0] as { text: { value: string } }).text.value]),
    ).toEqual([
      ['completed', 'Let me check. '],
      ['completed', 'One moment.'],
    ]);
    // The tool_calls step waits for the outputs, as in the API; no message step is left open.
    expect(w.steps('thread_1', 'run_1').map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['tool_calls', 'in_progress'],
      ['message_creation', 'completed'],
    ]);
    expect(events.slice(-3)).toEqual([
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.requires_action',
    ]);
    ok(
      w.backend.runs.submitToolOutputs('thread_1', 'run_1', {
        tool_outputs: [{ tool_call_id: 'call_a', output: '1' }],
      }),
    );
    w.advanceTo(5);
    expect(w.run('thread_1', 'run_1').status).toBe('completed');
    const statuses = ok(w.backend.messages.list('thread_1')).data.map((m) => m.status);
    expect(statuses).toEqual(['completed', 'completed', 'completed']);
  });
});

describe('the run engine: tool call ids', () => {
  it('gives the same question on two threads tool calls with different ids, each answerable', () => {
    const w = world(tutorModel({ delay: 5 }));
    for (const threadId of ['thread_1', 'thread_2']) {
      ok(
        w.backend.threads.create({ messages: [{ role: 'user', content: 'Quiz me on x + 1 = 3' }] }),
      );
      ok(w.backend.runs.create(threadId, { assistant_id: 'asst_1' }));
    }
    w.advanceTo(5);
    const first = w.asked('thread_1', 'run_1');
    const second = w.asked('thread_2', 'run_2');
    expect([first.length, second.length]).toEqual([1, 1]);
    expect(second[0]).not.toBe(first[0]);
    const stepIds = (threadId: string, runId: string) =>
      w
        .steps(threadId, runId)
        .flatMap((s) =>
          s.step_details.type === 'tool_calls' ? s.step_details.tool_calls.map((c) => c.id) : [],
        );
    expect([stepIds('thread_1', 'run_1'), stepIds('thread_2', 'run_2')]).toEqual([first, second]);
    const answers: Array<[string, string, string]> = [
      ['thread_1', 'run_1', first[0]!],
      ['thread_2', 'run_2', second[0]!],
    ];
    for (const [threadId, runId, id] of answers) {
      ok(
        w.backend.runs.submitToolOutputs(threadId, runId, {
          tool_outputs: [{ tool_call_id: id, output: 'x = 2' }],
        }),
      );
    }
    w.advanceTo(2000);
    expect([w.run('thread_1', 'run_1').status, w.run('thread_2', 'run_2').status]).toEqual([
      'completed',
      'completed',
    ]);
  });

  it("keeps a model's id while it is new, and mints one for a repeated or missing id", () => {
    const sameIds: ModelEvent[] = [
      { type: 'tool_call', index: 0, id: 'call_a', name: 'add', arguments: '{}' },
      { type: 'tool_call', index: 1, id: 'call_a', name: 'add', arguments: '{}' },
      { type: 'tool_call', index: 2, name: 'add', arguments: '{}' },
    ];
    const { model, requests } = scriptedModel([
      (request) => (request.messages.at(-1)?.role === 'tool' ? say('Done.') : sameIds),
    ]);
    const w = world(model);
    ok(w.backend.threads.create());
    ok(w.backend.threads.create());
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    ok(w.backend.runs.create('thread_2', { assistant_id: 'asst_1' }));
    w.advanceTo(0);
    const first = w.asked('thread_1', 'run_1');
    const second = w.asked('thread_2', 'run_2');
    expect(first[0]).toBe('call_a');
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(6);
    ok(
      w.backend.runs.submitToolOutputs('thread_1', 'run_1', {
        tool_outputs: first.map((id) => ({ tool_call_id: id, output: id })),
      }),
    );
    w.advanceTo(0);
    expect(w.run('thread_1', 'run_1').status).toBe('completed');
    // The model is told of its calls by the ids the run showed, outputs matched.
    expect(requests.at(-1)!.messages.slice(-3)).toEqual(
      first.map((id) => ({ role: 'tool', toolCallId: id, content: id })),
    );
    // A later run of the same thread gets new ids too.
    ok(w.backend.runs.create('thread_1', { assistant_id: 'asst_1' }));
    w.advanceTo(0);
    const third = w.asked('thread_1', 'run_3');
    expect(new Set([...all, ...third]).size).toBe(9);
  });
});
