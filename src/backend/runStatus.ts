import type { AssistantStreamEvent, Run, RunStatus } from './types';

/**
 * The statuses a run never leaves: `completed`, `failed`, `cancelled`,
 * `expired` and `incomplete`.
 *
 * ## Example
 *
 * ```ts
 * import { TERMINAL_RUN_STATUSES } from 'rx-assistants';
 *
 * console.log(TERMINAL_RUN_STATUSES.join(', '));
 * ```
 */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'expired',
  'incomplete',
];

/**
 * Whether a run status is terminal: `completed`, `failed`, `cancelled`,
 * `expired` or `incomplete`.
 *
 * ## Example
 *
 * ```ts
 * import { isTerminalStatus } from 'rx-assistants';
 *
 * isTerminalStatus('requires_action'); // false
 * isTerminalStatus('expired'); // true
 * ```
 */
export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/**
 * Whether an event is a run event (`thread.run.*`, not a step's), whose
 * `data` is then a `Run`.
 *
 * ## Example
 *
 * ```ts
 * import { filter, map } from 'rxjs';
 * import { isRunEvent, type RunEvent } from 'rx-assistants';
 * import type { Observable } from 'rxjs';
 *
 * const statuses = (events$: Observable<RunEvent>) =>
 *   events$.pipe(filter(isRunEvent), map((event) => event.data.status));
 * ```
 */
export function isRunEvent(
  event: AssistantStreamEvent,
): event is Extract<AssistantStreamEvent, { data: Run }> {
  return event.event.startsWith('thread.run.') && !event.event.startsWith('thread.run.step.');
}

/**
 * The terminal run snapshot carried by a `Run` or a run event, or `undefined`
 * when the value says nothing terminal. For an event, its name decides (as in
 * the SDK): a `thread.run.completed` whose data still says `in_progress` is
 * terminal, and its snapshot is given the event's status.
 *
 * ## Example
 *
 * ```ts
 * import { terminalRunOf, type RunEvent } from 'rx-assistants';
 *
 * const describe = (event: RunEvent) => terminalRunOf(event)?.status ?? 'still going';
 * ```
 */
export function terminalRunOf(value: Run | AssistantStreamEvent): Run | undefined {
  if ('event' in value) {
    // The event's name is authoritative: its data may lag behind (still `in_progress`).
    const status = isRunEvent(value) ? value.event.slice('thread.run.'.length) : '';
    if (!isTerminalStatus(status as RunStatus)) return undefined;
    const run = value.data as Run;
    return run.status === status ? run : { ...run, status: status as RunStatus };
  }
  return isTerminalStatus(value.status) ? value : undefined;
}
