import { concatMap, defer, type OperatorFunction } from 'rxjs';
import { isRunEvent, skippedStatuses } from '../backend/runStatus';
import type { AssistantStreamEvent, Run, RunStatus } from '../backend/types';

/** The status a value tells: a run's, or a run event's (by its name, which may be ahead of its data). */
function statusOf(value: AssistantStreamEvent | Run): RunStatus | undefined {
  if (!('event' in value)) return value.object === 'thread.run' ? value.status : undefined;
  if (!isRunEvent(value)) return undefined;
  const tail = value.event.slice('thread.run.'.length);
  return tail === 'created' ? value.data.status : (tail as RunStatus);
}

/**
 * Emits each status a run goes through, once and in order: what a status
 * line of a UI shows. It reads the run events of `run` and `ask` (either
 * transport) and the snapshots of `runs.watch`, and drops everything else.
 * A status seen twice in a row (by two polls) is told once, and the statuses
 * a run must have passed through between two polls are told too: `queued`
 * after a submit, then `in_progress` before `requires_action` or `completed`.
 *
 * ## Example
 *
 * ```ts
 * import { runStatuses, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.ask('asst_abc', 'Solve 2x + 3 = 7')
 *   .pipe(runStatuses())
 *   .subscribe((status) => console.log(status)); // queued, in_progress, completed
 * ```
 *
 * @returns A function that returns an Observable of the run's statuses.
 */
export function runStatuses(): OperatorFunction<AssistantStreamEvent | Run, RunStatus> {
  return (source) =>
    defer(() => {
      let last: RunStatus | undefined;
      return source.pipe(
        concatMap((value) => {
          const status = statusOf(value);
          if (status === undefined || status === last) return [];
          // Before the first status seen, the run was queued (as every run starts).
          const told = [...skippedStatuses(last ?? 'queued', status), status];
          last = status;
          return told;
        }),
      );
    });
}
