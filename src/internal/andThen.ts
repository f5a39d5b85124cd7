import { defer, type MonoTypeOperatorFunction, Observable, type ObservableInput } from 'rxjs';

/**
 * Mirrors the source, then, once it completes, the Observable that `next()`
 * returns at that moment: what `concatWith(defer(next))` does, with one
 * subscriber instead of `concat`'s inner machinery (it is on the path of
 * every event of every streamed run). Unsubscribing stops whichever is
 * running; an error from either, or thrown by `next`, is passed on.
 */
export function andThen<T>(next: () => ObservableInput<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => defer(next).subscribe(subscriber),
      }),
    );
}
