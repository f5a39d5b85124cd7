import { AsyncSubject, concatMap, defer, EMPTY, finalize, type Observable, take } from 'rxjs';

/** Lets a queued job hold its thread a little past its own end. */
export interface QueueLock {
  /** The thread is released only once `work$` has completed or failed too. */
  releaseAfter(work$: Observable<unknown>): void;
}

/**
 * Runs jobs on one thread one after the other: the API refuses a message or a
 * run on a thread whose run is still active, so `run` and `ask` wait their
 * turn instead of failing. A job starts when the one before it has ended (or
 * was unsubscribed and has settled); an unsubscribed waiting job simply leaves
 * the queue.
 */
export class ThreadQueue {
  private readonly tails = new Map<string, AsyncSubject<void>>();

  enqueue<T>(threadId: string, job: (lock: QueueLock) => Observable<T>): Observable<T> {
    return defer(() => {
      const previous = this.tails.get(threadId);
      /** `next()` once the job before has ended (at once on a free thread). */
      const afterTurn = <R>(next: () => Observable<R>): Observable<R> =>
        previous ? previous.pipe(take(1), concatMap(next)) : next();
      const done = new AsyncSubject<void>();
      this.tails.set(threadId, done);
      let settle: Observable<unknown> = EMPTY;
      const lock: QueueLock = {
        releaseAfter: (work$) => {
          settle = work$;
        },
      };
      const release = () => {
        const free = () => {
          if (this.tails.get(threadId) === done) this.tails.delete(threadId);
          done.next();
          done.complete();
        };
        afterTurn(() => settle).subscribe({ complete: free, error: free });
      };
      return afterTurn(() => job(lock)).pipe(finalize(release));
    });
  }

  /** How many threads have a job running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
