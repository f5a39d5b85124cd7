import { type MonoTypeOperatorFunction, Observable, type SchedulerLike } from 'rxjs';

/**
 * Fails the source with `error()` when it has not ended `ms` after
 * subscription (an overall deadline, unlike rxjs's `timeout`, which limits
 * the wait for each value). The timer runs on `scheduler` and is cancelled
 * when the source ends or the subscriber unsubscribes.
 */
export function deadline<T>(
  ms: number,
  scheduler: SchedulerLike,
  error: () => unknown,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      subscriber.add(scheduler.schedule(() => subscriber.error(error()), ms));
      subscriber.add(source.subscribe(subscriber));
    });
}

/** Throws a `TypeError` unless `timeout` is a finite number of milliseconds ≥ 0 (or absent). */
export function checkTimeout(timeout: number | undefined): void {
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`timeout must be a finite number of milliseconds ≥ 0, got ${timeout}`);
  }
}
