import { describe, expect, it } from 'vitest';
import { concat, concatMap, defer, last, map, NEVER, type Observable, tap, timer } from 'rxjs';
import type { AssistantsBackend, Page } from '../../src/backend';
import { localBackend } from '../../src/local';
import { timelineBackend } from '../../src/testing';
import { schemaErrors } from '../support/schema';
import { testScheduler } from '../support/scheduler';
import { scriptedModel } from './scriptedModel';

interface Checked {
  op: string;
  schema: string;
  value: unknown;
}

const list = <T>(page: Page<T>) => ({ object: 'list', ...page });

/**
 * Every operation of the port, in one scenario, each response paired with the
 * reference schema it must satisfy. Lists are checked with `object: 'list'`,
 * which the REST layer adds to a page.
 */
function scenario(backend: AssistantsBackend, checked: Checked[]): Observable<unknown> {
  const check =
    <T>(op: string, schema: string, shape: (value: T) => unknown = (v) => v) =>
    (source: Observable<T>) =>
      source.pipe(tap((value) => checked.push({ op, schema, value: shape(value) })));
  let assistantId = '';
  let threadId = '';
  let runId = '';
  let messageId = '';
  let stepId = '';
  return concat(
    backend.assistants
      .create({
        model: 'tutor',
        name: 'Math Tutor',
        instructions: 'You are a personal math tutor.',
        tools: [
          {
            type: 'function',
            function: { name: 'display_quiz', parameters: { type: 'object', properties: {} } },
          },
        ],
        metadata: { team: 'math' },
      })
      .pipe(
        check('assistants.create', 'AssistantObject'),
        tap((a) => (assistantId = a.id)),
      ),
    defer(() => backend.assistants.retrieve(assistantId)).pipe(
      check('assistants.retrieve', 'AssistantObject'),
    ),
    defer(() =>
      backend.assistants.update(assistantId, { description: 'Helps with equations' }),
    ).pipe(check('assistants.update', 'AssistantObject')),
    defer(() => backend.assistants.list({ limit: 5 })).pipe(
      check('assistants.list', 'ListAssistantsResponse', list),
    ),
    backend.threads
      .create({
        messages: [{ role: 'user', content: 'I need to solve the equation `3x + 11 = 14`.' }],
      })
      .pipe(
        check('threads.create', 'ThreadObject'),
        tap((t) => (threadId = t.id)),
      ),
    defer(() => backend.threads.retrieve(threadId)).pipe(check('threads.retrieve', 'ThreadObject')),
    defer(() => backend.threads.update(threadId, { metadata: { user: 'u1' } })).pipe(
      check('threads.update', 'ThreadObject'),
    ),
    defer(() =>
      backend.messages.create(threadId, {
        role: 'user',
        content: [{ type: 'text', text: 'Please.' }],
      }),
    ).pipe(
      check('messages.create', 'MessageObject'),
      tap((m) => (messageId = m.id)),
    ),
    defer(() => backend.messages.retrieve(threadId, messageId)).pipe(
      check('messages.retrieve', 'MessageObject'),
    ),
    defer(() => backend.messages.update(threadId, messageId, { metadata: { seen: 'yes' } })).pipe(
      check('messages.update', 'MessageObject'),
    ),
    defer(() =>
      backend.runs.create(threadId, { assistant_id: assistantId, metadata: { try: '1' } }),
    ).pipe(
      check('runs.create', 'RunObject'),
      tap((r) => (runId = r.id)),
    ),
    // The scripted model asks for a tool first: wait for requires_action.
    timer(50).pipe(
      concatMap(() => backend.runs.retrieve(threadId, runId)),
      check('runs.retrieve', 'RunObject', (r) => r.run),
    ),
    defer(() => backend.steps.list(threadId, runId)).pipe(
      check('steps.list', 'ListRunStepsResponse', list),
      tap((page) => (stepId = page.data[0]!.id)),
    ),
    defer(() => backend.steps.retrieve(threadId, runId, stepId)).pipe(
      check('steps.retrieve', 'RunStepObject'),
    ),
    defer(() => backend.runs.retrieve(threadId, runId)).pipe(
      concatMap(({ run }) =>
        backend.runs.submitToolOutputs(threadId, runId, {
          tool_outputs: run.required_action!.submit_tool_outputs.tool_calls.map((c) => ({
            tool_call_id: c.id,
            output: '{"score":3}',
          })),
        }),
      ),
      check('runs.submitToolOutputs', 'RunObject'),
    ),
    timer(100).pipe(
      concatMap(() => backend.runs.retrieve(threadId, runId)),
      check('runs.retrieve (completed)', 'RunObject', (r) => r.run),
    ),
    defer(() => backend.steps.list(threadId, runId, { order: 'asc' })).pipe(
      check('steps.list (done)', 'ListRunStepsResponse', list),
    ),
    defer(() => backend.messages.list(threadId, { order: 'asc' })).pipe(
      check('messages.list', 'ListMessagesResponse', list),
    ),
    defer(() => backend.runs.update(threadId, runId, { metadata: { try: '2' } })).pipe(
      check('runs.update', 'RunObject'),
    ),
    defer(() => backend.runs.list(threadId)).pipe(check('runs.list', 'ListRunsResponse', list)),
    defer(() =>
      backend.threads.createAndRun({
        assistant_id: assistantId,
        thread: { messages: [{ role: 'user', content: 'hi' }] },
      }),
    ).pipe(
      check('threads.createAndRun', 'RunObject'),
      concatMap((run) =>
        timer(5).pipe(
          concatMap(() => backend.runs.cancel(run.thread_id, run.id)),
          check('runs.cancel', 'RunObject'),
          concatMap(() => timer(5)),
          concatMap(() => backend.runs.retrieve(run.thread_id, run.id)),
          check('runs.retrieve (cancelled)', 'RunObject', (r) => r.run),
        ),
      ),
    ),
    defer(() => backend.messages.delete(threadId, messageId)).pipe(
      check('messages.delete', 'DeleteMessageResponse'),
    ),
    defer(() => backend.threads.delete(threadId)).pipe(
      check('threads.delete', 'DeleteThreadResponse'),
    ),
    defer(() => backend.assistants.delete(assistantId)).pipe(
      check('assistants.delete', 'DeleteAssistantResponse'),
    ),
  ).pipe(
    last(),
    map(() => 'done'),
  );
}

