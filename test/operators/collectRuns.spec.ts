import { describe, expect, it } from 'vitest';
import { from, Subject } from 'rxjs';
import type { AssistantStreamEvent } from '../../src/backend/types';
import { collectRuns, fanOutRuns, type FanOutItem, type RunResult } from '../../src/operators';
import { RxAssistantsError } from '../../src/errors';
import { testScheduler } from '../support/scheduler';
import { event, message, run } from './fixtures';

const inputs = { a: 'q0', b: 'q1', c: 'q2', d: 'q3' };

describe('collectRuns', () => {
  it('emits one result per input, in input order, when every run is done', () => {
    const boom = new Error('connection reset');
    const run0 = run('completed', { id: 'run_0' });
    const run1 = run('in_progress', { id: 'run_1' });
    const run2 = run('completed', { id: 'run_2' });
    const reply0a = message('assistant', 'completed', ['2x = 4', 'x = 2'], { id: 'msg_0a' });
    const reply0b = message('assistant', 'completed', ['Done.'], { id: 'msg_0b' });
    const reply2 = message('assistant', 'completed', ['Hello'], { id: 'msg_2' });

    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        q: event('thread.run.queued', run('queued', { id: 'run_0' })),
        r: event('thread.run.created', run1),
        s: event('thread.run.created', run('queued', { id: 'run_2' })),
        A: event('thread.message.completed', reply0a),
        B: event('thread.message.completed', reply0b),
        C: event('thread.run.completed', run0),
        m: event('thread.message.created', message('assistant', 'in_progress', [])),
        u: event('thread.message.completed', message('user', 'completed', ['Hi'])),
        H: event('thread.message.completed', reply2),
        D: event('thread.run.completed', run2),
        t: event('thread.run.step.completed', { status: 'completed' } as never),
      };
      const source = cold(' (abcd|)', inputs);
      const inner0 = cold(' -q--m--A--B-C-|', values);
      const inner1 = cold(' -r-#', values, boom);
      const inner2 = cold(' -s-u-H-D|', values);
      const inner3 = cold(' --t|', values);
      const expected = '    --------------(r|)';

      const inners = [inner0, inner1, inner2, inner3];
      const result = source.pipe(
        fanOutRuns((_input: string, index) => inners[index]!, { concurrency: 4 }),
        collectRuns(),
      );

      const results: RunResult<string>[] = [
        {
          index: 0,
          input: 'q0',
          run: run0,
          replies: [reply0a, reply0b],
          text: '2x = 4\nx = 2\n\nDone.',
        },
        { index: 1, input: 'q1', run: run1, replies: [], text: '', error: boom },
        { index: 2, input: 'q2', run: run2, replies: [reply2], text: 'Hello' },
        { index: 3, input: 'q3', run: undefined, replies: [], text: '' },
      ];
      expectObservable(result).toBe(expected, { r: results });
    });
  });

  it('keeps a result for an input whose run stream emitted nothing, with the reason', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const done = event('thread.run.completed', run('completed', { id: 'run_0' }));
      const streams = [
        cold<AssistantStreamEvent>('-a|', { a: done }),
        cold<AssistantStreamEvent>('--|'),
      ];
      const results$ = from(['q0', 'q1']).pipe(
        fanOutRuns((_input: string, index: number) => streams[index]!),
        collectRuns(),
      );
      expectObservable(results$).toBe('--(a|)', {
        a: [
          { index: 0, input: 'q0', run: done.data, replies: [], text: '' },
          {
            index: 1,
            input: 'q1',
            run: undefined,
            replies: [],
            text: '',
            error: new RxAssistantsError(
              'fanOutRuns: the run stream of input 1 ended without emitting anything',
            ),
          },
        ],
      });
    });
  });

  it('sorts by index whatever order the inputs were first seen in', () => {
    const items: FanOutItem<string, AssistantStreamEvent>[] = [
      { index: 2, input: 'q2', event: event('thread.run.created', run('queued', { id: 'run_2' })) },
      { index: 0, input: 'q0', error: 'nope' },
      { index: 1, input: 'q1', event: event('thread.run.completed', run('completed')) },
      { index: 2, input: 'q2', event: event('thread.run.failed', run('failed', { id: 'run_2' })) },
    ];
    const emitted: RunResult<string>[][] = [];
    from(items)
      .pipe(collectRuns())
      .subscribe((results) => emitted.push(results));

    expect(emitted).toHaveLength(1);
    const [results] = emitted as [RunResult<string>[]];
    expect(results.map((result) => result.index)).toEqual([0, 1, 2]);
    expect(results[2]?.run).toEqual(run('failed', { id: 'run_2' }));
    expect(results[0]?.error).toBe('nope');
    expect(Object.hasOwn(results[1]!, 'error')).toBe(false);
    expect(Object.hasOwn(results[2]!, 'error')).toBe(false);
  });

  it('emits [] for an empty source, and only the error of a failing one', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        a: { index: 0, input: 'q0', event: event('thread.run.created', run('queued')) },
      };
      const empty = cold<FanOutItem<string, AssistantStreamEvent>>('|');
      const failing = cold<FanOutItem<string, AssistantStreamEvent>>('-a-a-#', values);

      expectObservable(empty.pipe(collectRuns())).toBe('(r|)', { r: [] });
      expectObservable(failing.pipe(collectRuns())).toBe('-----#');
    });
  });

  it('keeps separate results for each subscription', () => {
    const subject = new Subject<FanOutItem<string, AssistantStreamEvent>>();
    const reply = message('assistant', 'completed', ['Hi']);
    const collected = subject.pipe(collectRuns<string>());
    const first: RunResult<string>[][] = [];
    const second: RunResult<string>[][] = [];
    collected.subscribe((results) => first.push(results));
    collected.subscribe((results) => second.push(results));

    subject.next({ index: 0, input: 'q0', event: event('thread.message.completed', reply) });
    subject.complete();

    const expected = [[{ index: 0, input: 'q0', run: undefined, replies: [reply], text: 'Hi' }]];
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    expect(first[0]).not.toBe(second[0]);
  });
});
