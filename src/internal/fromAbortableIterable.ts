import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';

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
  expand?: (item: T) => Iterable<R>,
  onError: (error: unknown) => unknown = asIs,
): Observable<R> {
  return new Observable<R>((subscriber) =>
    new IterableReader(subscriber, expand, onError).start(call),
  );
}

/**
 * One subscription's reading: its callbacks are made once, not once per item
 * (a streamed run reads a dozen events or more, each through here).
 */
class IterableReader<T, R> {
  private readonly controller = new AbortController();
  private items?: AsyncIterator<T>;
  private ended = false;
  /** Unsubscribed: the signal's `aborted`, without reading the signal on every item. */
  private aborted = false;
  private readonly onIterable = (iterable: AsyncIterable<T>) => {
    this.items = iterable[Symbol.asyncIterator]();
    this.read();
  };
  private readonly onItem = (result: IteratorResult<T>) => this.item(result);
  private readonly onFailure = (error: unknown) => this.fail(error);

  constructor(
    private readonly subscriber: Subscriber<R>,
    private readonly expand: ((item: T) => Iterable<R>) | undefined,
    private readonly onError: (error: unknown) => unknown,
  ) {}

  start(call: (signal: AbortSignal) => PromiseLike<AsyncIterable<T>>): TeardownLogic {
    try {
      call(this.controller.signal).then(this.onIterable, this.onFailure);
    } catch (error) {
      this.fail(error);
    }
    return () => {
      this.aborted = true;
      if (!this.ended) this.controller.abort();
    };
  }

  private read(): void {
    this.items!.next().then(this.onItem, this.onFailure);
  }

  private item(result: IteratorResult<T>): void {
    if (result.done) {
      this.ended = true;
      if (!this.aborted) this.subscriber.complete();
      return;
    }
    try {
      if (this.expand) {
        for (const value of this.expand(result.value)) {
          if (this.aborted) return this.stop();
          this.subscriber.next(value);
        }
      } else if (!this.aborted) {
        this.subscriber.next(result.value as unknown as R);
      }
    } catch (error) {
      // Not the iterable's error: it is read no further.
      this.stop();
      this.fail(error);
      return;
    }
    if (this.aborted) return this.stop();
    this.read();
  }

  private fail(error: unknown): void {
    this.ended = true;
    if (!this.aborted) this.subscriber.error(this.onError(error));
  }

  /** Closes the iterable read no further, as `for await` would on `return`. */
  private stop(): void {
    this.items!.return?.().then(undefined, () => undefined);
  }
}
