import {
  concatMap,
  defer,
  EMPTY,
  map,
  type Observable,
  repeat,
  type SchedulerLike,
  startWith,
  switchMap,
  takeWhile,
  tap,
  timer,
} from 'rxjs';
import type { Run } from '../backend/types';
import { checkTimeout, deadline } from '../internal/deadline';
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
  /** The delay before the first poll, in ms (not after a kick). Default 0: at once. */
  first?: number;
}

/**
 * Polls on a scheduler until a tick says it is done. The next poll is
 * scheduled only after the previous one has answered, so polls never overlap.
 *
 * It is built from rxjs's own operators, so that teardown is correct by
 * construction: a cycle polls at once (the first one after `first`) and
 * again after each delay (`repeat`
 * with a `timer` on the scheduler); a kick starts a new cycle (`switchMap`,
 * which aborts the poll in flight or the pending timer); `takeWhile` ends on
 * the done tick. Unsubscribing, even from inside `next`, stops everything: no
 * request is made after it. A tick's values are emitted in order, before those
 * of a poll that a kick during their emission started.
 */
export function pollLoop<V>(config: PollLoopConfig<V>): Observable<V> {
  const { scheduler, policy, timeout } = config;
  checkTimeout(timeout);
  const loop$ = defer(() => {
    const poll = config.start();
    /** Polls now, then after each delay of the policy; the backoff starts afresh. */
    const cycle = () =>
      defer(() => {
        let attempt = 0;
        let last: PollTick<V> | undefined;
        return defer(poll).pipe(
          tap((tick) => {
            attempt = tick.changed ? 0 : attempt + 1;
            last = tick;
          }),
          repeat({
            delay: () => timer(pollDelay(policy, attempt, last?.run, last?.hint), scheduler),
          }),
        );
      });
    const first = config.first ?? 0;
    return (config.kick$ ?? EMPTY).pipe(
      map(() => 0),
      startWith(first),
      switchMap((wait) =>
        wait > 0 ? timer(wait, scheduler).pipe(concatMap(() => cycle())) : cycle(),
      ),
      takeWhile((tick) => !tick.done, true),
      concatMap((tick) => tick.values),
    );
  });
  if (timeout === undefined) return loop$;
  return loop$.pipe(deadline(timeout, scheduler, () => config.onTimeout?.()));
}
