import { Observable } from 'rxjs';

/**
 * A cold Observable over a call that resolves to an async iterable, such as
 * the SDK's `Stream` of server-sent events: one call per subscription with
 * its own `AbortController`, each item emitted as it arrives. Unsubscribing
 * aborts the call and stops reading; nothing is emitted after that.
 */
export function fromAbortableIterable<T>(
  call: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    void (async () => {
      try {
        const iterable = await call(controller.signal);
        for await (const item of iterable) {
          if (controller.signal.aborted) return;
          subscriber.next(item);
        }
        subscriber.complete();
      } catch (error) {
        if (!controller.signal.aborted) subscriber.error(error);
      }
    })();
    return () => controller.abort();
  });
}
