import { expectTypeOf, test } from 'vitest';
import type { Observable } from 'rxjs';
import type {
  Assistant,
  AssistantCreateParams,
  AssistantDeleted,
  AssistantStreamEvent,
} from 'openai/resources/beta/assistants';
import type { Thread } from 'openai/resources/beta/threads/threads';
import type { Message, MessageListParams } from 'openai/resources/beta/threads/messages';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import type { RunStep } from 'openai/resources/beta/threads/runs/steps';
import {
  collectRuns,
  fanOutRuns,
  replies,
  replyText,
  rxAssistants,
  type AssistantsBackend,
  type FanOutItem,
  type Page,
  type RequestOptions,
  type RunCreateParams,
  type RunEvent,
  type RunResult,
  type RunRetrieval,
  type StepRetrieveParams,
  type SubmitToolOutputsParams,
} from '../../src';
import type { WithoutRequestOptions } from '../../src/client/Reactive';
import { timelineBackend } from '../../src/testing';

const rx = rxAssistants(timelineBackend({ runs: 'q-c' }));

test('resources are Observables of the SDK types', () => {
  expectTypeOf(rx.runs.watch('t', 'r')).toEqualTypeOf<Observable<Run>>();
  expectTypeOf(rx.ask('a', 'hi')).toEqualTypeOf<Observable<RunEvent>>();
  expectTypeOf<RunEvent>().toEqualTypeOf<AssistantStreamEvent>();
  expectTypeOf(rx.messages.list('t')).toEqualTypeOf<Observable<Message>>();
});

test('operators keep their element types', () => {
  expectTypeOf(rx.ask('a', 'hi').pipe(replies())).toEqualTypeOf<Observable<Message>>();
  expectTypeOf(rx.ask('a', 'hi').pipe(replyText())).toEqualTypeOf<Observable<string>>();
  const fanned = rx.assistants.list().pipe(fanOutRuns((assistant) => rx.ask(assistant.id, 'hi')));
  expectTypeOf(fanned).toEqualTypeOf<Observable<FanOutItem<Assistant>>>();
  expectTypeOf(fanned.pipe(collectRuns())).toEqualTypeOf<Observable<RunResult<Assistant>[]>>();
});

test('tool handlers take typed arguments', () => {
  rx.run(
    't',
    { assistant_id: 'a' },
    { tools: { add: ({ a, b }: { a: number; b: number }) => a + b } },
  );
  // @ts-expect-error a run needs an assistant
  rx.run('t', {});
});

test('the client is the port, derived: lists emit items, retrieve emits the run', () => {
  expectTypeOf(rx.assistants.list()).toEqualTypeOf<Observable<Assistant>>();
  expectTypeOf(rx.runs.list('t')).toEqualTypeOf<Observable<Run>>();
  expectTypeOf(rx.steps.list('t', 'r')).toEqualTypeOf<Observable<RunStep>>();
  expectTypeOf(rx.runs.retrieve('t', 'r')).toEqualTypeOf<Observable<Run>>();
  expectTypeOf(rx.assistants.delete('a')).toEqualTypeOf<Observable<AssistantDeleted>>();
  expectTypeOf(rx.threads.create()).toEqualTypeOf<Observable<Thread>>();
  expectTypeOf(rx.runs.cancel('t', 'r')).toEqualTypeOf<Observable<Run>>();
  expectTypeOf(rx.steps.retrieve).parameters.toEqualTypeOf<
    [string, string, string, StepRetrieveParams?]
  >();
  expectTypeOf(rx.messages.list).parameters.toEqualTypeOf<[string, MessageListParams?]>();
  // The port is unchanged: one page per list, the poll hint with the run.
  expectTypeOf<ReturnType<AssistantsBackend['assistants']['list']>>().toEqualTypeOf<
    Observable<Page<Assistant>>
  >();
  expectTypeOf<ReturnType<AssistantsBackend['runs']['retrieve']>>().toEqualTypeOf<
    Observable<RunRetrieval>
  >();
});

test('writes check their params; the client sends the request options itself', () => {
  expectTypeOf(rx.assistants.create).parameters.toEqualTypeOf<[AssistantCreateParams]>();
  expectTypeOf(rx.runs.create).parameters.toEqualTypeOf<[string, RunCreateParams]>();
  expectTypeOf(rx.runs.submitToolOutputs).parameters.toEqualTypeOf<
    [string, string, SubmitToolOutputsParams]
  >();
  expectTypeOf(rx.runs.cancel).parameters.toEqualTypeOf<[string, string]>();
  expectTypeOf<Parameters<AssistantsBackend['runs']['create']>>().toEqualTypeOf<
    [string, RunCreateParams, RequestOptions?]
  >();
  // @ts-expect-error a run needs an assistant
  rx.runs.create('t', {});
  // @ts-expect-error a message needs content
  rx.messages.create('t', { role: 'user' });
  // @ts-expect-error an assistant needs a model
  rx.assistants.create({ name: 'tutor' });
  // @ts-expect-error the client makes its own idempotency keys
  rx.runs.create('t', { assistant_id: 'a' }, { idempotencyKey: 'k' });
  // @ts-expect-error so it does on a cancel
  rx.runs.cancel('t', 'r', { idempotencyKey: 'k' });
});

test('only a trailing RequestOptions is dropped, names and optionality kept', () => {
  type Options = [options?: RequestOptions];
  expectTypeOf<WithoutRequestOptions<[params?: number, ...Options]>>().toEqualTypeOf<
    [params?: number]
  >();
  expectTypeOf<WithoutRequestOptions<[id: string, query?: { limit?: number }]>>().toEqualTypeOf<
    [id: string, query?: { limit?: number }]
  >();
  // A last parameter merely compatible with RequestOptions stays.
  type LookAlike = { idempotencyKey?: string; limit?: number };
  expectTypeOf<WithoutRequestOptions<[id: string, query?: LookAlike]>>().toEqualTypeOf<
    [id: string, query?: LookAlike]
  >();
  expectTypeOf<WithoutRequestOptions<[]>>().toEqualTypeOf<[]>();
});
