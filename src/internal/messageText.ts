import type { Message } from '../backend/types';

/**
 * The text of a message: the `text.value` of each of its `text` content
 * blocks, joined with `'\n'`. Other blocks (images, refusals) are skipped, so
 * a message without text gives `''`. What `replyText()` emits and
 * `collectRuns()` joins.
 *
 * @param message Any message of a thread.
 * @returns Its text, or `''` when it has none.
 */
export function messageText(message: Message): string {
  return message.content
    .flatMap((block) => (block.type === 'text' ? [block.text.value] : []))
    .join('\n');
}
