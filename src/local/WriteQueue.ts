import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { AssistantStreamEvent } from '../backend/types';
import type { AssistantsStore, StoredKind, StoreWrite } from './storePort';

/** How long a put that no event announces waits for a write to go with, at most, in ms. */
const LATER = 200;

/** What the recorder has to do, in order: a write, an event to announce, the end, a flush. */
type Task =
  | { write: StoreWrite }
  | { event: AssistantStreamEvent }
  | { end: true }
  | { flushed: (error?: unknown) => void };

/** What a {@link WriteQueue} tells its owner, in the order of its tasks. */
export interface WriteQueueListener {
  /** An event whose writes before it are stored. */
  event(event: AssistantStreamEvent): void;
  /** The end, every write before it stored. */
  end(): void;
  /** The store failed a write: the queue stops. */
  failed(error: unknown): void;
}

/**
 * The writes of one run, to the store in order, and its events, each told
 * once every write before it is stored (see {@link RunRecorder}).
 *
 * ## Example
 *
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { WriteQueue } from 'src/local/WriteQueue';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const queue = new WriteQueue(memoryStore(), asyncScheduler, {
 *   event: (event) => console.log(event.event),
 *   end: () => console.log('end'),
 *   failed: console.error,
 * });
 * queue.end(); // logs 'end' once the writes before are stored
 * ```
 */
export class WriteQueue {
  private tasks: Task[] = [];
  private writing?: Subscription;
  private inFlight = false;
  private failure?: { error: unknown };
  /** Puts no event announces (a message or step growing by deltas), kept until a write carries them. */
  private readonly unwritten = new Map<string, StoreWrite>();
  private unwrittenTimer?: Subscription;
  /** Whether the store has answered every write as it was asked (the memory store). */
  private answersAtOnce = true;

  constructor(
    private readonly store: AssistantsStore,
    private readonly scheduler: SchedulerLike,
    private readonly listener: WriteQueueListener,
  ) {}

  /** Tells `event` once every write before it is stored. */
  event(event: AssistantStreamEvent): void {
    this.queue({ event });
  }

  /** Ends once every write before is stored. */
  end(): void {
    this.queue({ end: true });
  }

  /** Ends without writing what is not on its way to the store yet. */
  abandon(): void {
    this.unwritten.clear();
    this.unwrittenTimer?.unsubscribe();
    this.tasks = this.tasks.filter((task) => !('write' in task));
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

  /**
   * Queues a write. A put that no event announces, on a store that answers
   * later, waits for the next write (or `LATER` ms) and goes with it: the
   * deltas of a message cost one write per batch of them.
   */
  write(write: StoreWrite, unannounced: boolean): void {
    if (!unannounced || this.answersAtOnce || write.op !== 'put') return this.queue({ write });
    this.unwritten.set(`${write.kind}:${write.record.id}`, write);
    this.unwrittenTimer ??= this.scheduler.schedule(() => {
      this.unwrittenTimer = undefined;
      this.queue({ flushed: () => {} });
    }, LATER);
  }

  private queue(task: Task): void {
    if (this.failure) {
      if ('flushed' in task) task.flushed(this.failure.error);
      return;
    }
    // What waits for a write goes with this one, and before it.
    if (!('event' in task) && this.unwritten.size > 0) {
      for (const write of this.unwritten.values()) this.tasks.push({ write });
      this.unwritten.clear();
      this.unwrittenTimer?.unsubscribe();
      this.unwrittenTimer = undefined;
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
        this.answersAtOnce = false;
        return;
      }
      this.deliver(batch);
    }
  }

  private deliver(batch: readonly Task[]): void {
    for (const task of batch) {
      if ('event' in task) this.listener.event(task.event);
      else if ('end' in task) this.listener.end();
      else if ('flushed' in task) task.flushed();
    }
  }

  private fail(error: unknown, batch: readonly Task[]): void {
    if (this.failure) return;
    this.failure = { error };
    this.writing?.unsubscribe();
    this.unwrittenTimer?.unsubscribe();
    this.unwritten.clear();
    for (const task of [...batch, ...this.tasks]) if ('flushed' in task) task.flushed(error);
    this.tasks = [];
    this.listener.failed(error);
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
