import {
  catchError,
  defer,
  map,
  mergeMap,
  of,
  type ObservableInput,
  type OperatorFunction,
  throwIfEmpty,
} from 'rxjs';
import { RxAssistantsError } from '../errors/RxAssistantsError';
import type { AssistantStreamEvent } from '../backend/types';

/** One value emitted by the run stream of one input of {@link fanOutRuns}. */
export interface FanOutEvent<I, E = AssistantStreamEvent> {
  /** The position of the input in the source, from 0. */
  index: number;
  /** The input the run was made for. */
  input: I;
  /** The value emitted by that input's run stream. */
  event: E;
}

/** The error that ended the run stream of one input of {@link fanOutRuns}. */
export interface FanOutError<I> {
  /** The position of the input in the source, from 0. */
  index: number;
  /** The input the run was made for. */
  input: I;
  /** What the run stream (or the project function) threw. */
  error: unknown;
}

/** What {@link fanOutRuns} emits: a tagged event, or a tagged error. */
export type FanOutItem<I, E = AssistantStreamEvent> = FanOutEvent<I, E> | FanOutError<I>;

/** The options of {@link fanOutRuns}. */
export interface FanOutRunsConfig {
  /**
   * How many run streams may be subscribed at once: a positive integer, or
   * `Infinity` (the default). The others wait, in source order.
   */
  concurrency?: number;
}

/**
 * Maps each input to a run stream and merges those streams, at most
 * `concurrency` at a time. Each value is tagged `{ index, input, event }`.
 *
 * A run stream that errors (or a `project` that throws, or that ends without
 * emitting anything, which leaves no trace of its input otherwise) becomes one
 * `{ index, input, error }` item and ends there: its siblings and the output
 * go on. The output completes when the source and every run stream have.
 *
 * ## Example
 *
 * ```ts
 * import { from } from 'rxjs';
 * import { collectRuns, fanOutRuns, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * from(['Solve x + 1 = 3', 'Solve 2x = 8', 'Solve 5x - 5 = 0'])
 *   .pipe(
 *     fanOutRuns((question) => rx.ask('asst_abc', question), { concurrency: 2 }),
 *     collectRuns(),
 *   )
 *   .subscribe((results) => results.forEach((r) => console.log(r.input, '→', r.text)));
 * ```
 *
 * @see {@link collectRuns}
 * @see {@link isFanOutError}
 * @param project Makes the run stream of an input, given the input and its
 * position in the source.
 * @param config `concurrency`: how many run streams at once.
 * @returns A function that returns an Observable of tagged events and errors.
 * @throws {TypeError} When `concurrency` is not a positive integer or `Infinity`.
 */
export function fanOutRuns<I, E = AssistantStreamEvent>(
  project: (input: I, index: number) => ObservableInput<E>,
  config: FanOutRunsConfig = {},
): OperatorFunction<I, FanOutItem<I, E>> {
  const { concurrency = Infinity } = config;
  if (concurrency !== Infinity && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new TypeError(
      `fanOutRuns: concurrency must be a positive integer or Infinity, got ${String(concurrency)}`,
    );
  }
  return mergeMap(
    (input: I, index: number) =>
      defer(() => project(input, index)).pipe(
        throwIfEmpty(
          () =>
            new RxAssistantsError(
              `fanOutRuns: the run stream of input ${index} ended without emitting anything`,
            ),
        ),
        map((event): FanOutItem<I, E> => ({ index, input, event })),
        catchError((error: unknown) => of<FanOutItem<I, E>>({ index, input, error })),
      ),
    concurrency,
  );
}
