import { type Observable, Subject } from 'rxjs';
import { runEvent, type RunEventName, type RunEventOf } from '../backend/runEvent';
import type { AssistantStreamEvent, Message, Run, RunStep } from '../backend/types';
import type { Runtime } from './records';

/** The names of the events whose data is exactly `D` (a `Run`, a `RunStep`, a `Message`). */
type EventNamesOf<D> = {
  [N in RunEventName]: RunEventOf<N>['data'] extends D ? N : never;
}[RunEventName];

/** The events that carry a whole step: `thread.run.step.created`, `.in_progress`, `.completed`... */
export type StepEventName = EventNamesOf<RunStep>;

/** The events that carry a whole message: `thread.message.created`, `.in_progress`, `.completed`... */
export type MessageEventName = EventNamesOf<Message>;

/**
 * The records of one active run and its event bus. Every write the engine
 * makes to the run, its steps and its messages goes through here, and each
 * one announces itself with the event of the API's stream, so the store and
 * the run's events never disagree. The bus is live: a subscriber sees the
 * events from its subscription on, until {@link RunRecorder.end}.
 *
 * ## Example
 *
 * ```ts
 * import { RunRecorder } from 'src/local/RunRecorder';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const runtime = { store: memoryStore(), now: () => 0, newId: (p: string) => `${p}_1` };
 * const recorder = new RunRecorder(runtime, 'run_1');
 * recorder.events$.subscribe((event) => console.log(event.event));
 * // recorder.updateRun({ status: 'in_progress' }) stores the run and logs 'thread.run.in_progress'.
 * ```
 */
export class RunRecorder {
  private readonly bus = new Subject<AssistantStreamEvent>();

  constructor(
    private readonly runtime: Runtime,
    readonly runId: string,
  ) {}

  /** The run's events from now on, until it ends. */
  get events$(): Observable<AssistantStreamEvent> {
    return this.bus.asObservable();
  }

  /** The run as stored. */
  run(): Run {
    return this.runtime.store.get('run', this.runId)!;
  }

  step(stepId: string): RunStep {
    return this.runtime.store.get('step', stepId)!;
  }

  message(messageId: string): Message {
    return this.runtime.store.get('message', messageId)!;
  }

  /** Stores the run with `patch`; a new `status` is announced as `thread.run.<status>`. */
  updateRun(patch: Partial<Run>): Run {
    const run = { ...this.run(), ...patch };
    this.runtime.store.put('run', run);
    if (patch.status) this.emit(`thread.run.${patch.status}` as const, run);
    return run;
  }

  /** Stores a step, announced by `event` if given. */
  putStep(step: RunStep, event?: StepEventName): void {
    this.runtime.store.put('step', step);
    if (event) this.emit(event, step);
  }

  /** Stores a message, announced by `event` if given. */
  putMessage(message: Message, event?: MessageEventName): void {
    this.runtime.store.put('message', message);
    if (event) this.emit(event, message);
  }

  /** Announces an event without storing anything (a delta, or a status already stored). */
  emit<N extends RunEventName>(event: N, data: RunEventOf<N>['data']): void {
    this.bus.next(runEvent(event, data));
  }

  /** Ends the bus: the run has ended, or its thread is gone. */
  end(): void {
    this.bus.complete();
  }
}
