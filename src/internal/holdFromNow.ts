import { Observable, type Subscriber } from 'rxjs';

/** Notifications held for a subscriber to come. */
export interface Held<T> {
  /** What `source` told since it was held, at once, then what it tells; subscribe once. */
  readonly events$: Observable<T>;
  /** Stops holding (for a subscriber that will not come). */
  drop(): void;
}

/**
 * Subscribes to `source` now and holds what it tells until `events$` is
 * subscribed: a hot source whose first events must not be missed while
 * something else (a store's answer) is awaited.
 *
 * ## Example
 *
 * ```ts
 * import { Subject } from 'rxjs';
 * import { holdFromNow } from 'src/internal/holdFromNow';
 *
 * const source = new Subject<number>();
 * const held = holdFromNow(source);
 * source.next(1);
 * held.events$.subscribe(console.log); // 1, then 2
 * source.next(2);
 * ```
 */
export function holdFromNow<T>(source: Observable<T>): Held<T> {
  const held: Array<(subscriber: Subscriber<T>) => void> = [];
  let target: Subscriber<T> | undefined;
  const tell = (call: (subscriber: Subscriber<T>) => void) =>
    target ? call(target) : held.push(call);
  const subscription = source.subscribe({
    next: (value) => tell((subscriber) => subscriber.next(value)),
    error: (error: unknown) => tell((subscriber) => subscriber.error(error)),
    complete: () => tell((subscriber) => subscriber.complete()),
  });
  return {
    events$: new Observable<T>((subscriber) => {
      // What comes while the held are told is held too, and told after them.
      while (held.length > 0) held.shift()!(subscriber);
      target = subscriber;
      return subscription;
    }),
    drop: () => subscription.unsubscribe(),
  };
}
