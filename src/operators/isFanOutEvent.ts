import type { FanOutEvent, FanOutItem } from './fanOutRuns';

/**
 * Whether an item of {@link fanOutRuns} is an event of one input's run stream
 * (`{ index, input, event }`), rather than the error that ended it.
 *
 * ## Example
 *
 * ```ts
 * import { filter, from, map } from 'rxjs';
 * import { fanOutRuns, isFanOutEvent, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * from(['Solve x + 1 = 3', 'Solve 2x = 8'])
 *   .pipe(
 *     fanOutRuns((question) => rx.ask('asst_abc', question)),
 *     filter(isFanOutEvent),
 *     map(({ index, event }) => `${index}: ${event.event}`),
 *   )
 *   .subscribe(console.log);
 * ```
 *
 * @see {@link isFanOutError}
 * @see {@link fanOutRuns}
 * @param item An item emitted by {@link fanOutRuns}.
 * @returns `true` for `{ index, input, event }`.
 */
export function isFanOutEvent<I, E>(item: FanOutItem<I, E>): item is FanOutEvent<I, E> {
  return 'event' in item;
}
