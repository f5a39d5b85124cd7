import { Observable } from 'rxjs';

/**
 * A cold Observable over a call that resolves to an async iterable, such as
 * the SDK's `Stream` of server-sent events: one call per subscription with
 * its own `AbortController`, and the values `expand` makes of each item
 * (the item itself by default) emitted as it arrives. Unsubscribing aborts
 * the call and stops reading; nothing is emitted after that. A call that has
 * ended (its iterable read to the end, or failed) is not aborted: there is
 * nothing left to stop, and an abort costs an exception and its listeners.
 */
export function fromAbortableIterable<T, R = T>(
  call: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>,
  expand: (item: T) => Iterable<R> = (item) => [item as unknown as R],
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const controller = new AbortController();
    const { signal } = controller;
    let ended = false;
    void (async () => {
      try {
        const iterable = await call(signal);
        for await (const item of iterable) {
          for (const value of expand(item)) {
            if (signal.aborted) return;
            subscriber.next(value);
          }
        }
        ended = true;
        if (!signal.aborted) subscriber.complete();
      } catch (error) {
        ended = true;
        if (!signal.aborted) subscriber.error(error);
      }
    })();
    return () => {
      if (!ended) controller.abort();
    };
  });
}
