import { describe, expect, it } from 'vitest';
import { of, type Observable } from 'rxjs';
import { rxAssistants } from '../../src/client';
import { RunTimeoutError } from '../../src/errors';
import type { RunRetrieval } from '../../src/backend';
import type { RunStatus } from '../../src/backend/types';
import { fakeBackend, requiresAction, retrieval, runWith } from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

/**
 * A client whose `runs.retrieve` answers with the given observables, one per
 * poll (the last repeats), for run_1, which the client has just created (so
 * the policy's `first` applies).
 */
function clientPolling(responses: Array<Observable<RunRetrieval>>, poll?: number) {
  let calls = 0;
  const cancels: string[] = [];
  const backend = fakeBackend({
    runs: {
      create: () => of(runWith('queued')),
      retrieve: () => responses[Math.min(calls++, responses.length - 1)]!,
      cancel: (_t, runId) => {
        cancels.push(runId);
        throw new Error('a watcher must never cancel');
      },
    },
  });
  const rx = rxAssistants(backend, poll === undefined ? {} : { poll });
  rx.runs.create('thread_1', { assistant_id: 'asst_1' }).subscribe();
  return {
    rx,
    cancels,
    polls: () => calls,
  };
}

const q = retrieval(runWith('queued'));
const i = retrieval(runWith('in_progress'));

