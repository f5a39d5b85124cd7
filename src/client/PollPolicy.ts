import type { Run } from '../backend/types';

/**
 * A function poll policy: the delay in milliseconds before the next poll.
 * It may carry `first`: the delay before the first poll of a run (see
 * {@link AdaptivePollConfig.first}); without it, a run's first poll is at once.
 *
 * @param attempt How many polls in a row have seen no change (0 right after a change).
 * @param run The latest snapshot, when the poll is about a run.
 * @param hint The server's `openai-poll-after-ms` hint from the latest poll, if it sent one.
 */
export type PollFunction = ((
  attempt: number,
  run: Run | undefined,
  hint: number | undefined,
) => number) & {
  /** The delay before the first poll of a run, in ms; absent: at once. */
  readonly first?: number;
};

/**
 * How long to wait between polls: a fixed number of milliseconds, or a
 * {@link PollFunction}. A fixed number ignores the server's hint; the default,
 * {@link adaptivePoll}, honours it.
 */
export type PollPolicy = number | PollFunction;

/** Settings of {@link adaptivePoll}. */
export interface AdaptivePollConfig {
  /**
   * The delay before the first poll of a run the client has just created
   * (`runs.watch` and `runs.events` of the run its last create on the thread
   * made, and `run` or `ask` when they poll), in ms: such a run is known to
   * be working, so polling it at once would only spend a request (and, right
   * after the creation's answer, a new connection). Any other run is polled
   * at once, and so is every run with `0`; a kick (after tool outputs are
   * submitted) always polls at once. Default 1100.
   */
  first?: number;
  /** The delay after a change, in ms, kept for `growAfter` unchanged polls. Default 300. */
  initial?: number;
  /**
   * How many unchanged polls in a row keep the `initial` delay before it
   * starts to grow. Default 5: with `first`, runs are polled every 300 ms
   * from 1.1 s to 2.9 s, the phase where short runs end.
   */
  growAfter?: number;
  /** The factor each further unchanged poll multiplies the delay by. Default 1.5. */
  factor?: number;
  /** The cap of the delay, in ms. Default 5000. */
  max?: number;
  /** The delay while a run waits in `requires_action`, in ms. Default 5000. */
  requiresAction?: number;
}

function assertDelay(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite number of milliseconds ≥ 0, got ${value}`);
  }
}

/**
 * The default poll policy. It honours the server's `openai-poll-after-ms`
 * hint when present. Otherwise it waits `first` before a run's first poll,
 * polls every `initial` ms for `growAfter` unchanged polls, then backs off
 * geometrically (×`factor`) while nothing changes, up to `max`, and starts
 * the short phase again after a change. While a run waits in
 * `requires_action` (for tool outputs, which take their own time) it polls at
 * the slower `requiresAction` delay.
 *
 * The defaults (first poll at 1.1 s, then every 300 ms until 2.9 s, then
 * ×1.5 per poll up to 5 s) come from the benchmark in docs/performance.md:
 * on runs of 0.2 to 3 s they see the end within about 0.2 s at the median
 * for at most 4.5 requests per run (the creation included), and on runs of
 * 0.2 to 30 s they make fewer than half the requests of a loop that polls
 * every 0.5 s; a long run costs one request every 5 s.
 *
 * ## Example
 *
 * ```ts
 * import { rxAssistants, adaptivePoll } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend(), { poll: adaptivePoll({ initial: 100, max: 1000 }) });
 * ```
 *
 * @param config Delays and growth; every field is optional.
 * @returns A {@link PollFunction}.
 */
export function adaptivePoll(config: AdaptivePollConfig = {}): PollFunction {
  const {
    first = 1100,
    initial = 300,
    growAfter = 5,
    factor = 1.5,
    max = 5000,
    requiresAction = 5000,
  } = config;
  assertDelay('first', first);
  assertDelay('initial', initial);
  assertDelay('max', max);
  assertDelay('requiresAction', requiresAction);
  if (!Number.isFinite(factor) || factor < 1) {
    throw new TypeError(`factor must be a finite number ≥ 1, got ${factor}`);
  }
  if (!Number.isInteger(growAfter) || growAfter < 0) {
    throw new TypeError(`growAfter must be an integer ≥ 0, got ${growAfter}`);
  }
  const delay = (attempt: number, run: Run | undefined, hint: number | undefined) => {
    if (hint !== undefined) return hint;
    if (run?.status === 'requires_action') return requiresAction;
    return Math.min(max, Math.round(initial * factor ** Math.max(0, attempt - growAfter)));
  };
  return Object.assign(delay, { first });
}

/** The delay before the first poll of a run under `policy`: its `first`, else 0 (at once). */
export function firstPollDelay(policy: PollPolicy): number {
  const first = typeof policy === 'function' ? (policy.first ?? 0) : 0;
  assertDelay('The first poll delay', first);
  return first;
}

/** The default policy of every poll, shared so that it is built once. */
export const defaultPoll: PollFunction = adaptivePoll();

/** The delay a policy gives, checked to be a usable number of milliseconds. */
export function pollDelay(
  policy: PollPolicy,
  attempt: number,
  run: Run | undefined,
  hint: number | undefined,
): number {
  const delay = typeof policy === 'number' ? policy : policy(attempt, run, hint);
  assertDelay('The poll delay', delay);
  return delay;
}
