import { Observable, Subject, type Subscription } from 'rxjs';
import { runEvent, type RunEventName, type RunEventOf } from '../backend/runEvent';
import type { AssistantStreamEvent, Message, Run, RunStep } from '../backend/types';
import type { AssistantsStore, StoredKind, StoreWrite } from './storePort';

/** The names of the events whose data is exactly `D` (a `Run`, a `RunStep`, a `Message`). */
type EventNamesOf<D> = {
  [N in RunEventName]: RunEventOf<N>['data'] extends D ? N : never;
}[RunEventName];

/** The events that carry a whole step: `thread.run.step.created`, `.in_progress`, `.completed`... */
export type StepEventName = EventNamesOf<RunStep>;

/** The events that carry a whole message: `thread.message.created`, `.in_progress`, `.completed`... */
export type MessageEventName = EventNamesOf<Message>;

/** What the recorder has to do, in order: a write, an event to announce, the end, a flush. */
type Task =
  | { write: StoreWrite }
  | { event: AssistantStreamEvent }
  | { end: true }
  | { flushed: (error?: unknown) => void };

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
 * puts of one record merged into its last (a message growing delta by delta
 * costs one write per batch, not one per delta). On the memory store every
 * write is done when it is made, and so is every announcement.
 *
 * The bus is live: a subscriber sees the events from its subscription on,
 * until {@link RunRecorder.end}. If the store fails a write, the bus errors
 * with the store's error and the recorder stops.
 *
 * ## Example
 *
 * ```ts
 * import { RunRecorder } from 'src/local/RunRecorder';
 * import type { Run } from 'rx-assistants';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * declare const run: Run; // as stored
 * const recorder = new RunRecorder(memoryStore(), run, () => {});
 * recorder.events$.subscribe((event) => console.log(event.event));
 * // recorder.updateRun({ status: 'in_progress' }) stores the run and logs 'thread.run.in_progress'.
 * ```
 */
export class RunRecorder {
  private readonly bus = new Subject<AssistantStreamEvent>();
  private current: Run;
  private readonly steps = new Map<string, RunStep>();
  private readonly messages = new Map<string, Message>();
  private tasks: Task[] = [];
  private writing?: Subscription;
  private inFlight = false;
  private failure?: { error: unknown };

  /**
   * @param store Where the run's records go.
   * @param run The run as stored.
   * @param failed Called once if the store fails a write.
   */
  constructor(
    private readonly store: AssistantsStore,
    run: Run,
    private readonly failed: (error: unknown) => void,
  ) {
    this.current = run;
  }

  get runId(): string {
    return this.current.id;
  }

  /** The run's events from now on, until it ends. */
  get events$(): Observable<AssistantStreamEvent> {
    return this.bus.asObservable();
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
    this.queue({ write: { op: 'put', kind: 'run', record: run } });
    if (patch.status) this.emit(`thread.run.${patch.status}` as const, run);
    return run;
  }

  /** Stores a step, announced by `event` if given. */
  putStep(step: RunStep, event?: StepEventName): void {
    this.steps.set(step.id, step);
    this.queue({ write: { op: 'put', kind: 'step', record: step } });
    if (event) this.emit(event, step);
  }

  /** Stores a message, announced by `event` if given. */
  putMessage(message: Message, event?: MessageEventName): void {
    this.messages.set(message.id, message);
    this.queue({ write: { op: 'put', kind: 'message', record: message } });
    if (event) this.emit(event, message);
  }

  /** Announces an event without storing anything (a delta, or a status already stored). */
  emit<N extends RunEventName>(event: N, data: RunEventOf<N>['data']): void {
    this.queue({ event: runEvent(event, data) });
  }

  /** Ends the bus, once every write before is stored: the run has ended, or its thread is gone. */
  end(): void {
    this.queue({ end: true });
  }

  /** Emits (then completes) once every write made so far is stored; errors if the store failed one. */
  flushed(): Observable<void> {
    return new Observable<void>((subscriber) =>
      this.queue({
        flushed: (error) => {
          if (error !== undefined) return subscriber.error(error);
          subscriber.next();
          subscriber.complete();
        },
      }),
    );
  }

  private queue(task: Task): void {
    if (this.failure) {
      if ('flushed' in task) task.flushed(this.failure.error);
      return;
    }
    this.tasks.push(task);
    this.drain();
  }

  /**
   * Writes the tasks' writes in batches, each batch's announcements once it
   * is stored. A task queued while a batch is announced (a listener that
   * writes) is written at once unless a write is under way: on a store that
   * answers at once, as before the announcement's other listeners hear it.
   */
  private drain(): void {
    while (!this.inFlight && this.tasks.length > 0 && !this.failure) {
      const batch = this.tasks;
      this.tasks = [];
      const writes = mergedWrites(batch);
      if (writes.length === 0) {
        this.deliver(batch);
        continue;
      }
      let answered = false;
      let waiting = false;
      this.inFlight = true;
      this.writing = this.store.write(writes).subscribe({
        error: (error: unknown) => this.fail(error, batch),
        complete: () => {
          this.inFlight = false;
          answered = true;
          if (!waiting) return;
          // Stored later: announce, then go on with what queued up meanwhile.
          this.deliver(batch);
          this.drain();
        },
      });
      if (!answered) {
        waiting = true;
        return;
      }
      this.deliver(batch);
    }
  }

  private deliver(batch: readonly Task[]): void {
    for (const task of batch) {
      if ('event' in task) this.bus.next(task.event);
      else if ('end' in task) this.bus.complete();
      else if ('flushed' in task) task.flushed();
    }
  }

  private fail(error: unknown, batch: readonly Task[]): void {
    if (this.failure) return;
    this.failure = { error };
    this.writing?.unsubscribe();
    for (const task of [...batch, ...this.tasks]) if ('flushed' in task) task.flushed(error);
    this.tasks = [];
    this.bus.error(error);
    this.failed(error);
  }
}

/** The writes of `tasks`, in order, the puts of one record merged into the first's place. */
function mergedWrites(tasks: readonly Task[]): StoreWrite[] {
  const writes: StoreWrite[] = [];
  const at = new Map<string, number>();
  for (const task of tasks) {
    if (!('write' in task)) continue;
    const write = task.write;
    if (write.op !== 'put') {
      writes.push(write);
      continue;
    }
    const key = `${write.kind satisfies StoredKind}:${write.record.id}`;
    const index = at.get(key);
    if (index === undefined) at.set(key, writes.push(write) - 1);
    else writes[index] = write;
  }
  return writes;
}
