import type { AssistantStreamEvent, Run, RunStatus } from './types';

/** The statuses a run never leaves. */
const TERMINAL_STATUSES = [
  'completed',
  'failed',
  'cancelled',
  'expired',
  'incomplete',
] as const satisfies readonly RunStatus[];

/** Internal (not exported by the package): the statuses a run ends in. */
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

const terminal: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** Whether any string (a status, or the tail of an event's name) is a terminal status. */
const isTerminal = (status: string): status is TerminalStatus => terminal.has(status);

/**
 * Whether a run status is terminal: `completed`, `failed`, `cancelled`,
 * `expired` or `incomplete`. `requires_action` and `cancelling` are not.
 *
 * For a stream of runs or events, the operators `untilTerminal()` and
 * `throwOnRunFailure()` do this check (and read an event's name, which may be
 * ahead of its data).
 *
 * ## Example
 *
 * ```ts
 * import { isTerminalStatus } from 'rx-assistants';
 *
 * isTerminalStatus('requires_action'); // false
 * isTerminalStatus('expired'); // true
 * ```
 *
 * @param status A run's `status`.
 * @returns `true` when the run will never change status again.
 */
export function isTerminalStatus(status: RunStatus): boolean {
  return isTerminal(status);
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
 *
 * @param event Any event of a run's stream.
 * @returns `true` for `thread.run.created`, `thread.run.completed`...
 */
export function isRunEvent(
  event: AssistantStreamEvent,
): event is Extract<AssistantStreamEvent, { data: Run }> {
  return event.event.startsWith('thread.run.') && !event.event.startsWith('thread.run.step.');
}

/**
 * Internal (not exported by the package): the terminal run snapshot carried
 * by a `Run` or a run event, or `undefined` when the value says nothing
 * terminal. For an event, its name decides (as in the SDK): a
 * `thread.run.completed` whose data still says `in_progress` is terminal, and
 * its snapshot is given the event's status. Users reach it through
 * `untilTerminal()` and `throwOnRunFailure()`.
 *
 * @param value A run snapshot or any event of a run's stream.
 * @returns The terminal run, or `undefined`.
 */
export function terminalRunOf(value: Run | AssistantStreamEvent): Run | undefined {
  if (!('event' in value)) return isTerminal(value.status) ? value : undefined;
  if (!isRunEvent(value)) return undefined;
  // The event's name is authoritative: its data may lag behind (still `in_progress`).
  const status = value.event.slice('thread.run.'.length);
  if (!isTerminal(status)) return undefined;
  const run = value.data;
  return run.status === status ? run : { ...run, status };
}

/** The statuses a run reaches again through `queued` after its tool outputs were submitted. */
const AFTER_SUBMIT: ReadonlySet<RunStatus> = new Set([
  'in_progress',
  'requires_action',
  'completed',
]);
/** The statuses a run reaches from `queued` only by working (`in_progress`) first. */
const AFTER_WORK: ReadonlySet<RunStatus> = new Set(['requires_action', 'completed']);

/**
 * Internal: the statuses a run must have passed through between `previous`
 * and `next` when it was seen in neither (polling sees only every so often):
 * `queued` after a submit, then `in_progress` before it asks for outputs or
 * completes. The API's stream tells each of them.
 *
 * @returns The skipped statuses, oldest first; `[]` when there are none.
 */
export function skippedStatuses(previous: RunStatus, next: RunStatus): RunStatus[] {
  const skipped: RunStatus[] = [];
  let from = previous;
  if (from === 'requires_action' && AFTER_SUBMIT.has(next)) skipped.push((from = 'queued'));
  if (from === 'queued' && AFTER_WORK.has(next)) skipped.push('in_progress');
  return skipped;
}
