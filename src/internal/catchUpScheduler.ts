import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';

type Pending = { due: number; seq: number; run(): void; real: Subscription };

/**
 * A scheduler over `base` whose due actions can also be run on demand by
 * `catchUp()`: in time order, ties in scheduling order, each seeing `now()`
 * at its own due time. A request at frame N then sees every action due by N.
 *
 * ## Example
 *
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { CatchUpScheduler } from 'src/internal/catchUpScheduler';
 *
 * const scheduler = new CatchUpScheduler(asyncScheduler);
 * scheduler.schedule(() => console.log('due'), 0);
 * scheduler.catchUp(); // logs 'due' now, not at the next tick
 * ```
 */
export class CatchUpScheduler implements SchedulerLike {
  private readonly queue = new Set<Pending>();
  private seq = 0;
  private running?: number;

  constructor(private readonly base: SchedulerLike) {}

  now(): number {
    return this.running ?? this.base.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) {
    const action = Object.assign(new Subscription(() => this.queue.delete(pending)), {
      schedule: (next?: T, after?: number) => this.schedule(work, after, next),
    });
    const real = this.base.schedule(() => this.catchUp(), delay);
    const pending = {
      due: this.now() + delay,
      seq: this.seq++,
      run: () => work.call(action, state),
      real,
    };
    this.queue.add(pending);
    action.add(real);
    return action;
  }

  /** Runs every action due by now, earliest first. */
  catchUp(): void {
    for (let next = this.due(); next; next = this.due()) {
      this.queue.delete(next);
      next.real.unsubscribe();
      const outer = this.running;
      this.running = next.due;
      try {
        next.run();
      } finally {
        this.running = outer;
      }
    }
  }

  private due(): Pending | undefined {
    let next: Pending | undefined;
    for (const p of this.queue) {
      const first = !next || p.due < next.due || (p.due === next.due && p.seq < next.seq);
      if (p.due <= this.base.now() && first) next = p;
    }
    return next;
  }
}
