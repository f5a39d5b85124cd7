import { TestBed } from '@angular/core/testing';
import { isRunEvent, replyText } from 'rx-assistants';
import { filter, map } from 'rxjs';
import { AssistantsService } from './assistants.service';
import { provideTimeline, runsCreated, testScheduler } from '../testing/timeline';

describe('AssistantsService', () => {
  it('asks the tutor: a run through queued, in_progress and completed', () => {
    testScheduler().run(({ expectObservable }) => {
      provideTimeline();
      const events$ = TestBed.inject(AssistantsService).ask('Solve 2x + 3 = 7');

      expectObservable(
        events$.pipe(
          filter(isRunEvent),
          map((event) => event.event),
        ),
      ).toBe('(ab) 6ms c 19ms (d|)', {
        a: 'thread.run.created',
        b: 'thread.run.queued',
        c: 'thread.run.in_progress',
        d: 'thread.run.completed',
      });
    });
  });

  it('creates the tutor once; each subscription to a question starts a run of its own', () => {
    testScheduler().run(({ flush }) => {
      const backend = provideTimeline();
      const tutor = TestBed.inject(AssistantsService);

      // The obvious code: two subscribers to one cold stream, two runs.
      const events$ = tutor.ask('Solve 2x + 3 = 7');
      events$.pipe(filter(isRunEvent)).subscribe();
      events$.pipe(replyText()).subscribe();
      flush();

      expect(backend.log.filter((request) => request.op === 'assistants.create')).toHaveLength(1);
      expect(runsCreated(backend)).toHaveLength(2);
    });
  });
});
