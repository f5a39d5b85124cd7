import { defer, type MonoTypeOperatorFunction, Observable, type ObservableInput } from 'rxjs';

/**
 * Mirrors the source, then, once it completes, the Observable that
 * `next(last)` returns at that moment, given the source's last value
 * (`undefined` when it had none): what `tap` and `concatWith(defer(…))` do
 * together, with one subscriber instead of their three (it is on the path of
 * every event of every streamed run). Unsubscribing stops whichever is
 * running; an error from either, or thrown by `next`, is passed on.
 */
export function andThen<T>(
  next: (last: T | undefined) => ObservableInput<T>,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let last: T | undefined;
      return source.subscribe({
        next: (value) => {
          last = value;
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => defer(() => next(last)).subscribe(subscriber),
      });
    });
}
