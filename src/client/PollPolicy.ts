import type { Run } from '../backend/types';

/**
 * A function poll policy: the delay in milliseconds before the next poll.
 *
 * @param attempt How many polls in a row have seen no change (0 right after a change).
 * @param run The latest snapshot, when the poll is about a run.
 * @param hint The server's `openai-poll-after-ms` hint from the latest poll, if it sent one.
 */
export type PollFunction = (
  attempt: number,
  run: Run | undefined,
  hint: number | undefined,
) => number;

/**
 * How long to wait between polls: a fixed number of milliseconds, or a
 * {@link PollFunction}. A fixed number ignores the server's hint; the default,
 * {@link adaptivePoll}, honours it.
 */
export type PollPolicy = number | PollFunction;

/** Settings of {@link adaptivePoll}. */
export interface AdaptivePollConfig {
  /** The first delay after a change, in ms. Default 1000. */
  initial?: number;
  /** The factor each unchanged poll multiplies the delay by. Default 1.1. */
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
 * hint when present. Otherwise it starts short and backs off geometrically
 * while nothing changes, up to a cap, and starts short again after a change.
 * While a run waits in `requires_action` (for tool outputs, which take their
 * own time) it polls at the slower `requiresAction` delay.
 *
 * The defaults (1 s, ×1.1 per unchanged poll, up to 5 s) come from the
 * benchmark in docs/performance.md: on runs of 1 to 6 s they use fewer
 * requests than polling every second and see the end sooner than faster
 * starting, steeper backoffs, while long runs cost at most one request
 * every 5 s.
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
  const { initial = 1000, factor = 1.1, max = 5000, requiresAction = 5000 } = config;
  assertDelay('initial', initial);
  assertDelay('max', max);
  assertDelay('requiresAction', requiresAction);
  if (!Number.isFinite(factor) || factor < 1) {
    throw new TypeError(`factor must be a finite number ≥ 1, got ${factor}`);
  }
  return (attempt, run, hint) => {
    if (hint !== undefined) return hint;
    if (run?.status === 'requires_action') return requiresAction;
    return Math.min(max, Math.round(initial * factor ** attempt));
  };
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
