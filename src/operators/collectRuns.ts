import { defer, map, reduce, type Observable, type OperatorFunction } from 'rxjs';
import { isRunEvent } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run } from '../backend/types';
import { messageText } from '../internal/messageText';
import { replyOf } from '../internal/replyOf';
import type { FanOutItem } from './fanOutRuns';
import { isFanOutError } from './isFanOutError';

/** What {@link collectRuns} keeps of the run stream of one input. */
export interface RunResult<I> {
  /** The position of the input in the source of {@link fanOutRuns}. */
  index: number;
  /** The input the run was made for. */
  input: I;
  /** The last run snapshot seen in a `thread.run.*` event, if any. */
  run: Run | undefined;
  /** The completed assistant messages, in order. */
  replies: Message[];
  /** The text of the replies, joined with `'\n\n'`. */
  text: string;
  /** What ended the run stream; present only if it failed. */
  error?: unknown;
}

function accumulate<I>(
  results: Map<number, RunResult<I>>,
  item: FanOutItem<I, AssistantStreamEvent>,
): Map<number, RunResult<I>> {
  const { index, input } = item;
  const result = results.get(index) ?? { index, input, run: undefined, replies: [], text: '' };
  results.set(index, result);
  if (isFanOutError(item)) result.error = item.error;
  else if (isRunEvent(item.event)) result.run = item.event.data;
  else {
    const reply = replyOf(item.event);
    if (reply) result.replies.push(reply);
  }
  return results;
}

/**
 * Waits for the output of {@link fanOutRuns} to complete, then emits one array
 * with a {@link RunResult} per input seen, in input order (whatever order the
 * runs finished in), and completes. An input whose run stream failed keeps
 * what it saw before, plus `error`. An input whose run stream emitted nothing
 * has a result too: {@link fanOutRuns} tells it as an error.
 *
 * Only the last run snapshot, the replies and the error are kept, not every
 * event, so thousands of runs stay within bounded memory.
 *
 * ## Example
 *
 * ```ts
 * import { from } from 'rxjs';
 * import { collectRuns, fanOutRuns, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * from(['Solve x + 1 = 3', 'Solve 2x = 8'])
 *   .pipe(
 *     fanOutRuns((question) => rx.ask('asst_abc', question), { concurrency: 4 }),
 *     collectRuns(),
 *   )
 *   .subscribe((results) => {
 *     for (const { input, run, text, error } of results) {
 *       console.log(input, run?.status, error ?? text);
 *     }
 *   });
 * ```
 *
 * @see {@link fanOutRuns}
 * @returns A function that returns an Observable of one array of results.
 */
export function collectRuns<I>(): OperatorFunction<
  FanOutItem<I, AssistantStreamEvent>,
  RunResult<I>[]
> {
  return (source: Observable<FanOutItem<I, AssistantStreamEvent>>) =>
    defer(() =>
      source.pipe(
        reduce(accumulate<I>, new Map<number, RunResult<I>>()),
        map((results) =>
          [...results.values()]
            .sort((a, b) => a.index - b.index)
            .map((result) => ({ ...result, text: result.replies.map(messageText).join('\n\n') })),
        ),
      ),
    );
}
