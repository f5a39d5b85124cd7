// The helpers through which every SDK call goes, under zone.js (loaded
// first, so that it replaces the global Promise; the `zone` project runs
// this file in a process of its own). `SdkLikePromise` is built as the SDK's
// `APIPromise` is: a Promise subclass resolved with `null` at construction,
// whose overridden `then` gives the real answer.
import 'zone.js';
import { lastValueFrom, take, tap, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromAbortable } from '../../src/internal/fromAbortable';
import { fromAbortableIterable } from '../../src/internal/fromAbortableIterable';
import { fromEventStream } from '../../src/internal/fromEventStream';

class SdkLikePromise<T> extends Promise<T> {
  constructor(private readonly answer: () => Promise<T>) {
    super((resolve) => resolve(null as T));
  }
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.answer().then(onFulfilled, onRejected);
  }
}

/** Subscribes inside a zone named 'app'; resolves with the values and the zones they came in. */
function inAppZone<T>(source$: Observable<T>): Promise<{ values: T[]; zones: string[] }> {
  const zones: string[] = [];
  return Zone.current.fork({ name: 'app' }).run(() =>
    lastValueFrom(
      source$.pipe(
        tap(() => zones.push(Zone.current.name)),
        toArray(),
      ),
    ).then((values) => ({ values, zones })),
  );
}

async function* words(text: string, closed: string[] = []) {
  try {
    for (const word of text.split(' ')) yield word;
  } finally {
    closed.push('closed');
  }
}

describe('under zone.js', () => {
  it('the trap is set: a zone.js Promise adopts an SDK-like promise as null', async () => {
    const sdk = new SdkLikePromise(() => Promise.resolve('answer'));
    expect(await Promise.resolve().then(() => sdk)).toBeNull();
    expect(await sdk.then((value) => value)).toBe('answer');
  });

  it("fromAbortable gives the SDK promise's answer, in the subscriber's zone", async () => {
    const answer$ = fromAbortable(() => new SdkLikePromise(() => Promise.resolve('answer')));
    expect(await inAppZone(answer$)).toEqual({ values: ['answer'], zones: ['app'] });
  });

  it("fromAbortableIterable reads the SDK promise's stream, each item in the subscriber's zone", async () => {
    const items$ = fromAbortableIterable(
      () => new SdkLikePromise(() => Promise.resolve(words('x = 2 here'))),
    );
    expect(await inAppZone(items$)).toEqual({
      values: ['x', '=', '2', 'here'],
      zones: ['app', 'app', 'app', 'app'],
    });
  });

  it('fromAbortableIterable stops reading and closes the stream when unsubscribed', async () => {
    const closed: string[] = [];
    const signals: AbortSignal[] = [];
    const items$ = fromAbortableIterable(
      (signal) => {
        signals.push(signal);
        return Promise.resolve(words('one two three four', closed));
      },
      (word: string) => [word, word.toUpperCase()],
    );
    expect(await lastValueFrom(items$.pipe(take(3), toArray()))).toEqual(['one', 'ONE', 'two']);
    expect(signals[0]?.aborted).toBe(true);
    expect(closed).toEqual(['closed']);
  });

  it('fromAbortable and fromAbortableIterable fail with what the call throws', async () => {
    const thrown = new Error('no client');
    const fails = () => {
      throw thrown;
    };
    await expect(lastValueFrom(fromAbortable(fails))).rejects.toBe(thrown);
    await expect(lastValueFrom(fromAbortableIterable(fails))).rejects.toBe(thrown);
  });

  it("fromEventStream reads a streamed response's body, each event in the subscriber's zone", async () => {
    const sse =
      'event: thread.a\ndata: 1\n\nevent: thread.b\ndata: 2\n\nevent: done\ndata: [DONE]\n\n';
    const chunks = [sse.slice(0, 20), sse.slice(20, 45), sse.slice(45)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(chunk));
      },
    });
    const events$ = fromEventStream(
      () => new SdkLikePromise(() => Promise.resolve(new Response(body))),
      { errorEvent: (error) => error, noBody: () => new Error('no body') },
    );
    expect(await inAppZone(events$)).toEqual({
      values: [
        { event: 'thread.a', data: 1 },
        { event: 'thread.b', data: 2 },
      ],
      zones: ['app', 'app'],
    });
  });
});
