import type {
  AssistantStreamEvent,
  Message,
  MessageContent,
  Run,
  RunStatus,
} from '../../src/backend/types';

/** A `Run`-shaped object with the given status; `extra` overrides any field. */
export function run(status: RunStatus, extra: Partial<Run> = {}): Run {
  return {
    id: 'run_1',
    object: 'thread.run',
    thread_id: 'thread_1',
    assistant_id: 'asst_1',
    status,
    last_error: null,
    incomplete_details: null,
    ...extra,
  } as Run;
}

/** A stream event, typed by its name. */
export function event<N extends AssistantStreamEvent['event']>(
  name: N,
  data: Extract<AssistantStreamEvent, { event: N }>['data'],
): AssistantStreamEvent {
  return { event: name, data } as AssistantStreamEvent;
}

/** A `text` content block. */
export function text(value: string): MessageContent {
  return { type: 'text', text: { value, annotations: [] } };
}

/** An `image_file` content block. */
export function image(fileId: string): MessageContent {
  return { type: 'image_file', image_file: { file_id: fileId } };
}

/** A `Message`-shaped object; strings in `content` become text blocks. */
export function message(
  role: Message['role'],
  status: Message['status'],
  content: (string | MessageContent)[],
  extra: Partial<Message> = {},
): Message {
  return {
    id: 'msg_1',
    object: 'thread.message',
    thread_id: 'thread_1',
    run_id: 'run_1',
    role,
    status,
    content: content.map((block) => (typeof block === 'string' ? text(block) : block)),
    ...extra,
  } as Message;
}
