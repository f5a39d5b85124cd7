import { describe, it } from 'vitest';
import type { RunStatus } from '../../src/backend/types';
import { untilTerminal } from '../../src/operators';
import { testScheduler } from '../support/scheduler';
import { event, message, run } from './fixtures';

const TERMINAL: RunStatus[] = ['completed', 'failed', 'cancelled', 'expired', 'incomplete'];

describe('untilTerminal', () => {
  it.each(TERMINAL)('completes right after a %s run, that run included', (status) => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const values = { q: run('queued'), i: run('in_progress'), t: run(status), x: run('queued') };
      const source = hot(' -q-i-t-x-|', values);
      const sourceSubs = ' ^----!';
      const expected = '   -q-i-(t|)';

      expectObservable(source.pipe(untilTerminal())).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });

  it('goes on through requires_action', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = {
        q: run('queued'),
        r: run('requires_action'),
        i: run('in_progress'),
        c: run('completed'),
      };
      const source = cold(' -q-r-i-c-q-|', values);
      const sourceSubs = '  ^------!';
      const expected = '    -q-r-i-(c|)';

      expectObservable(source.pipe(untilTerminal())).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });

  it('mirrors a source that ends without a terminal value, errors included', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { q: run('queued'), r: run('requires_action') };
      expectObservable(cold('-q-r-|', values).pipe(untilTerminal())).toBe('-q-r-|', values);
      expectObservable(cold('-q-r-#', values).pipe(untilTerminal())).toBe('-q-r-#', values);
    });
  });

  it('completes an event stream on its terminal run event only', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = {
        c: event('thread.run.created', run('queued')),
        s: event('thread.run.step.completed', { status: 'completed' } as never),
        m: event('thread.message.completed', message('assistant', 'completed', ['Hi'])),
        r: event('thread.run.requires_action', run('requires_action')),
        f: event('thread.run.failed', run('failed')),
        x: event('thread.run.created', run('queued')),
      };
      const source = cold(' -c-s-m-r-f-x-|', values);
      const sourceSubs = '  ^--------!';
      const expected = '    -c-s-m-r-(f|)';

      expectObservable(source.pipe(untilTerminal())).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });
});
