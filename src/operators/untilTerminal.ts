import { takeWhile, type MonoTypeOperatorFunction } from 'rxjs';
import { terminalRunOf } from '../backend/runStatus';
import type { AssistantStreamEvent, Run } from '../backend/types';

/**
 * Passes `Run` snapshots or stream events through and completes right after
 * the first one that carries a terminal run (`completed`, `failed`,
 * `cancelled`, `expired` or `incomplete`), that value included. Anything after
 * it is never requested: the source is unsubscribed.
 *
 * `requires_action` is not terminal, and neither are step or message events,
 * even when their own `status` is `completed`.
 *
 * ## Example
 *
 * ```ts
 * import { rxAssistants, untilTerminal } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.runs
 *   .events('thread_abc', 'run_abc')
 *   .pipe(untilTerminal())
 *   .subscribe((event) => console.log(event.event));
 * ```
 *
 * @see {@link throwOnRunFailure}
 * @returns A function that returns an Observable mirroring the source up to
 * and including its first terminal value.
 */
export function untilTerminal<T extends Run | AssistantStreamEvent>(): MonoTypeOperatorFunction<T> {
  return takeWhile((value: T) => terminalRunOf(value) === undefined, true);
}
