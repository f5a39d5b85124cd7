import type { Run } from '../backend/types';
import { RxAssistantsError } from './RxAssistantsError';

/**
 * A run that ended without completing. Raised by `run`, `ask` and
 * {@link throwOnRunFailure} after the terminal event has been emitted. The
 * subclass tells which terminal status it was; `.run` is the terminal snapshot.
 *
 * ## Example
 *
 * ```ts
 * import { RunError, RunFailedError } from 'rx-assistants';
 *
 * function explain(error: unknown): string {
 *   if (error instanceof RunFailedError) return `failed: ${error.run.last_error?.message}`;
 *   if (error instanceof RunError) return `ended ${error.run.status}`;
 *   return String(error);
 * }
 * ```
 */
export class RunError extends RxAssistantsError {
  override name = 'RunError';
  readonly run: Run;

  constructor(run: Run, message?: string, options?: { cause?: unknown }) {
    super(message ?? `Run ${run.id} on thread ${run.thread_id} ended ${run.status}`, options);
    this.run = run;
  }

  /** The thread of the run. */
  get threadId(): string {
    return this.run.thread_id;
  }

  /** The id of the run. */
  get runId(): string {
    return this.run.id;
  }
}

/** The run ended `failed`; `run.last_error` says why. */
export class RunFailedError extends RunError {
  override name = 'RunFailedError';

  constructor(run: Run) {
    const reason = run.last_error ? `: ${run.last_error.code}: ${run.last_error.message}` : '';
    super(run, `Run ${run.id} on thread ${run.thread_id} failed${reason}`);
  }
}

/** The run ended `cancelled`. */
export class RunCancelledError extends RunError {
  override name = 'RunCancelledError';
}

/** The run ended `expired`: it passed its `expires_at`. */
export class RunExpiredError extends RunError {
  override name = 'RunExpiredError';
}

/** The run ended `incomplete`; `run.incomplete_details` says why. */
export class RunIncompleteError extends RunError {
  override name = 'RunIncompleteError';

  constructor(run: Run) {
    const reason = run.incomplete_details?.reason ? ` (${run.incomplete_details.reason})` : '';
    super(run, `Run ${run.id} on thread ${run.thread_id} ended incomplete${reason}`);
  }
}

/**
 * The typed error for a terminal run that did not complete, or `undefined`
 * for a completed or still active one.
 *
 * ## Example
 *
 * ```ts
 * import { runErrorFor, type Run } from 'rx-assistants';
 *
 * function check(run: Run): Run {
 *   const error = runErrorFor(run);
 *   if (error) throw error; // RunFailedError, RunCancelledError, ...
 *   return run;
 * }
 * ```
 */
export function runErrorFor(run: Run): RunError | undefined {
  switch (run.status) {
    case 'failed':
      return new RunFailedError(run);
    case 'cancelled':
      return new RunCancelledError(run);
    case 'expired':
      return new RunExpiredError(run);
    case 'incomplete':
      return new RunIncompleteError(run);
    default:
      return undefined;
  }
}
