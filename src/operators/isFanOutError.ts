import type { FanOutError, FanOutItem } from './fanOutRuns';

/**
 * Whether an item of {@link fanOutRuns} is the error that ended one input's run
 * stream (`{ index, input, error }`), rather than one of its events.
 *
 * ## Example
 *
 * ```ts
 * import { filter, from } from 'rxjs';
 * import { fanOutRuns, isFanOutError, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * from(['Solve x + 1 = 3', 'Solve 2x = 8'])
 *   .pipe(
 *     fanOutRuns((question) => rx.ask('asst_abc', question)),
 *     filter(isFanOutError),
 *   )
 *   .subscribe(({ input, error }) => console.error(input, error));
 * ```
 *
 * @see {@link isFanOutEvent}
 * @see {@link fanOutRuns}
 * @param item An item emitted by {@link fanOutRuns}.
 * @returns `true` for `{ index, input, error }`.
 */
export function isFanOutError<I, E>(item: FanOutItem<I, E>): item is FanOutError<I> {
  return 'error' in item;
}
