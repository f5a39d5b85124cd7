import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Another page: leaving the tutor for it cancels a run still going. */
@Component({
  selector: 'app-about',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<p>
    rx-assistants turns the Assistants API into RxJS Observables. Leaving the tutor while a run is
    going cancels the run.
  </p>`,
})
export class About {}
