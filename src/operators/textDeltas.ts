import { concatMap, defer, type OperatorFunction } from 'rxjs';
import type { AssistantStreamEvent } from '../backend/types';
import { messageText } from '../internal/messageText';

/**
 * Emits the assistant's text as it is written: the text of each
 * `thread.message.delta` of a streamed run, and, when a message ends
 * (`completed` or `incomplete`), the part of its text no delta told. So it
 * works on either transport: streamed, it emits word by word; polled, each
 * reply whole when it ends; after a stream broke, the rest at the end.
 * Joined, what it emits for a message is the message's text (its text blocks
 * joined with `'\n'`, as `replyText()` gives it).
 *
 * ## Example
 *
 * ```ts
 * import { textDeltas, rxAssistants } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.ask('asst_abc', 'Solve 2x + 3 = 7')
 *   .pipe(textDeltas())
 *   .subscribe((text) => console.log(text)); // 'x', ' =', ' 2.'...
 * ```
 *
 * @returns A function that returns an Observable of pieces of text.
 */
export function textDeltas(): OperatorFunction<AssistantStreamEvent, string> {
  return (source) =>
    defer(() => {
      /** Message id → the text told so far, and the index of its last text block. */
      const told = new Map<string, { text: string; block: number }>();
      return source.pipe(
        concatMap((event): string[] => {
          if (event.event === 'thread.message.delta') {
            const message = told.get(event.data.id) ?? { text: '', block: -1 };
            told.set(event.data.id, message);
            const pieces: string[] = [];
            for (const part of event.data.delta.content ?? []) {
              if (part.type !== 'text' || !part.text?.value) continue;
              // A new text block starts on a new line, as replyText() joins them.
              const piece =
                (part.index > message.block && message.block >= 0 ? '\n' : '') + part.text.value;
              message.block = Math.max(message.block, part.index);
              message.text += piece;
              pieces.push(piece);
            }
            return pieces;
          }
          const ended =
            event.event === 'thread.message.completed' ||
            event.event === 'thread.message.incomplete';
          if (!ended || event.data.role !== 'assistant') return [];
          const text = messageText(event.data);
          const sofar = told.get(event.data.id)?.text ?? '';
          told.delete(event.data.id);
          return text.startsWith(sofar) && text.length > sofar.length
            ? [text.slice(sofar.length)]
            : [];
        }),
      );
    });
}
