import { describe, expect, it } from 'vitest';
import { of } from 'rxjs';
import { adaptivePoll, rxAssistants } from '../../src/client';
import { defaultPoll, firstPollDelay } from '../../src/client/PollPolicy';
import { fakeBackend, requiresAction, retrieval, runWith } from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

const inProgress = runWith('in_progress');
/** The delays a policy gives for unchanged polls 0..n-1 of a working run without a hint. */
const delays = (policy: typeof defaultPoll, n: number) =>
  Array.from({ length: n }, (_, attempt) => policy(attempt, inProgress, undefined));

describe('adaptivePoll', () => {
  it('by default: first poll at 1100 ms, 300 ms for six polls, then ×1.5 up to 5 s', () => {
    expect(defaultPoll.first).toBe(1100);
    expect(delays(defaultPoll, 12)).toEqual([
      300, 300, 300, 300, 300, 300, 450, 675, 1013, 1519, 2278, 3417,
    ]);
    expect(delays(defaultPoll, 20).slice(13)).toEqual(Array(7).fill(5000));
  });

  it('keeps `initial` for `growAfter` polls, then grows by `factor` up to `max`', () => {
    const policy = adaptivePoll({ first: 0, initial: 100, growAfter: 2, factor: 2, max: 500 });
    expect(policy.first).toBe(0);
    expect(delays(policy, 7)).toEqual([100, 100, 100, 200, 400, 500, 500]);
  });

  it('grows from the start with growAfter 0, as the policy before it', () => {
    const policy = adaptivePoll({ first: 0, initial: 1000, growAfter: 0, factor: 1.1, max: 5000 });
    expect(delays(policy, 4)).toEqual([1000, 1100, 1210, 1331]);
  });

  it('lets the hint win, and waits `requiresAction` while a run waits for outputs', () => {
    const waiting = requiresAction([{ id: 'call_1', name: 'add', arguments: '{}' }]);
    expect(defaultPoll(9, inProgress, 40)).toBe(40);
    expect(defaultPoll(0, waiting, undefined)).toBe(5000);
    expect(adaptivePoll({ requiresAction: 700 })(3, waiting, undefined)).toBe(700);
  });

  it.each([
    [{ first: -1 }, 'first must be a finite number of milliseconds ≥ 0, got -1'],
    [{ growAfter: 1.5 }, 'growAfter must be an integer ≥ 0, got 1.5'],
    [{ growAfter: -1 }, 'growAfter must be an integer ≥ 0, got -1'],
  ])('adaptivePoll(%o) throws a TypeError', (config, message) => {
    expect(() => adaptivePoll(config)).toThrow(new TypeError(message));
  });

  it('gives the first poll at once to a fixed number and to a function without `first`', () => {
    expect(firstPollDelay(250)).toBe(0);
    expect(firstPollDelay(() => 250)).toBe(0);
    expect(firstPollDelay(Object.assign(() => 250, { first: 30 }))).toBe(30);
    expect(() => firstPollDelay(Object.assign(() => 250, { first: -2 }))).toThrow(TypeError);
  });
});

describe('the first poll of a run', () => {
  it('waits `first`, then polls at the policy’s delays', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const working = cold('(a|)', { a: retrieval(inProgress) });
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      let calls = 0;
      const backend = fakeBackend({
        runs: {
          create: () => of(inProgress),
          retrieve: () => (calls++ < 2 ? working : done),
        },
      });
      const rx = rxAssistants(backend, {
        poll: adaptivePoll({ first: 30, initial: 10, growAfter: 0, factor: 2 }),
      });
      rx.runs.create('thread_1', { assistant_id: 'asst_1' }).subscribe(); // run_1, just created
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('30ms a 29ms (b|)', {
        a: inProgress,
        b: runWith('completed'),
      });
      expectSubscriptions(working.subscriptions).toBe(['30ms (^!)', '40ms (^!)']);
      expectSubscriptions(done.subscriptions).toBe('60ms (^!)');
    });
  });

  it('is at once for a run this client did not just create', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      const rx = rxAssistants(fakeBackend({ runs: { retrieve: () => done } }));
      // Created elsewhere: its status is what the watcher wants to see, now.
      expectObservable(rx.runs.watch('thread_1', 'run_1')).toBe('(a|)', {
        a: runWith('completed'),
      });
    });
  });

  it('is at once with `first: 0` or a fixed interval', () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const done = cold('(a|)', { a: retrieval(runWith('completed')) });
      const backend = fakeBackend({ runs: { retrieve: () => done } });
      rxAssistants(backend, { poll: adaptivePoll({ first: 0 }) })
        .runs.watch('thread_1', 'run_1')
        .subscribe();
      rxAssistants(backend, { poll: 500 }).runs.watch('thread_1', 'run_2').subscribe();
      flush();
      expectSubscriptions(done.subscriptions).toBe(['(^!)', '(^!)']);
    });
  });

  it('does not delay a messages watch', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold('(a|)', {
        a: { data: [], has_more: false, first_id: null, last_id: null },
      });
      const backend = fakeBackend({ messages: { list: () => empty } });
      expectObservable(rxAssistants(backend).messages.watch('thread_1'), '^ 50ms !').toBe('');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
    });
  });
});
