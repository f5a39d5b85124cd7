import { map } from 'rxjs';
import type { Message, Run, RunEvent } from 'rx-assistants';
import { runState, wasCancelled, type RunState } from './run-state';
import { testScheduler } from '../testing/timeline';

const run = (status: Run['status']): RunEvent =>
  ({ event: `thread.run.${status}`, data: { id: 'run_1', status } }) as RunEvent;
const reply: RunEvent = {
  event: 'thread.message.completed',
  data: {
    role: 'assistant',
    content: [{ type: 'text', text: { value: 'x = 2', annotations: [] } }],
  },
} as unknown as RunEvent & { data: Message };

describe('runState', () => {
  it('folds run events into statuses and the reply, one value per change', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const events$ = cold<RunEvent>('ab 8ms c 9ms (de|)', {
        a: run('queued'),
        b: run('queued'), // thread.run.created and thread.run.queued: one status
        c: run('in_progress'),
        d: reply,
        e: run('completed'),
      });
      const states: Record<string, RunState> = {
        a: { statuses: ['queued'], done: false },
        c: { statuses: ['queued', 'in_progress'], done: false },
        d: { statuses: ['queued', 'in_progress'], reply: 'x = 2', done: false },
        e: { statuses: ['queued', 'in_progress', 'completed'], reply: 'x = 2', done: false },
        f: { statuses: ['queued', 'in_progress', 'completed'], reply: 'x = 2', done: true },
      };
      expectObservable(events$.pipe(runState())).toBe('a 9ms c 9ms (def|)', states);
    });
  });

  it('tells a run let go from one that ended, and keeps errors as state', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const letGo$ = cold<RunEvent>('a 9ms b|', { a: run('queued'), b: run('in_progress') });
      expectObservable(letGo$.pipe(runState(), map(wasCancelled))).toBe('a 9ms b(c|)', {
        a: false,
        b: false,
        c: true,
      });
      const failed$ = cold<RunEvent>('a 9ms #', { a: run('queued') }, new Error('refused'));
      expectObservable(
        failed$.pipe(
          runState(),
          map((state) => state.error),
        ),
      ).toBe('a 9ms (bc|)', { a: undefined, b: 'refused', c: 'refused' });
    });
  });
});
