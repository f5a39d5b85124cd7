import type { AssistantStreamEvent, Message } from '../backend/types';

/**
 * The completed assistant message that a value carries, or `undefined`: the
 * data of a `thread.message.completed` event whose role is `assistant`, or a
 * plain `Message` whose role is `assistant` and status `completed`. What
 * `replies()` emits and `collectRuns()` keeps.
 *
 * @param value A stream event or a message.
 * @returns The reply it carries, if any.
 */
export function replyOf(value: AssistantStreamEvent | Message): Message | undefined {
  if ('event' in value) {
    return value.event === 'thread.message.completed' && value.data.role === 'assistant'
      ? value.data
      : undefined;
  }
  return value.object === 'thread.message' &&
    value.role === 'assistant' &&
    value.status === 'completed'
    ? value
    : undefined;
}
