import { concatMap, defer, Observable, type Observer, of, throwError } from 'rxjs';
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
    /** What follows attempt `n`'s failure, before its first event or after. */
    const failed = (n: number, error: unknown, started: boolean): Observable<E> => {
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
    };
    // What `catchError` does, noting the first event on the way, with no
    // subscriber of its own (this is on the path of every streamed event).
    const attempt = (n: number): Observable<E> =>
      new Observable<E>((subscriber) => {
        let started = false;
        const observer: Observer<E> = {
          next: (event) => {
            started = true;
            subscriber.next(event);
          },
          error: (error: unknown) => {
            defer(() => failed(n, error, started)).subscribe(subscriber);
          },
          complete: () => subscriber.complete(),
        };
        return r.gate.enter(send(options), observer, true);
      });
    return attempt(0);
  });
}
