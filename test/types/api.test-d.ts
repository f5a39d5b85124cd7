import { expectTypeOf, test } from 'vitest';
import type { Observable } from 'rxjs';
import type { Assistant, AssistantStreamEvent } from 'openai/resources/beta/assistants';
import type { Message } from 'openai/resources/beta/threads/messages';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import {
  collectRuns,
  fanOutRuns,
  replies,
  replyText,
  rxAssistants,
  type FanOutItem,
  type RunEvent,
  type RunResult,
} from '../../src';
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
