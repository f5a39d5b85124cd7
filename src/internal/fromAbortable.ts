import { Observable } from 'rxjs';

const asIs = (error: unknown) => error;

/**
 * A cold Observable over a Promise-returning call that takes an `AbortSignal`.
 * Each subscription makes one call with its own `AbortController`, emits the
 * result and completes; unsubscribing before then aborts the call, the way
 * RxJS's `fromFetch` does it. The call's error is raised as `onError` makes it.
 */
export function fromAbortable<T>(
  call: (signal: AbortSignal) => PromiseLike<T>,
  onError: (error: unknown) => unknown = asIs,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    let answer: PromiseLike<T>;
    try {
      answer = call(controller.signal);
    } catch (error) {
      subscriber.error(onError(error));
      return undefined;
    }
    // The answer's own `then`, never adopted by another promise: the SDK's
    // promises are a subclass that zone.js (Angular) adopts as `null`.
    answer.then(
      (value) => {
        settled = true;
        subscriber.next(value);
        subscriber.complete();
      },
      (error: unknown) => {
        settled = true;
        subscriber.error(onError(error));
      },
    );
    return () => {
      if (!settled) controller.abort();
    };
  });
}
