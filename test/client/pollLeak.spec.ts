import { describe, expect, it } from 'vitest';
import { first, firstValueFrom, type Observable, take } from 'rxjs';
import { rxAssistants, type RxAssistants } from '../../src/client';
import type { Page, RunRetrieval } from '../../src/backend';
import type { Message, RunStep } from '../../src/backend/types';
import { assistantMessage, fakeBackend, retrieval, runWith } from '../support/fixtures';
import { testScheduler } from '../support/scheduler';

const page = <T>(data: T[]): Page<T> => ({
  data,
  has_more: false,
  first_id: null,
  last_id: null,
});

/**
 * A client whose reads answer with the given cold observables: `runs.retrieve`
 * with a run that never ends, `steps.list` with no steps, `messages.list`
 * with one message. Each answer is one cold observable, so its
 * `subscriptions` show every request made.
 */
function client(
  retrieve$: Observable<RunRetrieval>,
  steps$: Observable<Page<RunStep>>,
  messages$: Observable<Page<Message>>,
): RxAssistants {
  const backend = fakeBackend({
    runs: { retrieve: () => retrieve$ },
    steps: { list: () => steps$ },
    messages: { list: () => messages$ },
  });
  return rxAssistants(backend, { poll: 10 });
}

/**
 * A TestScheduler that stops virtual time at 1 s, so that a poller that
 * leaks shows up as extra requests instead of an endless flush.
 */
function bounded() {
  const scheduler = testScheduler();
  const run = scheduler.run.bind(scheduler);
  scheduler.run = (callback) =>
    run((helpers) => {
      scheduler.maxFrames = 1000;
      return callback(helpers);
    });
  return scheduler;
}

type Watch = (rx: RxAssistants) => Observable<unknown>;
const watches: Array<[string, Watch]> = [
  ['runs.watch', (rx) => rx.runs.watch('thread_1', 'run_1')],
  ['runs.events', (rx) => rx.runs.events('thread_1', 'run_1')],
  ['messages.watch', (rx) => rx.messages.watch('thread_1')],
];

describe.each(watches)('%s stops every request when its consumer stops', (_name, watch) => {
  for (const [kind, answer] of [
    ['a synchronous', '(a|)'],
    ['an asynchronous', '--(a|)'],
  ] as const) {
    it(`take(1) over ${kind} backend: one request, unsubscribed when the first value arrives`, () => {
      bounded().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const retrieve$ = cold(answer, { a: retrieval(runWith('in_progress')) });
        const steps$ = cold(answer, { a: page<RunStep>([]) });
        const messages$ = cold(answer, { a: page([assistantMessage('msg_1', 'Hi', 'completed')]) });
        const rx = client(retrieve$, steps$, messages$);
        // The event stream reads the steps after the run: two answers before its first event.
        const reads = watch === watches[1]![1] ? 2 : 1;
        const expected = answer === '(a|)' ? '(a|)' : `${'--'.repeat(reads)}(a|)`;
        expectObservable(watch(rx).pipe(take(1))).toBe(expected, {
          a: expect.anything() as unknown,
        });
        flush();
        const used = watch === watches[2]![1] ? messages$ : retrieve$;
        // One request, and none after the consumer left (the watch would poll every 10 ms).
        expectSubscriptions(used.subscriptions).toBe(answer === '(a|)' ? '(^!)' : '^-!');
      });
    });

    it(`first() and firstValueFrom over ${kind} backend make one request`, () => {
      bounded().run(({ cold, flush }) => {
        const retrieve$ = cold(answer, { a: retrieval(runWith('in_progress')) });
        const steps$ = cold(answer, { a: page<RunStep>([]) });
        const messages$ = cold(answer, { a: page([assistantMessage('msg_1', 'Hi', 'completed')]) });
        const rx = client(retrieve$, steps$, messages$);
        watch(rx).pipe(first()).subscribe();
        void firstValueFrom(watch(rx));
        flush();
        const used = watch === watches[2]![1] ? messages$ : retrieve$;
        expect(used.subscriptions).toHaveLength(2);
        for (const { unsubscribedFrame } of used.subscriptions) {
          expect(unsubscribedFrame).toBe(answer === '(a|)' ? 0 : 2);
        }
      });
    });
  }

  it('an unsubscribe between polls cancels the pending timer: no later request', () => {
    bounded().run(({ cold, expectObservable, flush }) => {
      const retrieve$ = cold('-(a|)', { a: retrieval(runWith('in_progress')) });
      const steps$ = cold('-(a|)', { a: page<RunStep>([]) });
      const messages$ = cold('-(a|)', { a: page<Message>([]) });
      const rx = client(retrieve$, steps$, messages$);
      // The consumer leaves at 25 ms, between polls (every 10 ms after an answer).
      expectObservable(watch(rx), '^ 24ms !');
      flush();
      const used = watch === watches[2]![1] ? messages$ : retrieve$;
      expect(used.subscriptions.length).toBeGreaterThanOrEqual(2);
      for (const { subscribedFrame, unsubscribedFrame } of used.subscriptions) {
        expect(subscribedFrame).toBeLessThan(25);
        expect(unsubscribedFrame).toBeLessThanOrEqual(25);
      }
    });
  });
});
