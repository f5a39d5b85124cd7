import {
  type MonoTypeOperatorFunction,
  Observable,
  type Observer,
  type OperatorFunction,
  type Subscriber,
} from 'rxjs';
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
  return mapThrowingOnRunFailure((value: T) => value);
}

/**
 * Internal (not exported by the package): `map(project)`, leaving out the
 * values it maps to `undefined`, then `throwOnRunFailure()`, in one
 * subscriber and without an inner Observable per value: event streams are
 * long, and this runs on every event of every run.
 */
export function mapThrowingOnRunFailure<T, R extends Run | AssistantStreamEvent>(
  project: (value: T) => R | undefined,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => source.subscribe(new FailureCheck(subscriber, project)));
}

/** The source's observer: one object rather than a closure per callback. */
class FailureCheck<T, R extends Run | AssistantStreamEvent> implements Observer<T> {
  constructor(
    private readonly subscriber: Subscriber<R>,
    private readonly project: (value: T) => R | undefined,
  ) {}

  next(value: T): void {
    let projected: R | undefined;
    try {
      projected = this.project(value);
    } catch (error) {
      this.subscriber.error(error);
      return;
    }
    if (projected === undefined) return;
    this.subscriber.next(projected);
    const run = terminalRunOf(projected);
    const error = run && runErrorFor(run);
    if (error) this.subscriber.error(error);
  }

  error(error: unknown): void {
    this.subscriber.error(error);
  }

  complete(): void {
    this.subscriber.complete();
  }
}
