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

/**
 * The run ended `failed`; `run.last_error` says why.
 *
 * ## Example
 *
 * ```ts
 * import { catchError, EMPTY, type Observable } from 'rxjs';
 * import { RunFailedError, type RunEvent } from 'rx-assistants';
 *
 * declare const run$: Observable<RunEvent>;
 * run$.pipe(
 *   catchError((error: unknown) => {
 *     if (error instanceof RunFailedError) console.error(error.run.last_error?.message);
 *     if (error instanceof RunFailedError) return EMPTY;
 *     throw error;
 *   }),
 * );
 * ```
 */
export class RunFailedError extends RunError {
  override name = 'RunFailedError';

  constructor(run: Run) {
    const reason = run.last_error ? `: ${run.last_error.code}: ${run.last_error.message}` : '';
    super(run, `Run ${run.id} on thread ${run.thread_id} failed${reason}`);
  }
}

/**
 * The run ended `cancelled` (by someone else: a run you own and leave is cancelled without an error).
 *
 * ## Example
 *
 * ```ts
 * import { catchError, EMPTY, type Observable } from 'rxjs';
 * import { RunCancelledError, type RunEvent } from 'rx-assistants';
 *
 * declare const run$: Observable<RunEvent>;
 * run$.pipe(
 *   catchError((error: unknown) => {
 *     if (error instanceof RunCancelledError) return EMPTY; // cancelled elsewhere: nothing to say
 *     throw error;
 *   }),
 * );
 * ```
 */
export class RunCancelledError extends RunError {
  override name = 'RunCancelledError';
}

/**
 * The run ended `expired`: it passed its `expires_at` (often: tool outputs came too late).
 *
 * ## Example
 *
 * ```ts
 * import { catchError, EMPTY, type Observable } from 'rxjs';
 * import { RunExpiredError, type RunEvent } from 'rx-assistants';
 *
 * declare const run$: Observable<RunEvent>;
 * run$.pipe(
 *   catchError((error: unknown) => {
 *     if (error instanceof RunExpiredError) console.warn('expired at', error.run.expires_at);
 *     if (error instanceof RunExpiredError) return EMPTY;
 *     throw error;
 *   }),
 * );
 * ```
 */
export class RunExpiredError extends RunError {
  override name = 'RunExpiredError';
}

/**
 * The run ended `incomplete`; `run.incomplete_details` says why (a token limit, say).
 *
 * ## Example
 *
 * ```ts
 * import { catchError, EMPTY, type Observable } from 'rxjs';
 * import { RunIncompleteError, type RunEvent } from 'rx-assistants';
 *
 * declare const run$: Observable<RunEvent>;
 * run$.pipe(
 *   catchError((error: unknown) => {
 *     if (error instanceof RunIncompleteError) console.warn(error.run.incomplete_details?.reason);
 *     if (error instanceof RunIncompleteError) return EMPTY;
 *     throw error;
 *   }),
 * );
 * ```
 */
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
