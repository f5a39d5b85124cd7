import type { Message, MessageContent, Run, RunStep, ToolCall } from '../backend/types';
import type { ModelToolCall } from './ModelAdapter';
import type { TokenCounts } from './RunUsage';
import type { AssistantsStore } from './storePort';

/** Why a message is incomplete, as the API says it. */
export type IncompleteReason = NonNullable<Message['incomplete_details']>['reason'];

/** What every part of the runtime shares: the store, the clock and the ids. */
export interface Runtime {
  store: AssistantsStore;
  /** Unix seconds, from the scheduler. */
  now(): number;
  newId(prefix: string): string;
}

/** A message as the API returns it, `completed` unless told otherwise. */
export function newMessage(
  runtime: Runtime,
  init: Pick<Message, 'thread_id' | 'role' | 'content'> & Partial<Message>,
): Message {
  const now = runtime.now();
  return {
    id: runtime.newId('msg'),
    object: 'thread.message',
    created_at: now,
    status: 'completed',
    incomplete_details: null,
    completed_at: init.status === 'in_progress' ? null : now,
    incomplete_at: null,
    assistant_id: null,
    run_id: null,
    attachments: [],
    metadata: {},
    ...init,
  };
}

/** A new step of a run, in progress. */
export function newStep(runtime: Runtime, run: Run, details: RunStep['step_details']): RunStep {
  return {
    id: runtime.newId('step'),
    object: 'thread.run.step',
    created_at: runtime.now(),
    assistant_id: run.assistant_id,
    thread_id: run.thread_id,
    run_id: run.id,
    type: details.type,
    status: 'in_progress',
    step_details: details,
    last_error: null,
    expired_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    metadata: {},
    usage: null,
  };
}

/** The plain text of a message: its text blocks, with a placeholder for images. */
export function textOf(content: MessageContent[]): string {
  return content
    .map((block) =>
      block.type === 'text'
        ? block.text.value
        : block.type === 'refusal'
          ? block.refusal
          : '[image]',
    )
    .join('\n');
}

/** The function calls of a `tool_calls` step, by index, as the model wrote them. */
export const functionCallsOf = (calls: readonly ToolCall[]): Array<[number, ModelToolCall]> =>
  calls.flatMap((call, index): Array<[number, ModelToolCall]> =>
    call.type === 'function'
      ? [[index, { id: call.id, name: call.function.name, arguments: call.function.arguments }]]
      : [],
  );

/** The fields of a step that ends with `status`. */
export function stepEnd(status: RunStep['status'], now: number): Partial<RunStep> {
  return {
    status,
    completed_at: status === 'completed' ? now : null,
    failed_at: status === 'failed' ? now : null,
    cancelled_at: status === 'cancelled' ? now : null,
    expired_at: status === 'expired' ? now : null,
  };
}

/** A run's error as its open step records it. */
export const stepError = (error: Run['last_error'] | undefined): RunStep['last_error'] =>
  error
    ? {
        code: error.code === 'rate_limit_exceeded' ? error.code : 'server_error',
        message: error.message,
      }
    : null;

/** Token counts as a step (or run) reports them. */
export const stepUsage = (usage: { prompt: number; completion: number }) => ({
  prompt_tokens: usage.prompt,
  completion_tokens: usage.completion,
  total_tokens: usage.prompt + usage.completion,
});

/**
 * The `last_error` codes of a run of this runtime: the SDK's
 * (`server_error`, `rate_limit_exceeded`, `invalid_prompt`) and one extension,
 * `unsupported_tool`: the model called a built-in tool (`code_interpreter`,
 * `file_search`) that this runtime does not implement yet. The SDK's `Run`
 * type closes the union, so a run failed with the extension is built by
 * {@link unsupportedToolError}, the one place that widens it.
 */
export type LocalRunErrorCode = Run.LastError['code'] | 'unsupported_tool';

/** A run's `last_error` as this runtime writes it: see {@link LocalRunErrorCode}. */
export interface LocalRunError {
  code: LocalRunErrorCode;
  message: string;
}

/** The `last_error` of a run whose model called a built-in tool this runtime does not implement. */
export function unsupportedToolError(tool: BuiltinTool): Run['last_error'] {
  const error: LocalRunError = {
    code: 'unsupported_tool',
    message: `The model called the built-in tool '${tool}', which this server does not implement yet.`,
  };
  // The documented extension of the SDK's closed `code` union (see LocalRunErrorCode).
  return error as Run.LastError;
}

/** The built-in tools of the Assistants API, which this runtime accepts but does not run. */
export type BuiltinTool = 'code_interpreter' | 'file_search';

/** The built-in tools a run declares (it may declare them; the model may not call them). */
export const builtinToolsOf = (run: Pick<Run, 'tools'>): BuiltinTool[] => [
  ...new Set(
    run.tools.flatMap((tool): BuiltinTool[] =>
      tool.type === 'code_interpreter' || tool.type === 'file_search' ? [tool.type] : [],
    ),
  ),
];

/** How the open message ends: `completed` unless a `reason` says why it is incomplete. */
export interface MessageEnd {
  reason?: IncompleteReason;
  /** How its `message_creation` step ends; default `completed`. */
  step?: RunStep['status'];
  error?: Run['last_error'];
  /** The turn's tokens, on a step that completes the run. */
  usage?: TokenCounts;
}

/** How whatever is still open ends when the run ends. */
export interface OpenEnd {
  /** The open message's end, if one is open. */
  message: MessageEnd;
  /** How an open `tool_calls` step ends. */
  toolStep: RunStep['status'];
  error?: Run['last_error'];
}
