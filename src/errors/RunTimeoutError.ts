import type { Run } from '../backend/types';
import { RxAssistantsError } from './RxAssistantsError';

/** What a {@link RunTimeoutError} knows of the run it gave up on. */
export interface RunTimeoutErrorInit {
  threadId: string;
  runId: string;
  /** The deadline that passed, in milliseconds. */
  timeout: number;
  /** The last snapshot seen before the deadline, if any. */
  lastRun?: Run;
}

/**
 * The overall deadline (`timeout`) of a watch or a run passed before the run
 * reached a terminal status. The run itself is not cancelled by a watcher.
 *
 * ## Example
 *
 * ```ts
 * import { RunTimeoutError } from 'rx-assistants';
 *
 * const isTimeout = (error: unknown) => error instanceof RunTimeoutError;
 * ```
 */
export class RunTimeoutError extends RxAssistantsError {
  override name = 'RunTimeoutError';
  readonly threadId: string;
  readonly runId: string;
  readonly timeout: number;
  readonly lastRun: Run | undefined;

  constructor(init: RunTimeoutErrorInit) {
    const last = init.lastRun ? ` (last status: ${init.lastRun.status})` : '';
    super(
      `Run ${init.runId} on thread ${init.threadId} did not finish within ${init.timeout} ms${last}`,
    );
    this.threadId = init.threadId;
    this.runId = init.runId;
    this.timeout = init.timeout;
    this.lastRun = init.lastRun;
  }
}
