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
        if (!signal.aborted) subscriber.error(onError(error));
      }
    })();
    return () => {
      if (!ended) controller.abort();
    };
  });
}
