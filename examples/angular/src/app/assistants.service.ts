import { inject, Injectable, InjectionToken } from '@angular/core';
import OpenAI from 'openai';
import { rxAssistants, type RunEvent, type RxAssistants } from 'rx-assistants';
import { localBackend } from 'rx-assistants/local';
import { shareReplay, switchMap, type Observable } from 'rxjs';
import { ASSISTANTS_CONFIG, type AssistantsConfig } from './assistants.config';

/** The reactive client of the configured backend. Tests provide their own. */
export const RX_ASSISTANTS = new InjectionToken<RxAssistants>('RX_ASSISTANTS', {
  providedIn: 'root',
  factory: () => clientFor(inject(ASSISTANTS_CONFIG)),
});

/** An embedded runtime in the page, or the official SDK against a server. */
export function clientFor(config: AssistantsConfig): RxAssistants {
  if (config.mode === 'embedded') return rxAssistants(localBackend());
  return rxAssistants(
    new OpenAI({
      baseURL: config.baseURL,
      apiKey: config.apiKey, // visible to anyone who opens the page: a key for this server only
      dangerouslyAllowBrowser: true,
    }),
  );
}

/** The Math Tutor: questions in, run events out. */
@Injectable({ providedIn: 'root' })
export class AssistantsService {
  private readonly rx = inject(RX_ASSISTANTS);

  /** The tutor, created on first use and shared by every question after it. */
  private readonly tutor$ = this.rx.assistants
    .create({
      name: 'Math Tutor',
      model: 'gpt-4o',
      instructions: 'You are a personal math tutor. Answer questions briefly.',
    })
    .pipe(shareReplay(1));

  /**
   * Asks the tutor on a new thread. The stream is cold: each subscription
   * starts a run of its own, and unsubscribing before the run ends cancels it.
   */
  ask(question: string): Observable<RunEvent> {
    return this.tutor$.pipe(switchMap((tutor) => this.rx.ask(tutor.id, question)));
  }
}
