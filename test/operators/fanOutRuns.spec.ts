import { describe, expect, it } from 'vitest';
import type { Observable } from 'rxjs';
import { fanOutRuns, isFanOutError, type FanOutEvent, type FanOutItem } from '../../src/operators';
import { testScheduler } from '../support/scheduler';

const inputs = { a: 'q0', b: 'q1', c: 'q2', d: 'q3', e: 'q4' };

/** The frames of one subscription, as a cold observable of the TestScheduler logs them. */
interface SubscriptionLog {
  subscribedFrame: number;
  unsubscribedFrame: number;
}

/** The largest number of subscriptions open at the same frame. */
function maxOverlap(logs: SubscriptionLog[]): number {
  const edges = logs.flatMap((log) => [
    { frame: log.subscribedFrame, delta: 1 },
    { frame: log.unsubscribedFrame, delta: -1 },
  ]);
  // At the same frame, closing comes before opening: that is how a slot is handed on.
  edges.sort((x, y) => x.frame - y.frame || x.delta - y.delta);
  let open = 0;
  let max = 0;
  for (const { delta } of edges) max = Math.max(max, (open += delta));
  return max;
}

describe('fanOutRuns', () => {
  it('runs at most `concurrency` inner streams at once, in source order', () => {
    const calls: [string, number][] = [];
    const observed: { subscriptions: SubscriptionLog[] }[] = [];

    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' (abcde|)', inputs);
      const inner0 = cold(' -a-b|');
      const inner0Subs = '  ^---!';
      const inner1 = cold(' --a---b|');
      const inner1Subs = '  ^------!';
      const inner2 = cold('     -a|');
      const inner2Subs = '  ----^-!';
      const inner3 = cold('       -a--b|');
      const inner3Subs = '  ------^----!';
      const inner4 = cold('        --a|');
      const inner4Subs = '  -------^--!';
      const expected = '    -ABC-DEF-GH|';

      const inners: Record<string, Observable<string>> = {
        q0: inner0,
        q1: inner1,
        q2: inner2,
        q3: inner3,
        q4: inner4,
      };
      const result = source.pipe(
        fanOutRuns(
          (input: string, index) => {
            calls.push([input, index]);
            return inners[input]!;
          },
          { concurrency: 2 },
        ),
      );

      expectObservable(result).toBe(expected, {
        A: { index: 0, input: 'q0', event: 'a' },
        B: { index: 1, input: 'q1', event: 'a' },
        C: { index: 0, input: 'q0', event: 'b' },
        D: { index: 2, input: 'q2', event: 'a' },
        E: { index: 1, input: 'q1', event: 'b' },
        F: { index: 3, input: 'q3', event: 'a' },
        G: { index: 4, input: 'q4', event: 'a' },
        H: { index: 3, input: 'q3', event: 'b' },
      });
      expectSubscriptions(inner0.subscriptions).toBe(inner0Subs);
      expectSubscriptions(inner1.subscriptions).toBe(inner1Subs);
      expectSubscriptions(inner2.subscriptions).toBe(inner2Subs);
      expectSubscriptions(inner3.subscriptions).toBe(inner3Subs);
      expectSubscriptions(inner4.subscriptions).toBe(inner4Subs);
      observed.push(inner0, inner1, inner2, inner3, inner4);
    });

    // Read after the run: the subscription logs are complete only once it has flushed.
    expect(maxOverlap(observed.flatMap((inner) => inner.subscriptions))).toBe(2);
    expect(calls).toEqual([
      ['q0', 0],
      ['q1', 1],
      ['q2', 2],
      ['q3', 3],
      ['q4', 4],
    ]);
  });

  it('subscribes every inner stream at once by default', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' (abc|)', inputs);
      const inner0 = cold(' ---a|');
      const inner1 = cold(' -a|');
      const inner2 = cold(' --a|');
      const innersSubs = '  ^---!';
      const inner1Subs = '  ^-!';
      const inner2Subs = '  ^--!';
      const expected = '    -BCA|';

      const inners = [inner0, inner1, inner2];
      expectObservable(source.pipe(fanOutRuns((_input: string, index) => inners[index]!))).toBe(
        expected,
        {
          A: { index: 0, input: 'q0', event: 'a' },
          B: { index: 1, input: 'q1', event: 'a' },
          C: { index: 2, input: 'q2', event: 'a' },
        },
      );
      expectSubscriptions(inner0.subscriptions).toBe(innersSubs);
      expectSubscriptions(inner1.subscriptions).toBe(inner1Subs);
      expectSubscriptions(inner2.subscriptions).toBe(inner2Subs);
    });
  });

  it('turns a failing inner stream into one error item; siblings go on', () => {
    const boom = new Error('boom');
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' (abc|)', inputs);
      const inner0 = cold(' -a--b|');
      const inner0Subs = '  ^----!';
      const inner1 = cold(' --#', undefined, boom);
      const inner1Subs = '  ^-!';
      const inner2 = cold('   -a-b|');
      const inner2Subs = '  --^---!';
      const expected = '    -AXCBD|';

      const inners = [inner0, inner1, inner2];
      const result = source.pipe(
        fanOutRuns((_input: string, index) => inners[index]!, { concurrency: 2 }),
      );

      expectObservable(result).toBe(expected, {
        A: { index: 0, input: 'q0', event: 'a' },
        B: { index: 0, input: 'q0', event: 'b' },
        X: { index: 1, input: 'q1', error: boom },
        C: { index: 2, input: 'q2', event: 'a' },
        D: { index: 2, input: 'q2', event: 'b' },
      });
      expectSubscriptions(inner0.subscriptions).toBe(inner0Subs);
      expectSubscriptions(inner1.subscriptions).toBe(inner1Subs);
      expectSubscriptions(inner2.subscriptions).toBe(inner2Subs);
    });
  });

  it('turns a project that throws into an error item', () => {
    const boom = new TypeError('bad input');
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold(' -a-b-c|', inputs);
      const inner = cold('  -x|');
      const expected = '    --AX--C|';

      const result = source.pipe(
        fanOutRuns((input: string) => {
          if (input === 'q1') throw boom;
          return inner;
        }),
      );

      expectObservable(result).toBe(expected, {
        A: { index: 0, input: 'q0', event: 'x' },
        X: { index: 1, input: 'q1', error: boom },
        C: { index: 2, input: 'q2', event: 'x' },
      });
    });
  });

  it('fails when the source fails, and unsubscribes the inner streams', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' -a--#', inputs);
      const inner = cold('   -x----y|');
      const innerSubs = '   -^--!';
      const expected = '    --A-#';

      expectObservable(source.pipe(fanOutRuns(() => inner))).toBe(expected, {
        A: { index: 0, input: 'q0', event: 'x' },
      });
      expectSubscriptions(inner.subscriptions).toBe(innerSubs);
    });
  });

  it('unsubscribes the inner streams when the output is unsubscribed', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(' (ab)', inputs);
      const inner0 = cold(' -x----y|');
      const inner0Subs = '  ^--!';
      const inner1 = cold(' --x---y|');
      const inner1Subs = '  ^--!';
      const unsub = '       ^--!';
      const expected = '    -AB';

      const inners = [inner0, inner1];
      const result = source.pipe(fanOutRuns((_input: string, index) => inners[index]!));

      expectObservable(result, unsub).toBe(expected, {
        A: { index: 0, input: 'q0', event: 'x' },
        B: { index: 1, input: 'q1', event: 'x' },
      });
      expectSubscriptions(inner0.subscriptions).toBe(inner0Subs);
      expectSubscriptions(inner1.subscriptions).toBe(inner1Subs);
    });
  });

  it.each([0, -1, 1.5, NaN, -Infinity])('throws a TypeError for concurrency %s', (concurrency) => {
    let called = false;
    const project = () => {
      called = true;
      return [];
    };
    expect(() => fanOutRuns(project, { concurrency })).toThrow(TypeError);
    expect(() => fanOutRuns(project, { concurrency })).toThrow(/positive integer or Infinity/);
    expect(called).toBe(false);
  });

  it.each([1, 3, Infinity, undefined])('accepts concurrency %s', (concurrency) => {
    expect(() => fanOutRuns(() => [], { concurrency })).not.toThrow();
  });
});

describe('isFanOutError', () => {
  const event: FanOutItem<string, string> = { index: 0, input: 'q0', event: 'a' };
  const error: FanOutItem<string, string> = { index: 1, input: 'q1', error: undefined };

  it('tells errors (even an undefined one) from events', () => {
    expect(isFanOutError(error)).toBe(true);
    expect(isFanOutError(event)).toBe(false);
  });

  it('narrows the other branch to the event', () => {
    const events: FanOutEvent<string, string>[] = [];
    for (const item of [event, error]) if (!isFanOutError(item)) events.push(item);
    expect(events).toEqual([event]);
  });
});
