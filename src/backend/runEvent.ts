import type { AssistantStreamEvent } from './types';

/** The name of any event of a run's stream. */
export type RunEventName = AssistantStreamEvent['event'];

/** The event of that name, as the SDK's discriminated union has it. */
export type RunEventOf<N extends RunEventName> = Extract<AssistantStreamEvent, { event: N }>;

/**
 * Makes one event of a run's stream: the only place where an event is built,
 * so that its `data` is checked against its name (a `Run` for
 * `thread.run.*`, a `RunStep` for `thread.run.step.*`, a `Message` for
 * `thread.message.*`, their deltas, a `Thread` for `thread.created`).
 *
 * ## Example
 *
 * ```ts
 * import { runEvent, type AssistantStreamEvent } from 'rx-assistants';
 * import type { Run } from 'rx-assistants';
 *
 * declare const run: Run;
 * const done: AssistantStreamEvent = runEvent(`thread.run.${run.status}`, run);
 * ```
 *
 * @param event The event's name; a union of names (`thread.run.${RunStatus}`) is allowed.
 * @param data The object the event carries, of the type its name calls for.
 * @returns The event.
 */
export function runEvent<N extends RunEventName>(
  event: N,
  data: RunEventOf<N>['data'],
): RunEventOf<N> {
  // The union cannot be narrowed by a generic name: the signature above is the check.
  return { event, data } as RunEventOf<N>;
}
