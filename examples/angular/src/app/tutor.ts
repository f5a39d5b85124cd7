import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  distinctUntilChanged,
  map,
  shareReplay,
  Subject,
  switchMap,
  takeUntil,
  type Observable,
} from 'rxjs';
import { AssistantsService } from './assistants.service';
import { runState, wasCancelled, type RunState } from './run-state';

/** Ask the tutor a question; see each status of its run live, then its reply. */
@Component({
  selector: 'app-tutor',
  imports: [AsyncPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form (submit)="$event.preventDefault(); ask(question.value)">
      <input #question name="question" aria-label="Question" value="Solve 2x + 3 = 7" />
      <button type="submit">Ask</button>
      <button type="button" (click)="cancel()" [disabled]="!running()">Cancel</button>
    </form>
    <ol class="statuses" aria-label="Run statuses">
      @for (status of statuses$ | async; track $index) {
        <li data-testid="status">{{ status }}</li>
      }
    </ol>
    @if (reply(); as text) {
      <p class="reply" data-testid="reply">{{ text }}</p>
    }
    @if (note(); as text) {
      <p data-testid="note">{{ text }}</p>
    }
  `,
})
export class Tutor {
  private readonly assistants = inject(AssistantsService);
  private readonly questions = new Subject<string>();
  private readonly cancels = new Subject<void>();

  /**
   * The state of the latest question's run. Everything below watches this one
   * stream, so it is shared: without `shareReplay`, the async pipe and each
   * `toSignal` would subscribe to `ask` on their own, and every question would
   * start one run per watcher. `refCount: true` keeps cancel-on-unsubscribe:
   * when the last watcher goes (the page is left), `ask` is unsubscribed and
   * cancels its run. A new question switches to a new run, cancelling the
   * previous one if it is still going.
   */
  readonly state$: Observable<RunState> = this.questions.pipe(
    switchMap((question) =>
      this.assistants.ask(question).pipe(takeUntil(this.cancels), runState()),
    ),
    shareReplay({ bufferSize: 1, refCount: true }),
  );

  /** Live statuses, for the async pipe. */
  readonly statuses$ = this.state$.pipe(
    map((state) => state.statuses),
    distinctUntilChanged(),
  );
  /** The reply, as a signal. */
  readonly reply = toSignal(this.state$.pipe(map((state) => state.reply)));
  readonly running = toSignal(this.state$.pipe(map((state) => !state.done)), {
    initialValue: false,
  });
  readonly note = toSignal(
    this.state$.pipe(map((state) => state.error ?? (wasCancelled(state) ? 'Cancelled.' : ''))),
  );

  ask(question: string): void {
    this.questions.next(question);
  }

  /** Lets the run go: `ask` is unsubscribed, and cancels it. */
  cancel(): void {
    this.cancels.next();
  }
}
