import { Observable } from 'rxjs';

/**
 * A cold Observable over a call that resolves to an async iterable, such as
 * the SDK's `Stream` of server-sent events: one call per subscription with
 * its own `AbortController`, and the values `expand` makes of each item
 * (the item itself by default) emitted as it arrives. Unsubscribing aborts
 * the call and stops reading; nothing is emitted after that.
 */
export function fromAbortableIterable<T, R = T>(
  call: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>,
  expand: (item: T) => Iterable<R> = (item) => [item as unknown as R],
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      try {
        const iterable = await call(signal);
        for await (const item of iterable) {
          for (const value of expand(item)) {
            if (signal.aborted) return;
            subscriber.next(value);
          }
        }
        if (!signal.aborted) subscriber.complete();
      } catch (error) {
        if (!signal.aborted) subscriber.error(error);
      }
    })();
    return () => controller.abort();
  });
}
