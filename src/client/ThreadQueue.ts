import { AsyncSubject, concatMap, defer, EMPTY, Observable, take } from 'rxjs';

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
    return defer(() => new QueueTurn(this.tails, threadId).run(job));
  }

  /** How many threads have a job running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}

/**
 * One job's turn on its thread: it starts once the job before has ended (at
 * once on a free thread), and the thread is free again once the job and the
 * work given to `releaseAfter` have settled. One object, not a closure for
 * each step: every run has one.
 */
class QueueTurn implements QueueLock {
  private readonly previous: AsyncSubject<void> | undefined;
  private readonly done = new AsyncSubject<void>();
  private settle: Observable<unknown> = EMPTY;

  constructor(
    private readonly tails: Map<string, AsyncSubject<void>>,
    private readonly threadId: string,
  ) {
    this.previous = tails.get(threadId);
    tails.set(threadId, this.done);
  }

  /**
   * The job, once its turn has come; the thread is released at its end. What
   * `finalize` does, without a subscriber of its own: the job's subscriber is
   * this one's, and every event of every run passes through it.
   */
  run<T>(job: (lock: QueueLock) => Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.afterTurn(() => job(this)).subscribe(subscriber);
      return () => this.release();
    });
  }

  releaseAfter(work$: Observable<unknown>): void {
    this.settle = work$;
  }

  /** `next()` once the job before has ended (at once on a free thread). */
  private afterTurn<R>(next: () => Observable<R>): Observable<R> {
    return this.previous ? this.previous.pipe(take(1), concatMap(next)) : next();
  }

  private release(): void {
    const free = () => {
      if (this.tails.get(this.threadId) === this.done) this.tails.delete(this.threadId);
      this.done.next();
      this.done.complete();
    };
    this.afterTurn(() => this.settle).subscribe({ complete: free, error: free });
  }
}
