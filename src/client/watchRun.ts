import { concatMap, of, type Observable, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { isTerminalStatus } from '../backend/runStatus';
import type { Run } from '../backend/types';
import { RunTimeoutError } from '../errors/RunTimeoutError';
import { firstPollDelay, type PollPolicy } from './PollPolicy';
import type { RetryConfig } from './RetryPolicy';
import { pollLoop, type PollTick } from './pollLoop';

/** Options of `runs.watch`, `runs.events`, `run` and `ask`; each overrides the client's config. */
export interface WatchRunConfig {
  /** The poll interval policy. Default: the client's `poll`, else {@link adaptivePoll}. */
  poll?: PollPolicy;
  /** An overall deadline in ms; past it the stream fails with `RunTimeoutError`. */
  timeout?: number;
  /** The scheduler of every delay. Default: the client's, else `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** How failed requests are retried; merged over the client's `retry`. */
  retry?: RetryConfig;
}

/** A {@link WatchRunConfig} with the client's defaults filled in. */
export interface ResolvedWatchConfig {
  poll: PollPolicy;
  timeout?: number;
  scheduler: SchedulerLike;
  /**
   * Whether the run is one this client has just created, which is surely
   * still working: then its first poll waits the policy's `first` delay.
   * Another run is polled at once, so that its status shows without delay.
   */
  justCreated?: boolean;
}

/** Whether `next` differs from `previous` in what a status stream reports. */
export function runChanged(previous: Run | undefined, next: Run): boolean {
  if (!previous || previous.status !== next.status) return true;
  return (
    next.status === 'requires_action' &&
    JSON.stringify(previous.required_action) !== JSON.stringify(next.required_action)
  );
}

/**
 * Polls one run and turns each poll into a tick through `observe`, which keeps
 * the subscription's own state. Shared by the status stream and the event
 * stream; see `runs.watch` for the semantics.
 */
export function pollRun<V>(
  backend: AssistantsBackend,
  threadId: string,
  runId: string,
  config: ResolvedWatchConfig,
  observe: () => (run: Run, hint: number | undefined) => Observable<PollTick<V>>,
  kick$?: Observable<unknown>,
): Observable<V> {
  let lastRun: Run | undefined;
  return pollLoop<V>({
    scheduler: config.scheduler,
    policy: config.poll,
    timeout: config.timeout,
    onTimeout: () => new RunTimeoutError({ threadId, runId, timeout: config.timeout!, lastRun }),
    kick$,
    first: config.justCreated ? firstPollDelay(config.poll) : 0,
    start: () => {
      const next = observe();
      lastRun = undefined;
      return () =>
        backend.runs.retrieve(threadId, runId).pipe(
          concatMap(({ run, pollAfterMs }) => {
            lastRun = run;
            return next(run, pollAfterMs);
          }),
        );
    },
  });
}

/**
 * The status stream of a run; see `rx.runs.watch` for the semantics.
 */
export function watchRun(
  backend: AssistantsBackend,
  threadId: string,
  runId: string,
  config: ResolvedWatchConfig,
): Observable<Run> {
  return pollRun<Run>(backend, threadId, runId, config, () => {
    let previous: Run | undefined;
    return (run, hint) => {
      const changed = runChanged(previous, run);
      previous = run;
      return of({
        values: changed ? [run] : [],
        changed,
        done: isTerminalStatus(run.status),
        run,
        hint,
      });
    };
  });
}
