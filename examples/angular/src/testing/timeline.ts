import { TestBed } from '@angular/core/testing';
import { rxAssistants } from 'rx-assistants';
import { createTestScheduler, timelineBackend, type TimelineBackend } from 'rx-assistants/testing';
import { RX_ASSISTANTS } from '../app/assistants.service';

/** A TestScheduler that compares frames with Vitest's deep equality. */
export const testScheduler = () =>
  createTestScheduler((actual, expected) => expect(actual).toEqual(expected));

/**
 * Provides the app's client over a timeline backend: every run is queued at
 * 0 ms, in progress at 10 ms, completed at 30 ms, and the client polls every
 * 10 ms. Call it inside `testScheduler().run()`, so that all of it runs in
 * virtual time.
 */
export function provideTimeline(runs = 'q 9ms i 19ms c') {
  const backend = timelineBackend({ runs, reply: 'x = 2' });
  TestBed.configureTestingModule({
    providers: [{ provide: RX_ASSISTANTS, useValue: rxAssistants(backend, { poll: 10 }) }],
  });
  return backend;
}

/**
 * The requests of the log that created a run: `runs.create` on a thread, or
 * `threads.createAndRun` (a new thread and its run, as `ask` does).
 */
export const runsCreated = (backend: TimelineBackend) =>
  backend.log.filter((request) => ['runs.create', 'threads.createAndRun'].includes(request.op));
