import { map, pipe, type OperatorFunction } from 'rxjs';
import type { AssistantStreamEvent, Message } from '../backend/types';
import { messageText } from '../internal/messageText';
import { replies } from './replies';

/**
 * Emits the text of each completed assistant message of a stream (see
 * {@link replies}): its `text` blocks joined with `'\n'`, other blocks
 * skipped.
 *
 * ## Example
 *
 * ```ts
 * import { replyText, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.ask('asst_abc', 'Solve 2x + 3 = 7').pipe(replyText()).subscribe(console.log);
 * ```
 *
 * @see {@link replies}
 * @returns A function that returns an Observable of the text of each reply.
 */
export function replyText(): OperatorFunction<AssistantStreamEvent | Message, string> {
  return pipe(replies(), map(messageText));
}
