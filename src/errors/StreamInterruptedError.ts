import { RxAssistantsError } from './RxAssistantsError';

/** What a {@link StreamInterruptedError} knows. */
export interface StreamInterruptedErrorInit {
  threadId: string;
  /** The run whose stream broke, when it had been created. */
  runId?: string;
  /** The connection error or server error that broke it, if any. */
  cause?: unknown;
}

/**
 * A run's event stream broke before the run ended or asked for tool outputs:
 * the connection closed, the server died, or the stream ended early. Under
 * `transport: 'stream'` it ends the stream; under `'auto'` the client polls
 * the run instead, resubmitting any tool outputs not confirmed.
 *
 * ## Example
 *
 * ```ts
 * import { StreamInterruptedError } from 'rx-assistants';
 *
 * const broken = (error: unknown) => error instanceof StreamInterruptedError;
 * ```
 */
export class StreamInterruptedError extends RxAssistantsError {
  override name = 'StreamInterruptedError';
  readonly threadId: string;
  readonly runId: string | undefined;

  constructor(init: StreamInterruptedErrorInit) {
    const why = init.cause instanceof Error ? `: ${init.cause.message}` : ' before the run ended';
    super(
      `The event stream of run ${init.runId ?? '(not created yet)'} on thread ${init.threadId} broke${why}`,
      { cause: init.cause },
    );
    this.threadId = init.threadId;
    this.runId = init.runId;
  }
}
