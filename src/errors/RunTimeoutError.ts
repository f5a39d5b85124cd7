import type { Run } from '../backend/types';
import { RxAssistantsError } from './RxAssistantsError';

/** What a {@link RunTimeoutError} knows of the run it gave up on. */
export interface RunTimeoutErrorInit {
  threadId: string;
  /** The run, unless the deadline passed before it was created. */
  runId?: string;
  /** The deadline that passed, in milliseconds. */
  timeout: number;
  /** The last snapshot seen before the deadline, if any. */
  lastRun?: Run;
}

/**
 * The overall deadline (`timeout`) of a watch or a run passed before the run
 * reached a terminal status. A watcher never cancels the run; `run` and `ask`,
 * which own theirs, cancel it.
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
  readonly runId: string | undefined;
  readonly timeout: number;
  readonly lastRun: Run | undefined;

  constructor(init: RunTimeoutErrorInit) {
    const last = init.lastRun ? ` (last status: ${init.lastRun.status})` : '';
    super(
      `Run ${init.runId ?? '(not created yet)'} on thread ${init.threadId} did not finish within ${init.timeout} ms${last}`,
    );
    this.threadId = init.threadId;
    this.runId = init.runId;
    this.timeout = init.timeout;
    this.lastRun = init.lastRun;
  }
}
