import {
  concatMap,
  defer,
  ignoreElements,
  Observable,
  type ObservableInput,
  type Observer,
  of,
  type Subscriber,
  throwError,
} from 'rxjs';
import type { RequestOptions } from '../backend/AssistantsBackend';
import { isAbortError, isRetryable, mayHaveTakenEffect } from './RetryPolicy';
import { newIdempotencyKey, type Resilience, waitToRetry } from './resilientBackend';

/** A request that answers with an event stream, and what follows it. */
export interface StreamRequest<E> {
  /** Sends the request with these options (the same across its retries). */
  send: (options: RequestOptions) => Observable<E>;
  /**
   * After a failure before the first event that may have taken effect: the
   * events to follow instead (by polling, since a run's stream cannot be
   * opened again), or `undefined` to send the request again.
   */
  recover: (startedAt: number) => Observable<Observable<E> | undefined>;
  /** The error to raise for a stream that fails after its first event. */
  interrupted: (cause: unknown) => unknown;
  /** What follows once the events complete, given the last one (`undefined` if none). */
  then: (last: E | undefined) => ObservableInput<E>;
}

/**
 * A request that answers with an event stream (a run created or tool outputs
 * submitted with `stream: true`), made resilient before its first event: it
 * goes through the client's gate (holding a place until the first event) with
 * an `Idempotency-Key` that stays the same across its retries. A failure
 * before the first event that may have taken effect asks `recover` whether it
 * did: `recover` then gives the events to follow instead, or `undefined` to
 * send the request again. An error after the first event is the stream's
 * own: `interrupted` turns it into the error to raise. Once the events (the
 * stream's, or those `recover` gave) complete, the Observable that `then`
 * returns for the last of them follows.
 */
export function streamRequest<E>(r: Resilience, request: StreamRequest<E>): Observable<E> {
  return new Observable<E>((subscriber) => new StreamAttempts(r, request, subscriber).send());
}

/**
 * One subscription's attempts, and the observer of each: one object rather
 * than `defer`, `catchError` and `concatWith` with their closures and
 * subscribers (every event of every streamed run passes through here).
 */
class StreamAttempts<E> implements Observer<E> {
  private readonly options: RequestOptions = { idempotencyKey: newIdempotencyKey() };
  private readonly startedAt: number;
  /** The attempt in flight, from 0. */
  private attempt = 0;
  /** Whether the attempt in flight has had its first event. */
  private started = false;
  /** Whether the events now followed are those `recover` gave, not a stream's. */
  private recovered = false;
  private last: E | undefined;

  constructor(
    private readonly r: Resilience,
    private readonly request: StreamRequest<E>,
    private readonly subscriber: Subscriber<E>,
  ) {
    this.startedAt = r.retry.scheduler.now();
  }

  /** Sends the request (again) through the gate, its place held until the first event. */
  send(): void {
    this.started = false;
    this.subscriber.add(this.r.gate.enter(this.request.send(this.options), this, true));
  }

  next(event: E): void {
    this.started = true;
    this.last = event;
    this.subscriber.next(event);
  }

  complete(): void {
    defer(() => this.request.then(this.last)).subscribe(this.subscriber);
  }

  error(error: unknown): void {
    const { r, request, subscriber, attempt: n } = this;
    if (this.recovered || isAbortError(error)) return subscriber.error(error);
    if (this.started) return subscriber.error(request.interrupted(error));
    const retryable = isRetryable(error) && n < r.retry.retries;
    const check$ =
      n > 0 || mayHaveTakenEffect(error) ? request.recover(this.startedAt) : of(undefined);
    let again = false;
    subscriber.add(
      check$
        .pipe(
          concatMap((events$) => {
            if (events$) {
              this.recovered = true;
              return events$;
            }
            if (!retryable) return throwError(() => error);
            again = true;
            return waitToRetry(r, n, error).pipe(ignoreElements());
          }),
        )
        .subscribe({
          next: (event) => this.next(event),
          error: (failure: unknown) => subscriber.error(failure),
          complete: () => {
            if (!again) return this.complete();
            this.attempt = n + 1;
            this.send();
          },
        }),
    );
  }
}
