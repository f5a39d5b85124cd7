import { catchError, concatMap, defer, type Observable, of, tap, throwError } from 'rxjs';
import type { RequestOptions } from '../backend/AssistantsBackend';
import { isAbortError, isRetryable, mayHaveTakenEffect } from './RetryPolicy';
import { newIdempotencyKey, type Resilience, waitToRetry } from './resilientBackend';

/**
 * A request that answers with an event stream (a run created or tool outputs
 * submitted with `stream: true`), made resilient before its first event: it
 * goes through the client's gate (holding a place until the first event) with
 * an `Idempotency-Key` that stays the same across its retries. A failure
 * before the first event that may have taken effect asks `recover` whether it
 * did: `recover` then gives the events to follow instead (by polling, since
 * a run's stream cannot be opened again), or `undefined` to send the request
 * again. An error after the first event is the stream's own: `interrupted`
 * turns it into the error to raise.
 */
export function streamRequest<E>(
  r: Resilience,
  send: (options: RequestOptions) => Observable<E>,
  recover: (startedAt: number) => Observable<Observable<E> | undefined>,
  interrupted: (cause: unknown) => unknown,
): Observable<E> {
  return defer(() => {
    const options: RequestOptions = { idempotencyKey: newIdempotencyKey() };
    const startedAt = r.retry.scheduler.now();
    const attempt = (n: number): Observable<E> =>
      defer(() => {
        let started = false;
        return r.gate.through(send(options), true).pipe(
          tap(() => (started = true)),
          catchError((error: unknown) => {
            if (started && !isAbortError(error)) return throwError(() => interrupted(error));
            if (started || isAbortError(error)) return throwError(() => error);
            const retryable = isRetryable(error) && n < r.retry.retries;
            const check$ = n > 0 || mayHaveTakenEffect(error) ? recover(startedAt) : of(undefined);
            return check$.pipe(
              concatMap((events$) => {
                if (events$) return events$;
                if (!retryable) return throwError(() => error);
                return waitToRetry(r, n, error).pipe(concatMap(() => attempt(n + 1)));
              }),
            );
          }),
        );
      });
    return attempt(0);
  });
}
