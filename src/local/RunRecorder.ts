import { Observable, type SchedulerLike, Subject } from 'rxjs';
import { runEvent, type RunEventName, type RunEventOf } from '../backend/runEvent';
import type { AssistantStreamEvent, Message, Run, RunStep } from '../backend/types';
import { EventPublisher, TextOffsets } from './sharedEvents';
import type { AssistantsStore, SharedRunEvent } from './storePort';
import { WriteQueue } from './WriteQueue';

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
 * the run's events never disagree.
 *
 * The engine reads the run, its steps and messages from here (it is their one
 * writer while the run is active). Writes reach the store in order; an event
 * is announced only once every write before it is stored, so what a listener
 * hears is already what a reader finds. While a write is under way, the
 * writes queued behind it go to the store together in the next batch, the
 * puts of one record merged into its last. On a store that answers later, a
 * put that no event announces (a message growing delta by delta) waits for
 * the next write, at most 200 ms: a delta is announced at once, as it is no
 * fact a reader could miss (a turn cut short is redone). On the memory store
 * every write is done when it is made, and so is every announcement.
 *
 * The bus is live: a subscriber sees the events from its subscription on,
 * until {@link RunRecorder.end}. If the store fails a write, the bus errors
 * with the store's error and the recorder stops.
 *
 * ## Example
 *
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { RunRecorder } from 'src/local/RunRecorder';
 * import type { Run } from 'rx-assistants';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * declare const run: Run; // as stored
 * const recorder = new RunRecorder(memoryStore(), run, () => {}, asyncScheduler);
 * recorder.events$.subscribe((event) => console.log(event.event));
 * // recorder.updateRun({ status: 'in_progress' }) stores the run and logs 'thread.run.in_progress'.
 * ```
 */
export class RunRecorder {
  private readonly bus = new Subject<AssistantStreamEvent>();
  /** The same events with their text offsets, for whoever joins the run mid-way. */
  private readonly shared = new Subject<readonly SharedRunEvent[]>();
  private readonly offsets = new TextOffsets();
  private readonly publisher?: EventPublisher;
  private current: Run;
  private readonly steps = new Map<string, RunStep>();
  private readonly messages = new Map<string, Message>();
  private readonly writes: WriteQueue;

  /**
   * @param store Where the run's records go.
   * @param run The run as stored.
   * @param failed Called once if the store fails a write.
   * @param scheduler When puts that no event announces are written at the latest.
   */
  constructor(
    store: AssistantsStore,
    run: Run,
    failed: (error: unknown) => void,
    scheduler: SchedulerLike,
  ) {
    this.current = run;
    if (store.events) this.publisher = new EventPublisher(store.events, run.id);
    this.writes = new WriteQueue(store, scheduler, {
      event: (event) => {
        this.bus.next(event);
        this.share(event);
      },
      end: () => {
        this.bus.complete();
        this.shared.complete();
      },
      failed: (error) => {
        this.bus.error(error);
        this.shared.error(error);
        this.publisher?.stop();
        failed(error);
      },
    });
  }

  /** Tells `event`, with its text offset, to those who joined and to the store's other processes. */
  private share(event: AssistantStreamEvent): void {
    const at = this.offsets.next(event);
    if (!this.publisher && !this.shared.observed) return;
    const shared: SharedRunEvent = at === undefined ? { event } : { event, at };
    this.publisher?.push(shared);
    this.shared.next([shared]);
  }

  get runId(): string {
    return this.current.id;
  }

  /** The run's events from now on, until it ends. */
  get events$(): Observable<AssistantStreamEvent> {
    return this.bus.asObservable();
  }

  /**
   * The run's events from now on with their text offsets, one per batch,
   * after an empty batch: what a store's `events.listen()` tells of a
   * run executed in this process.
   */
  get live$(): Observable<readonly SharedRunEvent[]> {
    return new Observable((subscriber) => {
      subscriber.next([]);
      return this.shared.subscribe(subscriber);
    });
  }

  /** The run as last written. */
  run(): Run {
    return this.current;
  }

  /** A step this recorder wrote. */
  step(stepId: string): RunStep {
    return this.steps.get(stepId)!;
  }

  /** A message this recorder wrote. */
  message(messageId: string): Message {
    return this.messages.get(messageId)!;
  }

  /** Knows a step (and its message) already stored, as if it had written them. */
  adopt(step: RunStep, message?: Message): void {
    this.steps.set(step.id, step);
    if (message) this.messages.set(message.id, message);
  }

  /** Stores the run with `patch`; a new `status` is announced as `thread.run.<status>`. */
  updateRun(patch: Partial<Run>): Run {
    const run = (this.current = { ...this.current, ...patch });
    this.writes.write({ op: 'put', kind: 'run', record: run }, false);
    if (patch.status) this.emit(`thread.run.${patch.status}` as const, run);
    return run;
  }

  /** Stores a step, announced by `event` if given (else stored with the next write, see the class). */
  putStep(step: RunStep, event?: StepEventName): void {
    this.steps.set(step.id, step);
    this.writes.write({ op: 'put', kind: 'step', record: step }, event === undefined);
    if (event) this.emit(event, step);
  }

  /** Stores a message, announced by `event` if given (else stored with the next write, see the class). */
  putMessage(message: Message, event?: MessageEventName): void {
    this.messages.set(message.id, message);
    this.writes.write({ op: 'put', kind: 'message', record: message }, event === undefined);
    if (event) this.emit(event, message);
  }

  /** Announces an event without storing anything (a delta, or a status already stored). */
  emit<N extends RunEventName>(event: N, data: RunEventOf<N>['data']): void {
    this.writes.event(runEvent(event, data));
  }

  /** Ends the bus, once every write before is stored: the run has ended. */
  end(): void {
    this.writes.end();
  }

  /**
   * Ends the bus without writing what is not on its way to the store yet:
   * the run stops here (its thread is gone, or another process took it up).
   */
  abandon(): void {
    this.publisher?.stop();
    this.writes.abandon();
  }

  /** Emits (then completes) once every write made so far is stored; errors if the store failed one. */
  flushed(): Observable<void> {
    return this.writes.flushed();
  }
}
