import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideTimeline, runsCreated, testScheduler } from '../testing/timeline';
import { Tutor } from './tutor';

const texts = (fixture: ComponentFixture<Tutor>, testId: string): string[] =>
  Array.from(
    (fixture.nativeElement as HTMLElement).querySelectorAll(`[data-testid="${testId}"]`),
    (element) => element.textContent?.trim() ?? '',
  );
const button = (fixture: ComponentFixture<Tutor>, label: string): HTMLButtonElement =>
  Array.from((fixture.nativeElement as HTMLElement).querySelectorAll('button')).find(
    (element) => element.textContent?.trim() === label,
  )!;

describe('Tutor', () => {
  it('shows each status live and the reply, from exactly one run', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const backend = provideTimeline();
      const fixture = TestBed.createComponent(Tutor);
      fixture.detectChanges(); // the async pipe subscribes; toSignal did in the constructor
      const tutor = fixture.componentInstance;

      expectObservable(tutor.statuses$).toBe('a 9ms b 19ms c', {
        a: ['queued'],
        b: ['queued', 'in_progress'],
        c: ['queued', 'in_progress', 'completed'],
      });
      button(fixture, 'Ask').click(); // asks "Solve 2x + 3 = 7" at 0 ms
      scheduler.schedule(() => {
        fixture.detectChanges();
        expect(texts(fixture, 'status')).toEqual(['queued', 'in_progress']);
        expect(tutor.reply()).toBeUndefined();
        expect(button(fixture, 'Cancel').disabled).toBe(false);
      }, 15);
      flush();

      fixture.detectChanges();
      expect(texts(fixture, 'status')).toEqual(['queued', 'in_progress', 'completed']);
      expect(tutor.reply()).toBe('x = 2');
      expect(texts(fixture, 'reply')).toEqual(['x = 2']);
      expect(button(fixture, 'Cancel').disabled).toBe(true);
      // Four watchers (the async pipe, three signals) and one run.
      expect(runsCreated(backend)).toHaveLength(1);
      expect(backend.log.filter((request) => request.op === 'runs.cancel')).toHaveLength(0);
    });
  });

  it('cancels the run when the page is left while it is going', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const backend = provideTimeline('q 9ms i'); // never ends
      const fixture = TestBed.createComponent(Tutor);
      fixture.detectChanges();
      button(fixture, 'Ask').click();
      scheduler.schedule(() => fixture.destroy(), 50); // navigating away
      flush();

      const cancels = backend.log.filter((request) => request.op === 'runs.cancel');
      expect(cancels.map((request) => request.args[1])).toEqual(['run_1']);
      expect(cancels[0]?.subscribedAt).toBe(50);
    });
  });

  it('cancels the run with the Cancel button, and says so', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const backend = provideTimeline('q 9ms i');
      const fixture = TestBed.createComponent(Tutor);
      fixture.detectChanges();
      button(fixture, 'Ask').click();
      scheduler.schedule(() => {
        fixture.detectChanges(); // the button is enabled once the run is going
        button(fixture, 'Cancel').click();
      }, 50);
      flush();

      fixture.detectChanges();
      expect(texts(fixture, 'status')).toEqual(['queued', 'in_progress']);
      expect(texts(fixture, 'note')).toEqual(['Cancelled.']);
      expect(button(fixture, 'Cancel').disabled).toBe(true);
      expect(backend.log.filter((request) => request.op === 'runs.cancel')).toHaveLength(1);
      fixture.destroy();
    });
  });

  it('switches to a new question, cancelling the run of the previous one', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const backend = provideTimeline();
      const fixture = TestBed.createComponent(Tutor);
      fixture.detectChanges();
      const tutor = fixture.componentInstance;
      tutor.ask('Solve 2x + 3 = 7');
      scheduler.schedule(() => tutor.ask('Solve 3x + 11 = 14'), 15);
      flush();

      const requests = (op: string) => backend.log.filter((request) => request.op === op);
      expect(runsCreated(backend)).toHaveLength(2);
      expect(requests('runs.cancel').map((request) => request.args[1])).toEqual(['run_1']);
      fixture.detectChanges();
      expect(texts(fixture, 'status')).toEqual(['queued', 'in_progress', 'completed']);
      expect(tutor.reply()).toBe('x = 2');
    });
  });
});
