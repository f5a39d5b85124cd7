import { describe, expect, it } from 'vitest';
import {
  concatMap,
  from,
  map,
  NEVER,
  Observable,
  type SchedulerLike,
  throwError,
  timer,
} from 'rxjs';
import type { AssistantStreamEvent, Message, Run, RunStep } from '../../src/backend/types';
import { localBackend, type ModelAdapter, type ModelEvent } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { counterIds, say, scriptedModel } from './scriptedModel';
import { ok } from '../support/settle';

/** `events` (which may be anything a buggy model sends), one every 5 ms of the scheduler. */
const paced = (scheduler: SchedulerLike, events: unknown[]) => () =>
  from(events).pipe(
    concatMap((event) => timer(5, scheduler).pipe(map(() => event))),
  ) as Observable<ModelEvent>; // not really

/**
 * A local backend on a virtual clock: thread_1 runs `bad` (run_1) and
 * thread_2 a good model (run_2) that says "Hello." at 20 ms. The events of
 * run_1 are recorded with their frame.
 */
function world(bad: ModelAdapter | ((scheduler: SchedulerLike) => ModelAdapter)) {
  const scheduler = testScheduler();
  const good = scriptedModel([() => timer(20, scheduler).pipe(concatMap(() => say('Hello.')))]);
  const backend = localBackend({
    models: { bad: typeof bad === 'function' ? bad(scheduler) : bad, good: good.model },
    scheduler,
    ids: counterIds(),
  });
  ok(backend.assistants.create({ model: 'good' }));
  ok(backend.threads.create());
  ok(backend.threads.create());
  const events: Array<[number, string]> = [];
  backend.streaming!.createRun('thread_1', { assistant_id: 'asst_1', model: 'bad' }).subscribe({
    next: (event: AssistantStreamEvent) => events.push([scheduler.now(), event.event]),
  });
  ok(backend.runs.create('thread_2', { assistant_id: 'asst_1' }));
  const advanceTo = (time: number) => {
    scheduler.schedule(() => undefined, time - scheduler.frame);
    scheduler.maxFrames = time;
    scheduler.flush();
  };
  const run = (threadId: string, runId: string): Run =>
    ok(backend.runs.retrieve(threadId, runId)).run;
  const steps = (): RunStep[] => ok(backend.steps.list('thread_1', 'run_1', { order: 'asc' })).data;
  const messages = (): Message[] =>
    ok(backend.messages.list('thread_1', { order: 'asc' })).data.filter(
      (m) => m.role === 'assistant',
    );
  return { backend, scheduler, events, advanceTo, run, steps, messages };
}

/** A model whose one turn is `events`, 5 ms apart. */
const sending =
  (...events: unknown[]) =>
  (scheduler: SchedulerLike) =>
    scriptedModel([paced(scheduler, events)]).model;

const TEXT: ModelEvent = { type: 'text', delta: 'Hi ' };

