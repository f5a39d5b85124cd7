import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Run } from '../backend/types';
import { pollDelay, type PollPolicy } from './PollPolicy';

/** What one poll found. */
export interface PollTick<V> {
  /** The values to emit, in order. */
  values: V[];
  /** Whether anything changed since the previous poll (resets the backoff). */
  changed: boolean;
  /** Whether polling is over: the loop completes after emitting `values`. */
  done: boolean;
  /** The run snapshot the poll saw, handed to the policy. */
  run?: Run;
  /** The server's poll hint, handed to the policy. */
  hint?: number;
}

/** How a {@link pollLoop} runs. */
export interface PollLoopConfig<V> {
  scheduler: SchedulerLike;
  policy: PollPolicy;
  /**
   * Makes the poll function of one subscription: called once per subscribe, so
   * that each subscription has its own state. The poll function returns an
   * Observable of exactly one tick.
   */
  start: () => () => Observable<PollTick<V>>;
  /** A deadline in ms; when it passes, the loop fails with `onTimeout()`. */
  timeout?: number;
  onTimeout?: () => unknown;
  /** Each emission polls again at once, aborting the poll in flight and resetting the backoff. */
  kick$?: Observable<unknown>;
}

/**
 * Polls on a scheduler until a tick says it is done. The next poll is
 * scheduled only after the previous one has answered, so polls never overlap.
 * Unsubscribing aborts the poll in flight and cancels the timer.
 */
export function pollLoop<V>(config: PollLoopConfig<V>): Observable<V> {
  const { scheduler, policy, timeout } = config;
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`timeout must be a finite number of milliseconds ≥ 0, got ${timeout}`);
  }
  return new Observable<V>((subscriber) => {
    const poll = config.start();
    let attempt = 0;
    let inFlight: Subscription | undefined;
    let timer: Subscription | undefined;
    // A kick that comes while a poll's values are being emitted waits for
    // the last of them, so that events keep their order.
    let emitting = false;
    let kicked = false;

    const stop = () => {
      inFlight?.unsubscribe();
      timer?.unsubscribe();
      inFlight = timer = undefined;
    };
    const tick = () => {
      stop();
      inFlight = poll().subscribe({
        next: (result) => {
          inFlight = undefined;
          emitting = true;
          for (const value of result.values) subscriber.next(value);
          emitting = false;
          if (result.done) return subscriber.complete();
          if (kicked) {
            kicked = false;
            return tick();
          }
          attempt = result.changed ? 0 : attempt + 1;
          try {
            const delay = pollDelay(policy, attempt, result.run, result.hint);
            timer = scheduler.schedule(tick, delay);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
      });
    };

    if (timeout !== undefined) {
      subscriber.add(scheduler.schedule(() => subscriber.error(config.onTimeout?.()), timeout));
    }
    if (config.kick$) {
      subscriber.add(
        config.kick$.subscribe(() => {
          attempt = 0;
          if (emitting) kicked = true;
          else tick();
        }),
      );
    }
    tick();
    return stop;
  });
}
