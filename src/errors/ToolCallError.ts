import { RxAssistantsError } from './RxAssistantsError';

/** What a {@link ToolCallError} knows of the failed call. */
export interface ToolCallErrorInit {
  threadId: string;
  runId: string;
  toolCallId: string;
  toolName: string;
  cause?: unknown;
}

/**
 * A tool call could not be answered: no handler has that name, or the handler
 * threw. With the default `onToolError: 'submit'` its message is submitted to
 * the model as the call's output; with `onToolError: 'fail'` it ends the run's
 * stream (after cancelling the run, if the stream owns it).
 *
 * ## Example
 *
 * ```ts
 * import { ToolCallError } from 'rx-assistants';
 *
 * const describe = (e: unknown) => (e instanceof ToolCallError ? `tool ${e.toolName} failed` : '');
 * ```
 */
export class ToolCallError extends RxAssistantsError {
  override name = 'ToolCallError';
  readonly threadId: string;
  readonly runId: string;
  readonly toolCallId: string;
  readonly toolName: string;

  constructor(init: ToolCallErrorInit) {
    const detail =
      init.cause === undefined
        ? `no handler is registered for tool "${init.toolName}"`
        : `tool "${init.toolName}" failed: ${init.cause instanceof Error ? init.cause.message : String(init.cause)}`;
    super(`Tool call ${init.toolCallId} of run ${init.runId}: ${detail}`, { cause: init.cause });
    this.threadId = init.threadId;
    this.runId = init.runId;
    this.toolCallId = init.toolCallId;
    this.toolName = init.toolName;
  }
}
