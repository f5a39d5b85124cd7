import { concatMap, concatWith, of, throwError, type MonoTypeOperatorFunction } from 'rxjs';
import { terminalRunOf } from '../backend/runStatus';
import type { AssistantStreamEvent, Run } from '../backend/types';
import { runErrorFor } from '../errors/RunError';

/**
 * Turns a run that ended without completing into a typed error. Every value is
 * passed through; right after a value that carries a terminal run whose status
 * is `failed`, `cancelled`, `expired` or `incomplete`, the stream errors with
 * `RunFailedError`, `RunCancelledError`, `RunExpiredError` or
 * `RunIncompleteError` (each a `RunError` with `.run`, the terminal snapshot).
 *
 * A `completed` run is passed through like any other value, and the stream
 * goes on as the source does.
 *
 * ## Example
 *
 * ```ts
 * import { RunError, rxAssistants, throwOnRunFailure } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.runs
 *   .watch('thread_abc', 'run_abc')
 *   .pipe(throwOnRunFailure())
 *   .subscribe({
 *     next: (run) => console.log(run.status),
 *     error: (error: unknown) => {
 *       if (error instanceof RunError) console.error(error.run.last_error);
 *     },
 *   });
 * ```
 *
 * @see {@link untilTerminal}
 * @see {@link runErrorFor}
 * @returns A function that returns an Observable mirroring the source, which
 * errors after the first value that carries an unsuccessful terminal run.
 */
export function throwOnRunFailure<
  T extends Run | AssistantStreamEvent,
>(): MonoTypeOperatorFunction<T> {
  return concatMap((value: T) => {
    const run = terminalRunOf(value);
    const error = run && runErrorFor(run);
    const value$ = of(value);
    return error ? value$.pipe(concatWith(throwError(() => error))) : value$;
  });
}
