import type { Assistant, Message, Run, Thread } from '../backend/types';
import { newMessage, type Runtime } from './records';
import { API_LIMITS } from './limits';
import {
  booleanField,
  checkDepth,
  contentField,
  enumField,
  fieldsOf,
  invalid,
  metadataField,
  numberField,
  stringField,
  toolsField,
} from './validation';

// The API's objects built from request bodies, every field checked. Nothing
// here touches the store: a request that fails changes nothing.

type Fields = Record<string, unknown>;

/** An assistant from a create request, or `base` updated by an update request. */
export function assistantFrom(runtime: Runtime, fields: Fields, base?: Assistant): Assistant {
  const tools = toolsField(fields, API_LIMITS.assistantTools);
  checkDepth(fields);
  return {
    id: base?.id ?? runtime.newId('asst'),
    object: 'assistant',
    created_at: base?.created_at ?? runtime.now(),
    name: pick(
      stringField(fields, 'name', {
        optional: true,
        nullable: true,
        max: API_LIMITS.assistantName,
      }),
      base?.name,
    ),
    description: pick(
      stringField(fields, 'description', {
        optional: true,
        nullable: true,
        max: API_LIMITS.assistantDescription,
      }),
      base?.description,
    ),
    model: base
      ? (stringField(fields, 'model', { optional: true, max: API_LIMITS.model }) ?? base.model)
      : stringField(fields, 'model', { max: API_LIMITS.model })!,
    instructions: pick(
      stringField(fields, 'instructions', {
        optional: true,
        nullable: true,
        max: API_LIMITS.instructions,
      }),
      base?.instructions,
    ),
    tools: tools ?? base?.tools ?? [],
    tool_resources:
      (fields['tool_resources'] as Assistant['tool_resources']) ?? base?.tool_resources ?? {},
    metadata: metadataField(fields) ?? base?.metadata ?? {},
    temperature: numberField(fields, 'temperature', { min: 0, max: 2 }) ?? base?.temperature ?? 1,
    top_p: numberField(fields, 'top_p', { min: 0, max: 1 }) ?? base?.top_p ?? 1,
    response_format:
      (fields['response_format'] as Assistant['response_format']) ??
      base?.response_format ??
      'auto',
  };
}

/** A message of a thread; `param` prefixes the names in errors (`messages[0].`). */
export function messageFrom(
  runtime: Runtime,
  threadId: string,
  body: unknown,
  param = '',
): Message {
  const fields = fieldsOf(body, param.replace(/\.$/, '') || null);
  if (param === '') checkDepth(fields);
  const role = enumField(fields, 'role', ['user', 'assistant'] as const, `${param}role`);
  if (!role) throw invalid(`${param}role`, `Missing required parameter: '${param}role'.`);
  return newMessage(runtime, {
    thread_id: threadId,
    role,
    content: contentField(fields, `${param}content`),
    attachments: (fields['attachments'] as Message['attachments']) ?? [],
    metadata: metadataField(fields, `${param}metadata`) ?? {},
  });
}

function messagesFrom(
  runtime: Runtime,
  threadId: string,
  value: unknown,
  param: string,
): Message[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw invalid(param, `Invalid type for '${param}': expected an array.`);
  return value.map((m, i) => messageFrom(runtime, threadId, m, `${param}[${i}].`));
}

/** A thread and its first messages; `param` prefixes the names in errors (`thread.`). */
export function threadFrom(
  runtime: Runtime,
  body: unknown,
  param = '',
): { thread: Thread; messages: Message[] } {
  const fields = fieldsOf(body, param.replace(/\.$/, '') || null);
  checkDepth(fields, param.replace(/\.$/, '') || null);
  const thread: Thread = {
    id: runtime.newId('thread'),
    object: 'thread',
    created_at: runtime.now(),
    metadata: metadataField(fields, `${param}metadata`) ?? {},
    tool_resources: (fields['tool_resources'] as Thread['tool_resources']) ?? {},
  };
  return {
    thread,
    messages: messagesFrom(runtime, thread.id, fields['messages'], `${param}messages`),
  };
}

