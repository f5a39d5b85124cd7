import {
  Observable,
  type Observer,
  type SchedulerLike,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';

/**
 * A client's gate: at most `limit` requests in flight at once, the others
 * wait their turn in order; and a pause (after a 429) that holds every new
 * request until it is over, not just the one that was refused.
 */
export class RequestGate {
  private inFlight = 0;
  private readonly waiting: Array<Ticket<unknown>> = [];
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
    return new Observable<T>((subscriber) => this.enter(request$, subscriber, untilFirstValue));
  }

  /**
   * What subscribing to `through(request$, untilFirstValue)` does, for an
   * `observer` of its own (one subscriber fewer, for the requests of every
   * run): the returned teardown leaves the gate and stops the request.
   */
  enter<T>(
    request$: Observable<T>,
    observer: Observer<T>,
    untilFirstValue = false,
  ): Unsubscribable {
    const ticket = new Ticket(this, request$, observer, untilFirstValue);
    this.waiting.push(ticket as Ticket<unknown>);
    this.dispatch();
    return ticket;
  }

  /** For its tickets: a place is free again. */
  released(): void {
    this.inFlight--;
    this.dispatch();
  }

  /** For its tickets: a request is unsubscribed, sent or still waiting. */
  leave(ticket: Ticket<unknown>): void {
    const index = this.waiting.indexOf(ticket);
    if (index !== -1) this.waiting.splice(index, 1);
    ticket.release();
    if (this.waiting.length === 0) this.stopWaking();
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
    while (this.inFlight < this.limit && this.waiting.length > 0) {
      this.inFlight++;
      this.waiting.shift()!.send();
    }
  }
}

/**
 * One request's place at a gate: the request is sent when the gate lets it
 * through, and its place given back when it ends (or, for an event stream,
 * at its first value). One object rather than a closure for each of these
 * steps: every request of the client has one.
 */
class Ticket<T> implements Observer<T>, Unsubscribable {
  private held = false;
  private left = false;
  private sent?: Subscription;

  constructor(
    private readonly gate: RequestGate,
    private readonly request$: Observable<T>,
    private readonly observer: Observer<T>,
    private readonly untilFirstValue: boolean,
  ) {}

  /** Sends the request: the gate has counted it in flight. */
  send(): void {
    this.held = true;
    const sent = this.request$.subscribe(this);
    if (this.left) sent.unsubscribe();
    else this.sent = sent;
  }

  next(value: T): void {
    if (this.untilFirstValue) this.release();
    this.observer.next(value);
  }

  error(error: unknown): void {
    this.release();
    this.observer.error(error);
  }

  complete(): void {
    this.release();
    this.observer.complete();
  }

  /** Gives the place back, once. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.gate.released();
  }

  /** The teardown of the subscription: leaves the gate, and stops the request. */
  unsubscribe(): void {
    this.left = true;
    this.gate.leave(this as Ticket<unknown>);
    this.sent?.unsubscribe();
  }
}
