import { Observable } from 'rxjs';

const itself = <T>(item: T): T[] => [item];
const asIs = (error: unknown) => error;

/**
 * A cold Observable over a call that resolves to an async iterable, such as
 * the SDK's `Stream` of server-sent events: one call per subscription with
 * its own `AbortController`, and the values `expand` makes of each item
 * (the item itself by default) emitted as it arrives. Unsubscribing aborts
 * the call and stops reading; nothing is emitted after that. A call that has
 * ended (its iterable read to the end, or failed) is not aborted: there is
 * nothing left to stop, and an abort costs an exception and its listeners.
 * The call's error, or its iterable's, is raised as `onError` makes it.
 *
 * It reads with `then`, never `await` or `for await`: a native `await` drops
 * zone.js's current zone (Angular's), so the items would arrive outside it;
 * and the call's answer is never adopted by another promise, since zone.js
 * adopts the SDK's Promise subclass as `null`.
 */
export function fromAbortableIterable<T, R = T>(
  call: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>,
  expand: (item: T) => Iterable<R> = itself as (item: T) => Iterable<R>,
  onError: (error: unknown) => unknown = asIs,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const controller = new AbortController();
    const { signal } = controller;
    let ended = false;
    const fail = (error: unknown) => {
      ended = true;
      if (!signal.aborted) subscriber.error(onError(error));
    };
    /** Closes the iterable read no further, as `for await` would on `return`. */
    const stop = (items: AsyncIterator<T>) => {
      items.return?.().then(undefined, () => undefined);
    };
    const read = (items: AsyncIterator<T>): void => {
      items
        .next()
        .then((result) => {
          if (result.done) {
            ended = true;
            if (!signal.aborted) subscriber.complete();
            return;
          }
          for (const value of expand(result.value)) {
            if (signal.aborted) return stop(items);
            subscriber.next(value);
          }
          read(items);
        })
        .then(undefined, fail);
    };
    try {
      call(signal)
        .then((iterable) => read(iterable[Symbol.asyncIterator]()))
        .then(undefined, fail);
    } catch (error) {
      fail(error);
    }
    return () => {
      if (!ended) controller.abort();
    };
  });
}