describe('runs.watch', () => {
  it('emits the first observation, then only changes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { rx } = clientPolling(
        [
          cold('(a|)', { a: q }),
          cold('(a|)', { a: q }),
          cold('(a|)', { a: i }),
          cold('(a|)', { a: i }),
          cold('(a|)', { a: retrieval(runWith('completed')) }),
        ],
        10,
      );
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('a 19ms b 19ms (c|)', {
        a: q.run,
        b: i.run,
        c: runWith('completed'),
      });
    });
  });

  it.each<RunStatus>(['completed', 'failed', 'cancelled', 'expired', 'incomplete'])(
    'emits the terminal snapshot and completes on %s',
    (status) => {
      testScheduler().run(({ cold, expectObservable }) => {
        const terminal = cold('(a|)', { a: retrieval(runWith(status)) });
        const { rx, polls } = clientPolling([cold('(a|)', { a: i }), terminal], 5);
        expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('a 4ms (b|)', {
          a: i.run,
          b: runWith(status),
        });
        // Nothing polls after the terminal snapshot.
        return () => expect(polls()).toBe(2);
      });
    },
  );

  it('emits requires_action and goes on polling, at the slower delay', () => {
    testScheduler().run(({ cold, expectObservable, flush }) => {
      const waiting = retrieval(requiresAction([{ id: 'call_1', name: 'add', arguments: '{}' }]));
      const { rx, polls } = clientPolling([
        cold('(a|)', { a: i }),
        cold('(a|)', { a: waiting }),
        cold('(a|)', { a: waiting }),
        cold('(a|)', { a: waiting }),
        cold('(a|)', { a: retrieval(runWith('completed')) }),
      ]);
      // The default policy: in_progress at 1100 (its first poll), requires_action
      // 300 ms later, then every 5000 ms while it waits.
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('1100ms a 299ms b 14999ms (c|)', {
        a: i.run,
        b: waiting.run,
        c: runWith('completed'),
      });
      flush();
      expect(polls()).toBe(5);
    });
  });

  it('emits a new required_action while waiting', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const first = retrieval(requiresAction([{ id: 'call_1', name: 'add', arguments: '{}' }]));
      const second = retrieval(requiresAction([{ id: 'call_2', name: 'add', arguments: '{}' }]));
      const { rx } = clientPolling(
        [
          cold('(a|)', { a: first }),
          cold('(a|)', { a: second }),
          cold('(a|)', { a: retrieval(runWith('completed')) }),
        ],
        3,
      );
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('a 2ms b 2ms (c|)', {
        a: first.run,
        b: second.run,
        c: runWith('completed'),
      });
    });
  });

  it('backs off adaptively at exact virtual times, and resets after a change', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const same = cold('(a|)', { a: q });
      const responses = Array.from({ length: 8 }, () => same);
      const changed = cold('(a|)', { a: i });
      const after = cold('(a|)', { a: i });
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      const { rx } = clientPolling([...responses, changed, after, after, done]);
      // The default policy: the first poll at 1100; 300 ms between polls for six
      // unchanged ones, then ×1.5 (450, 675); after the change, 300 ms again.
      const pollTimes = [1100, 1400, 1700, 2000, 2300, 2600, 2900, 3350];
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('1100ms a 2924ms b 899ms (c|)', {
        a: q.run,
        b: i.run,
        c: runWith('completed'),
      });
      expectSubscriptions(same.subscriptions).toBe(pollTimes.map((t) => `${t}ms (^!)`));
      expectSubscriptions(changed.subscriptions).toBe('4025ms (^!)');
      expectSubscriptions(after.subscriptions).toBe(['4325ms (^!)', '4625ms (^!)']);
      expectSubscriptions(done.subscriptions).toBe('4925ms (^!)');
    });
  });

  it("honours the server's poll hint", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const hinted = cold('(a|)', { a: retrieval(runWith('queued'), 40) });
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      const { rx } = clientPolling([hinted, hinted, done]);
      // The first poll at the default policy's 1100 ms; then every 40 ms, as hinted.
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('1100ms a 79ms (b|)', {
        a: runWith('queued'),
        b: runWith('completed'),
      });
      expectSubscriptions(hinted.subscriptions).toBe(['1100ms (^!)', '1140ms (^!)']);
    });
  });

  it('polls at a fixed interval, ignoring the hint', () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const hinted = cold('(a|)', { a: retrieval(runWith('queued'), 1000) });
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      const { rx } = clientPolling([hinted, hinted, hinted, done], 7);
      rx.runs.watch('thread_1', 'run_1').subscribe();
      flush();
      expectSubscriptions(hinted.subscriptions).toBe(['(^!)', '7ms (^!)', '14ms (^!)']);
      expectSubscriptions(done.subscriptions).toBe('21ms (^!)');
    });
  });

  it('asks a function policy for each delay, with the attempt, the run and the hint', () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const seen: unknown[] = [];
      const same = cold('(a|)', { a: retrieval(runWith('queued'), 99) });
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      const { rx } = clientPolling([same, same, same, done]);
      rx.runs
        .watch('thread_1', 'run_1', {
          poll: (attempt, run, hint) => {
            seen.push([attempt, run?.status, hint]);
            return 10 * (attempt + 1);
          },
        })
        .subscribe();
      flush();
      expectSubscriptions(same.subscriptions).toBe(['(^!)', '10ms (^!)', '30ms (^!)']);
      expectSubscriptions(done.subscriptions).toBe('60ms (^!)');
      expect(seen).toEqual([
        [0, 'queued', 99],
        [1, 'queued', 99],
        [2, 'queued', 99],
      ]);
    });
  });

  it('never overlaps polls when responses are slower than the interval', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('-----(a|)', { a: q });
      const done = cold('-----(a|)', { a: retrieval(runWith('completed')) });
      const { rx } = clientPolling([slow, slow, slow, done], 1);
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('----- a 17ms (b|)', {
        a: q.run,
        b: runWith('completed'),
      });
      // Each poll starts 1 ms after the previous answer: never two at once.
      expectSubscriptions(slow.subscriptions).toBe(['^----!', '6ms ^----!', '12ms ^----!']);
      expectSubscriptions(done.subscriptions).toBe('18ms ^----!');
    });
  });

  it('fails with RunTimeoutError at the deadline, carrying the last snapshot', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('--(a|)', { a: q });
      const { rx } = clientPolling([slow], 10);
      const error = new RunTimeoutError({
        threadId: 'thread_1',
        runId: 'run_1',
        timeout: 25,
        lastRun: q.run,
      });
      expectObservable(rx.runs.watch('thread_1', 'run_1', { timeout: 25 })).toBe(
        '--a 22ms #',
        { a: q.run },
        error,
      );
      // The poll in flight at the deadline (started at 24) is aborted.
      expectSubscriptions(slow.subscriptions).toBe(['^-!', '12ms ^-!', '24ms ^!']);
    });
  });

  it('aborts the poll in flight on unsubscribe and never cancels the run', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const slow = cold('----(a|)', { a: q });
      const { rx, cancels } = clientPolling([slow], 10);
      expectObservable(rx.runs.watch('thread_1', 'run_1'), '^ 16ms !').toBe('----a', { a: q.run });
      flush();
      expectSubscriptions(slow.subscriptions).toBe(['^---!', '14ms ^--!']);
      expect(cancels).toEqual([]);
    });
  });

  it('passes a retrieval error on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const boom = new Error('503');
      const { rx } = clientPolling([cold('(a|)', { a: q }), cold('--#', {}, boom)], 5);
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('a 6ms #', { a: q.run }, boom);
    });
  });

  it('rejects a poll delay that is not a usable number', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { rx } = clientPolling([cold('(a|)', { a: q })]);
      expectObservable(rx.runs.watch('thread_1', 'run_1', { poll: () => Number.NaN })).toBe(
        '(a#)',
        { a: q.run },
        new TypeError('The poll delay must be a finite number of milliseconds ≥ 0, got NaN'),
      );
    });
  });
});
