import { Observable, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * A client's gate: at most `limit` requests in flight at once, the others
 * wait their turn in order; and a pause (after a 429) that holds every new
 * request until it is over, not just the one that was refused.
 */
export class RequestGate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private pausedUntil = -Infinity;
  private wake?: Subscription;

  constructor(
    readonly limit: number,
    private readonly scheduler: SchedulerLike,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) {
      throw new TypeError(`maxInFlight must be an integer ≥ 1, got ${limit}`);
    }
  }

  /**
   * `request$`, subscribed when a place is free and the gate is not paused.
   * The place is held until the request ends, or, with `untilFirstValue`
   * (for event streams), until its first value.
   */
  through<T>(request$: Observable<T>, untilFirstValue = false): Observable<T> {
    return new Observable<T>((subscriber) => {
      let release: (() => void) | undefined;
      const ticket = () => {
        this.inFlight++;
        let held = true;
        release = () => {
          if (!held) return;
          held = false;
          this.inFlight--;
          this.dispatch();
        };
        subscriber.add(
          request$.subscribe({
            next: (value) => {
              if (untilFirstValue) release?.();
              subscriber.next(value);
            },
            error: (error: unknown) => {
              release?.();
              subscriber.error(error);
            },
            complete: () => {
              release?.();
              subscriber.complete();
            },
          }),
        );
      };
      this.waiting.push(ticket);
      this.dispatch();
      return () => {
        const index = this.waiting.indexOf(ticket);
        if (index !== -1) this.waiting.splice(index, 1);
        release?.();
        if (this.waiting.length === 0) this.stopWaking();
      };
    });
  }

  /** Holds every request not yet sent for `ms` from now (longer pauses win). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.scheduler.now() + ms);
    this.stopWaking();
    this.dispatch();
  }

  /** Requests in flight now. */
  get active(): number {
    return this.inFlight;
  }

  private stopWaking(): void {
    this.wake?.unsubscribe();
    this.wake = undefined;
  }

  private dispatch(): void {
    if (this.wake || this.waiting.length === 0) return;
    const wait = this.pausedUntil - this.scheduler.now();
    if (wait > 0) {
      this.wake = this.scheduler.schedule(() => {
        this.wake = undefined;
        this.dispatch();
      }, wait);
      return;
    }
    while (this.inFlight < this.limit && this.waiting.length > 0) this.waiting.shift()!();
  }
}
