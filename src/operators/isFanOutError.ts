import type { FanOutError, FanOutItem } from './fanOutRuns';

/**
 * Whether an item of {@link fanOutRuns} is the error that ended one input's run
 * stream (`{ index, input, error }`), rather than one of its events
 * (`{ index, input, event }`). In an `if`, the other branch has the event,
 * narrowed; in `filter`, keep the events with `filter((item) => 'event' in
 * item)`, which TypeScript narrows too.
 *
 * ## Example
 *
 * ```ts
 * import { filter, from, map, share } from 'rxjs';
 * import { fanOutRuns, isFanOutError, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * const items$ = from(['Solve x + 1 = 3', 'Solve 2x = 8']).pipe(
 *   fanOutRuns((question) => rx.ask('asst_abc', question)),
 *   share(),
 * );
 * items$.pipe(filter(isFanOutError)).subscribe(({ input, error }) => console.error(input, error));
 * items$
 *   .pipe(
 *     filter((item) => 'event' in item),
 *     map(({ index, event }) => `${index}: ${event.event}`),
 *   )
 *   .subscribe(console.log);
 * ```
 *
 * @see {@link fanOutRuns}
 * @param item An item emitted by {@link fanOutRuns}.
 * @returns `true` for `{ index, input, error }`, `false` for `{ index, input, event }`.
 */
export function isFanOutError<I, E>(item: FanOutItem<I, E>): item is FanOutError<I> {
  return 'error' in item;
}
