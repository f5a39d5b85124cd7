import { filter, map, pipe, type OperatorFunction } from 'rxjs';
import type { AssistantStreamEvent, Message } from '../backend/types';
import { replyOf } from '../internal/replyOf';

/**
 * Emits the completed assistant messages of a stream: the data of each
 * `thread.message.completed` event whose role is `assistant`, and each plain
 * `Message` whose role is `assistant` and status `completed`. It works on the
 * event streams of `run`, `ask` and `runs.events`, and on the message streams
 * of `messages.list` and `messages.watch`. Everything else is dropped.
 *
 * ## Example
 *
 * ```ts
 * import { replies, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.ask('asst_abc', 'Solve 2x + 3 = 7')
 *   .pipe(replies())
 *   .subscribe((message) => console.log(message.id, message.content));
 * ```
 *
 * @see {@link replyText}
 * @returns A function that returns an Observable of the completed assistant
 * messages of the source, in order.
 */
export function replies(): OperatorFunction<AssistantStreamEvent | Message, Message> {
  return pipe(
    map(replyOf),
    filter((reply): reply is Message => reply !== undefined),
  );
}