/** A queued run of `assistant` on the thread, and its `additional_messages`. */
export function runFrom(
  runtime: Runtime,
  threadId: string,
  fields: Fields,
  assistant: Assistant,
  expiresAt: number,
): { run: Run; messages: Message[] } {
  checkDepth(fields);
  const text = { optional: true, nullable: true, max: API_LIMITS.instructions } as const;
  const messages = messagesFrom(
    runtime,
    threadId,
    fields['additional_messages'],
    'additional_messages',
  );
  const instructions = stringField(fields, 'instructions', text);
  const additional = stringField(fields, 'additional_instructions', text);
  const run: Run = {
    id: runtime.newId('run'),
    object: 'thread.run',
    created_at: runtime.now(),
    thread_id: threadId,
    assistant_id: assistant.id,
    status: 'queued',
    required_action: null,
    last_error: null,
    expires_at: expiresAt,
    started_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    model:
      stringField(fields, 'model', { optional: true, nullable: true, max: API_LIMITS.model }) ??
      assistant.model,
    instructions: [instructions ?? assistant.instructions ?? '', additional ?? '']
      .filter(Boolean)
      .join('\n\n'),
    tools: toolsField(fields, API_LIMITS.runTools) ?? assistant.tools,
    metadata: metadataField(fields) ?? {},
    usage: null,
    incomplete_details: null,
    temperature:
      numberField(fields, 'temperature', { min: 0, max: 2 }) ?? assistant.temperature ?? 1,
    top_p: numberField(fields, 'top_p', { min: 0, max: 1 }) ?? assistant.top_p ?? 1,
    max_prompt_tokens:
      numberField(fields, 'max_prompt_tokens', { integer: true, min: 256 }) ?? null,
    max_completion_tokens:
      numberField(fields, 'max_completion_tokens', { integer: true, min: 256 }) ?? null,
    truncation_strategy: truncationOf(fields['truncation_strategy']),
    tool_choice: toolChoiceOf(fields['tool_choice']),
    parallel_tool_calls: booleanField(fields, 'parallel_tool_calls') ?? true,
    response_format:
      (fields['response_format'] as Run['response_format']) ?? assistant.response_format ?? 'auto',
  };
  return { run, messages };
}

/** `value` when the request set it (even to null), else the current value. */
function pick<T>(value: T | undefined, current: T | undefined): T | null {
  return value !== undefined ? value : (current ?? null);
}

function truncationOf(value: unknown): Run['truncation_strategy'] {
  if (value === undefined || value === null) return { type: 'auto', last_messages: null };
  const fields = fieldsOf(value, 'truncation_strategy');
  const type =
    enumField(fields, 'type', ['auto', 'last_messages'] as const, 'truncation_strategy.type') ??
    'auto';
  const last = numberField(fields, 'last_messages', {
    integer: true,
    min: 1,
    param: 'truncation_strategy.last_messages',
  });
  return { type, last_messages: last ?? null };
}

function toolChoiceOf(value: unknown): Run['tool_choice'] {
  if (value === undefined || value === null) return 'auto';
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  const fields = fieldsOf(value, 'tool_choice');
  const type = enumField(
    fields,
    'type',
    ['function', 'code_interpreter', 'file_search'] as const,
    'tool_choice.type',
  );
  if (type === 'function') {
    const fn = fieldsOf(fields['function'], 'tool_choice.function');
    return {
      type,
      function: { name: stringField(fn, 'name', { param: 'tool_choice.function.name' })! },
    };
  }
  if (type) {
    throw invalid(
      'tool_choice',
      `Invalid 'tool_choice': the built-in tool '${type}' is not supported by this server yet. ` +
        `Only function tools run here: force one with { type: 'function', function: { name } }.`,
    );
  }
  throw invalid(
    'tool_choice',
    `Invalid 'tool_choice': expected 'none', 'auto', 'required' or a named tool.`,
  );
}
