import { describe, expect, it } from 'vitest';
import { merge } from 'rxjs';
import { ThreadQueue } from '../../src/client/ThreadQueue';
import { adaptivePoll } from '../../src/client';
import { rxAssistants } from '../../src/client';
import { fakeBackend } from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

describe('ThreadQueue', () => {
  it('runs jobs on one thread one after the other, and other threads alongside', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const queue = new ThreadQueue();
      const a = cold('--a|');
      const b = cold('--b|');
      const c = cold('-c|');
      const all = merge(
        queue.enqueue('t1', () => a),
        queue.enqueue('t1', () => b),
        queue.enqueue('t2', () => c),
      );
      expectObservable(all).toBe('-ca--b|');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('---^--!');
      expectSubscriptions(c.subscriptions).toBe('^-!');
    });
  });

  it('lets a waiting job leave without letting the next one jump the queue', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const queue = new ThreadQueue();
      const first = cold('-----a|');
      const dropped = cold('b|');
      const last = cold('c|');
      expectObservable(queue.enqueue('t', () => first)).toBe('-----a|');
      expectObservable(
        queue.enqueue('t', () => dropped),
        '^-!',
      ).toBe('');
      expectObservable(queue.enqueue('t', () => last)).toBe('------c|');
      expectSubscriptions(dropped.subscriptions).toBe([]);
      expectSubscriptions(last.subscriptions).toBe('------^!');
    });
  });

  it('holds the thread until the work given to releaseAfter has settled, then forgets it', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const queue = new ThreadQueue();
      const settle = cold('----|');
      const next = cold('n|');
      expectObservable(
        queue.enqueue('t', (lock) => {
          lock.releaseAfter(settle);
          return cold('a|');
        }),
      ).toBe('a|');
      expectObservable(queue.enqueue('t', () => next)).toBe('-----n|');
      flush();
      expectSubscriptions(settle.subscriptions).toBe('-^---!');
      expectSubscriptions(next.subscriptions).toBe('-----^!');
      expect(queue.size).toBe(0);
    });
  });
});

describe('argument checks', () => {
  it.each([
    [{ initial: -1 }, 'initial must be a finite number of milliseconds ≥ 0, got -1'],
    [
      { max: Number.POSITIVE_INFINITY },
      'max must be a finite number of milliseconds ≥ 0, got Infinity',
    ],
    [{ factor: 0.5 }, 'factor must be a finite number ≥ 1, got 0.5'],
  ])('adaptivePoll(%o) throws a TypeError', (config, message) => {
    expect(() => adaptivePoll(config)).toThrow(new TypeError(message));
  });

  it('rejects a negative timeout when the watch is made', () => {
    const rx = rxAssistants(fakeBackend());
    expect(() => rx.runs.watch('t', 'r', { timeout: -5 })).toThrow(
      new TypeError('timeout must be a finite number of milliseconds ≥ 0, got -5'),
    );
  });
});
