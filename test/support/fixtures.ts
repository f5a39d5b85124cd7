import { Observable } from 'rxjs';
import type { AssistantsBackend, RunRetrieval } from '../../src/backend/AssistantsBackend';
import type { Message, Run, RunStatus, RunStep } from '../../src/backend/types';

/** A run snapshot with the given status (and any other fields). */
export function runWith(status: RunStatus, extra: Partial<Run> = {}): Run {
  return {
    id: 'run_1',
    object: 'thread.run',
    thread_id: 'thread_1',
    assistant_id: 'asst_1',
    status,
    created_at: 0,
    instructions: '',
    model: 'tutor',
    tools: [],
    metadata: {},
    required_action: null,
    last_error: null,
    expires_at: null,
    started_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    incomplete_details: null,
    usage: null,
    temperature: null,
    top_p: null,
    max_prompt_tokens: null,
    max_completion_tokens: null,
    truncation_strategy: null,
    response_format: 'auto',
    tool_choice: 'auto',
    parallel_tool_calls: true,
    ...extra,
  } as Run;
}

/** A run waiting for the given function calls. */
export function requiresAction(
  calls: Array<{ id: string; name: string; arguments: string }>,
  extra: Partial<Run> = {},
): Run {
  return runWith('requires_action', {
    required_action: {
      type: 'submit_tool_outputs',
      submit_tool_outputs: {
        tool_calls: calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      },
    },
    ...extra,
  });
}

/** A retrieval result, optionally with a poll hint. */
export const retrieval = (run: Run, pollAfterMs?: number): RunRetrieval =>
  pollAfterMs === undefined ? { run } : { run, pollAfterMs };

/** A message_creation step. */
export function messageStep(id: string, messageId: string, status: RunStep['status']): RunStep {
  return {
    id,
    object: 'thread.run.step',
    type: 'message_creation',
    status,
    run_id: 'run_1',
    thread_id: 'thread_1',
    assistant_id: 'asst_1',
    created_at: 0,
    step_details: { type: 'message_creation', message_creation: { message_id: messageId } },
    cancelled_at: null,
    completed_at: null,
    expired_at: null,
    failed_at: null,
    last_error: null,
    metadata: null,
    usage: null,
  } as RunStep;
}

/** An assistant message with the given text. */
export function assistantMessage(id: string, text: string, status: Message['status']): Message {
  return {
    id,
    object: 'thread.message',
    thread_id: 'thread_1',
    run_id: 'run_1',
    assistant_id: 'asst_1',
    role: 'assistant',
    status,
    created_at: 0,
    completed_at: null,
    incomplete_at: null,
    incomplete_details: null,
    attachments: null,
    metadata: null,
    content: text ? [{ type: 'text', text: { value: text, annotations: [] } }] : [],
  } as Message;
}

type Overrides = { [K in keyof AssistantsBackend]?: Partial<AssistantsBackend[K]> };

/**
 * A backend whose every method fails the test unless `overrides` gives it;
 * tests hand in `cold()` observables for the methods they exercise.
 */
export function fakeBackend(overrides: Overrides = {}): AssistantsBackend {
  const unexpected = (name: string) => () =>
    new Observable<never>((subscriber) =>
      subscriber.error(new Error(`unexpected call of ${name}`)),
    );
  const resource = <K extends keyof AssistantsBackend>(key: K, methods: string[]) =>
    Object.fromEntries(
      methods.map((method) => [
        method,
        (overrides[key] as Record<string, unknown> | undefined)?.[method] ??
          unexpected(`${key}.${method}`),
      ]),
    ) as unknown as AssistantsBackend[K];
  return {
    assistants: resource('assistants', ['create', 'retrieve', 'update', 'list', 'delete']),
    threads: resource('threads', ['create', 'retrieve', 'update', 'delete', 'createAndRun']),
    messages: resource('messages', ['create', 'retrieve', 'update', 'list', 'delete']),
    runs: resource('runs', ['create', 'retrieve', 'update', 'list', 'cancel', 'submitToolOutputs']),
    steps: resource('steps', ['retrieve', 'list']),
  };
}