// Turn 1 calls a tool, turn 2 answers; the run of create-and-run never ends (it is cancelled).
const model = () =>
  scriptedModel([
    [{ type: 'tool_call', index: 0, name: 'display_quiz', arguments: '{}' }],
    [
      { type: 'text', delta: 'You scored 3.' },
      { type: 'usage', promptTokens: 20, completionTokens: 4 },
    ],
    () => NEVER,
  ]).model;

// The same scenario on the embedded runtime, and on the timeline backend that drives it.
describe.each([
  ['localBackend', () => localBackend({ model: model() })],
  [
    'timelineBackend',
    () => timelineBackend({ runs: ['q-i-r-i-c', 'q-i'], reply: 'You scored 3.' }),
  ],
])('%s conformance', (_name, backendOf: () => AssistantsBackend) => {
  it('answers every operation of a full scenario with objects that satisfy the reference schema', () => {
    const checked: Checked[] = [];
    let outcome: unknown;
    testScheduler().run(({ flush }) => {
      scenario(backendOf(), checked).subscribe({
        next: (v) => (outcome = v),
        error: (e: unknown) => (outcome = e),
      });
      flush();
    });
    expect(outcome).toBe('done');
    const ops = new Set(checked.map((c) => c.op.split(' ')[0]));
    expect(ops.size).toBe(23);
    const errors = checked.flatMap((c) =>
      schemaErrors(c.schema, c.value).map((e) => `${c.op}: ${e}`),
    );
    expect(errors).toEqual([]);
  });

  it('would notice a missing required field', () => {
    const checked: Checked[] = [];
    testScheduler().run(({ flush }) => {
      scenario(backendOf(), checked).subscribe();
      flush();
    });
    for (const { schema, value } of checked.filter((c) => c.schema.endsWith('Object'))) {
      const { id: _id, ...withoutId } = value as { id: string };
      expect(schemaErrors(schema, withoutId)).not.toEqual([]);
    }
  });
});
