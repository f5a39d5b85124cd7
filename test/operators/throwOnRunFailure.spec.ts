import { describe, expect, it } from 'vitest';
import { of } from 'rxjs';
import type { Run, RunStatus } from '../../src/backend/types';
import {
  RunCancelledError,
  RunError,
  RunExpiredError,
  RunFailedError,
  RunIncompleteError,
} from '../../src/errors/RunError';
import { throwOnRunFailure } from '../../src/operators';
import { testScheduler } from '../support/scheduler';
import { event, run } from './fixtures';

const FAILURES: [RunStatus, new (run: Run) => RunError, Partial<Run>][] = [
  ['failed', RunFailedError, { last_error: { code: 'server_error', message: 'boom' } }],
  ['cancelled', RunCancelledError, {}],
  ['expired', RunExpiredError, {}],
  ['incomplete', RunIncompleteError, { incomplete_details: { reason: 'max_prompt_tokens' } }],
];

describe('throwOnRunFailure', () => {
  it.each(FAILURES)('emits a %s run, then errors with %o', (status, ErrorClass, extra) => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const terminal = run(status, extra);
      const values = { q: run('queued'), t: terminal, x: run('queued') };
      const source = hot(' -q-t-x-|', values);
      const sourceSubs = ' ^--!';
      const expected = '   -q-(t#)';

      expectObservable(source.pipe(throwOnRunFailure())).toBe(
        expected,
        values,
        new ErrorClass(terminal),
      );
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });

  it.each(FAILURES)('raises a real %s error class carrying the run', (status, ErrorClass) => {
    const terminal = run(status);
    let caught: unknown;
    of(terminal)
      .pipe(throwOnRunFailure())
      .subscribe({ error: (error: unknown) => (caught = error) });

    expect(caught).toBeInstanceOf(ErrorClass);
    expect(caught).toBeInstanceOf(RunError);
    expect((caught as RunError).run).toBe(terminal);
  });

  it('passes a completed run through and goes on as the source does', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { q: run('queued'), c: run('completed'), x: run('queued') };
      const source = cold(' -q-c-x-|', values);
      const sourceSubs = '  ^------!';
      const expected = '    -q-c-x-|';

      expectObservable(source.pipe(throwOnRunFailure())).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });

  it('errors after a failed run event, not after a failed step event', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const terminal = run('expired');
      const values = {
        s: event('thread.run.step.failed', { status: 'failed' } as never),
        r: event('thread.run.requires_action', run('requires_action')),
        e: event('thread.run.expired', terminal),
        x: event('thread.run.created', run('queued')),
      };
      const source = cold(' -s-r-e-x-|', values);
      const expected = '    -s-r-(e#)';

      expectObservable(source.pipe(throwOnRunFailure())).toBe(
        expected,
        values,
        new RunExpiredError(terminal),
      );
    });
  });
});