describe('a model that sends a bad event', () => {
  it.each([
    { name: 'null', event: null, message: 'The model sent an event that is not an object: null.' },
    {
      name: 'undefined',
      event: undefined,
      message: 'The model sent an event that is not an object: undefined.',
    },
    {
      name: 'a string',
      event: 'hi',
      message: 'The model sent an event that is not an object: "hi".',
    },
    {
      name: 'an array',
      event: [TEXT],
      message: 'The model sent an event that is not an object: an array.',
    },
    {
      name: 'no type',
      event: { delta: 'x' },
      message: "The model sent an event without a 'type'.",
    },
    {
      name: 'an unknown type',
      event: { type: 'foo' },
      message: "The model sent an event of unknown type 'foo'.",
    },
    {
      name: 'a text event without a string delta',
      event: { type: 'text' },
      message: "The model sent a 'text' event whose 'delta' is not a string: undefined.",
    },
    {
      name: 'a text event with a number delta',
      event: { type: 'text', delta: 5 },
      message: "The model sent a 'text' event whose 'delta' is not a string: 5.",
    },
    {
      name: 'a finish event with an unknown reason',
      event: { type: 'finish', reason: 'done' },
      message:
        "The model sent a 'finish' event whose 'reason' is not one of 'stop', 'length', 'content_filter', 'tool_calls': \"done\".",
    },
    {
      name: 'a tool_call without an index',
      event: { type: 'tool_call', name: 'add', arguments: '{}' },
      message:
        "The model sent a 'tool_call' event whose 'index' is not a whole number from 0: undefined.",
    },
    {
      name: 'a tool_call with a string index',
      event: { type: 'tool_call', index: '0', name: 'add' },
      message: `The model sent a 'tool_call' event whose 'index' is not a whole number from 0: "0".`,
    },
    {
      name: 'a tool_call with a non-string name',
      event: { type: 'tool_call', index: 0, name: 7 },
      message: "The model sent a 'tool_call' event whose 'name' is not a string: 7.",
    },
    {
      name: 'a tool_call with non-string arguments',
      event: { type: 'tool_call', index: 0, name: 'add', arguments: { a: 1 } },
      message: `The model sent a 'tool_call' event whose 'arguments' is not a string: {"a":1}.`,
    },
    {
      name: 'usage with non-numbers',
      event: { type: 'usage', promptTokens: '3', completionTokens: 1 },
      message: `The model sent a 'usage' event whose 'promptTokens' is not a whole number from 0: "3".`,
    },
    {
      name: 'usage with a negative count',
      event: { type: 'usage', promptTokens: 3, completionTokens: -1 },
      message:
        "The model sent a 'usage' event whose 'completionTokens' is not a whole number from 0: -1.",
    },
  ])('fails that run at once when it sends $name, and the others go on', ({ event, message }) => {
    const w = world(sending(TEXT, event, { type: 'text', delta: 'there.' }));
    w.advanceTo(5);
    expect(w.run('thread_1', 'run_1').status).toBe('in_progress');
    w.advanceTo(10);
    const run = w.run('thread_1', 'run_1');
    expect([run.status, run.last_error, run.failed_at]).toEqual([
      'failed',
      { code: 'server_error', message },
      0,
    ]);
    expect(w.events.slice(-3)).toEqual([
      [10, 'thread.message.incomplete'],
      [10, 'thread.run.step.failed'],
      [10, 'thread.run.failed'],
    ]);
    expect(w.messages().map((m) => [m.status, m.incomplete_details, m.content])).toEqual([
      [
        'incomplete',
        { reason: 'run_failed' },
        [{ type: 'text', text: { value: 'Hi ', annotations: [] } }],
      ],
    ]);
    expect(w.steps().map((s) => [s.type, s.status, s.last_error])).toEqual([
      ['message_creation', 'failed', { code: 'server_error', message }],
    ]);
    expect(w.run('thread_2', 'run_2').status).toBe('in_progress');
    w.advanceTo(40);
    expect(w.run('thread_2', 'run_2').status).toBe('completed');
    // What the bad model sent after its bad event was dropped.
    expect(w.messages()[0]!.content).toEqual([
      { type: 'text', text: { value: 'Hi ', annotations: [] } },
    ]);
  });

  it('fails the run at once, its tool step too, when a synchronous model sends null among tool calls', () => {
    const w = world(
      scriptedModel([
        [
          { type: 'tool_call', index: 0, id: 'call_a', name: 'add', arguments: '{}' },
          null as unknown as ModelEvent,
          { type: 'tool_call', index: 1, id: 'call_b', name: 'add', arguments: '{}' },
        ],
      ]).model,
    );
    w.advanceTo(0);
    const run = w.run('thread_1', 'run_1');
    expect([run.status, run.last_error]).toEqual([
      'failed',
      { code: 'server_error', message: 'The model sent an event that is not an object: null.' },
    ]);
    // The call after the bad event was never recorded.
    expect(w.steps().map((s) => [s.status, s.step_details])).toEqual([
      [
        'failed',
        {
          type: 'tool_calls',
          tool_calls: [
            {
              id: 'call_a',
              type: 'function',
              function: { name: 'add', arguments: '{}', output: null },
            },
          ],
        },
      ],
    ]);
    expect(w.events.map(([, e]) => e)).toContain('thread.run.failed');
    w.advanceTo(40);
    expect(w.run('thread_2', 'run_2').status).toBe('completed');
  });

  it('fails the run when a turn ends with a tool call that has no name', () => {
    const w = world(
      sending(
        { type: 'tool_call', index: 0, id: 'call_a', arguments: '{"a":' },
        { type: 'tool_call', index: 0, arguments: '1}' },
      ),
    );
    w.advanceTo(5);
    expect(w.run('thread_1', 'run_1').status).toBe('in_progress');
    w.advanceTo(10);
    const run = w.run('thread_1', 'run_1');
    expect([run.status, run.last_error, run.required_action]).toEqual([
      'failed',
      {
        code: 'server_error',
        message: 'The model ended its turn with a tool call (index 0) that has no name.',
      },
      null,
    ]);
    expect(w.steps().map((s) => [s.type, s.status])).toEqual([['tool_calls', 'failed']]);
    expect(w.events.at(-1)).toEqual([10, 'thread.run.failed']);
  });
});

describe('a model that fails', () => {
  it.each([
    {
      name: 'throws in respond',
      model: {
        name: 'throws',
        respond: () => {
          throw new Error('respond exploded');
        },
      },
      message: 'respond exploded',
    },
    {
      name: 'returns no Observable',
      model: { name: 'nothing', respond: () => undefined as never },
      message: 'The model returned no Observable from respond.',
    },
    {
      name: 'errors its Observable',
      model: scriptedModel([() => throwError(() => new Error('upstream down'))]).model,
      message: 'upstream down',
    },
    {
      name: 'errors with no Error',
      model: scriptedModel([() => throwError(() => undefined)]).model,
      message: 'The model failed.',
    },
  ])('fails the run when it $name', ({ model, message }) => {
    const w = world(model as ModelAdapter);
    w.advanceTo(0);
    const run = w.run('thread_1', 'run_1');
    expect([run.status, run.last_error]).toEqual(['failed', { code: 'server_error', message }]);
    expect(w.events.at(-1)).toEqual([0, 'thread.run.failed']);
    w.advanceTo(40);
    expect(w.run('thread_2', 'run_2').status).toBe('completed');
  });

  it('fails the run when the Observable errors mid-reply, closing its message', () => {
    const w = world(
      (scheduler) =>
        scriptedModel([
          () =>
            new Observable<ModelEvent>((subscriber) => {
              subscriber.next(TEXT);
              return timer(5, scheduler).subscribe(() => subscriber.error(new Error('cut off')));
            }),
        ]).model,
    );
    w.advanceTo(5);
    expect(w.run('thread_1', 'run_1').last_error).toEqual({
      code: 'server_error',
      message: 'cut off',
    });
    expect(w.messages().map((m) => m.status)).toEqual(['incomplete']);
    expect(w.steps().map((s) => s.status)).toEqual(['failed']);
  });

  it('does not hold up the other runs when it never answers', () => {
    const w = world(scriptedModel([() => NEVER]).model);
    w.advanceTo(40);
    expect(w.run('thread_2', 'run_2').status).toBe('completed');
    expect(w.run('thread_1', 'run_1').status).toBe('in_progress');
  });
});
