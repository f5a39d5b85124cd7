import { AsyncPipe } from '@angular/common';
import { Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { TestBed } from '@angular/core/testing';
import { replyText } from 'rx-assistants';
import { provideTimeline, runsCreated, testScheduler } from '../testing/timeline';
import { AssistantsService } from './assistants.service';

/** The obvious code: the async pipe and toSignal on one cold stream. Don't. */
@Component({
  imports: [AsyncPipe],
  template: `<p>{{ (events$ | async)?.event }}</p>
    <p>{{ reply() }}</p>`,
})
class ObviousTutor {
  readonly events$ = inject(AssistantsService).ask('Solve 2x + 3 = 7');
  readonly reply = toSignal(this.events$.pipe(replyText())); // subscribes: one run
  // ... and the async pipe subscribes again: a second run, for the same question.
}

describe('the obvious code', () => {
  it('starts two runs for one question', () => {
    testScheduler().run(({ flush }) => {
      const backend = provideTimeline();
      const fixture = TestBed.createComponent(ObviousTutor);
      fixture.detectChanges();
      flush();

      expect(runsCreated(backend)).toHaveLength(2);
      expect(fixture.componentInstance.reply()).toBe('x = 2');
    });
  });
});
