import {
  defer,
  type MonoTypeOperatorFunction,
  Observable,
  type ObservableInput,
  type Observer,
  type Subscriber,
} from 'rxjs';

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
    new Observable<T>((subscriber) => source.subscribe(new AndThen(subscriber, next)));
}

/** The source's observer: one object rather than a closure per callback. */
class AndThen<T> implements Observer<T> {
  private last: T | undefined;

  constructor(
    private readonly subscriber: Subscriber<T>,
    private readonly then: (last: T | undefined) => ObservableInput<T>,
  ) {}

  next(value: T): void {
    this.last = value;
    this.subscriber.next(value);
  }

  error(error: unknown): void {
    this.subscriber.error(error);
  }

  complete(): void {
    defer(() => this.then(this.last)).subscribe(this.subscriber);
  }
}
