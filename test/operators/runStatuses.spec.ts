import { describe, expect, it } from 'vitest';
import { concatMap, from, lastValueFrom, toArray } from 'rxjs';
import { rxAssistants, runStatuses } from '../../src';
import type { AssistantStreamEvent, Run, RunStatus, RunStep } from '../../src/backend/types';
import { localBackend } from '../../src/local';
import { timelineBackend } from '../../src/testing';
import { testScheduler } from '../support/scheduler';
import { event, run } from './fixtures';

const statuses = (values: Array<AssistantStreamEvent | Run>) =>
  lastValueFrom(from(values).pipe(runStatuses(), toArray()));

describe('runStatuses()', () => {
  it('tells polled snapshots once each, with the in_progress a poll skipped', async () => {
    const seen = ['queued', 'queued', 'completed'].map((s) => run(s as RunStatus));
    expect(await statuses(seen)).toEqual(['queued', 'in_progress', 'completed']);
  });

  it('tells queued again after a submit, and in_progress before the next round ends', async () => {
    const seen = ['in_progress', 'requires_action', 'requires_action', 'completed'];
    expect(await statuses(seen.map((s) => run(s as RunStatus)))).toEqual([
      'in_progress',
      'requires_action',
      'queued',
      'in_progress',
      'completed',
    ]);
  });

  it('reads run events by name (created is queued), and drops every other event', async () => {
    const values = [
      event('thread.run.created', run('queued')),
      event('thread.run.queued', run('queued')),
      event('thread.run.step.created', { id: 'step_1', status: 'in_progress' } as RunStep),
      // An event's name may be ahead of its data.
      event('thread.run.in_progress', run('queued')),
      event('thread.run.cancelling', run('cancelling')),
      event('thread.run.cancelled', run('cancelled')),
    ];
    expect(await statuses(values)).toEqual(['queued', 'in_progress', 'cancelling', 'cancelled']);
  });

  it('tells a polled run the statuses that came and went between two polls', () => {
    testScheduler().run(({ expectObservable }) => {
      const backend = timelineBackend({ runs: 'q 9ms i 9ms c' });
      const rx = rxAssistants(backend, { poll: 25 });
      backend.assistants.create({ model: 'm' }).subscribe();
      backend.threads.create().subscribe();
      // The poll at 0 sees queued, the poll at 25 completed: in_progress came and went.
      const polled$ = rx.run('thread_1', { assistant_id: 'asst_1' }, { transport: 'poll' });
      expectObservable(polled$.pipe(runStatuses())).toBe('a 24ms (bc|)', {
        a: 'queued',
        b: 'in_progress',
        c: 'completed',
      });
    });
  });

  it('tells a streamed run of the embedded runtime each status as the run reaches it', () => {
    testScheduler().run(({ expectObservable }) => {
      const rx = rxAssistants(localBackend());
      const statuses$ = rx.assistants.create({ model: 'tutor' }).pipe(
        concatMap((assistant) => rx.ask(assistant.id, 'Solve 2x + 3 = 7')),
        runStatuses(),
      );
      // The run starts at once; the tutor writes its 19 words, one every 15 ms, until 270.
      expectObservable(statuses$).toBe('(ab) 266ms (c|)', {
        a: 'queued',
        b: 'in_progress',
        c: 'completed',
      });
    });
  });
});
