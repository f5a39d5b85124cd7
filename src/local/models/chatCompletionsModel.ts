import type OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { catchError, defer, throwError } from 'rxjs';
import { namingEndpoint } from '../../errors/connectionError';
import { fromAbortableIterable } from '../../internal/fromAbortableIterable';
import type { ModelAdapter, ModelEvent, ModelMessage, ModelRequest } from '../ModelAdapter';

/** Options of {@link chatCompletionsModel}. */
export interface ChatCompletionsModelOptions {
  /** The model to call, overriding the run's model (which the runtime passes otherwise). */
  model?: string;
  /**
   * Extra fields merged into every request body, for options the mapping does
   * not cover (`reasoning_effort`, `seed`, a provider's own fields). They win
   * over the mapped fields, except `stream` and `stream_options`.
   */
  extraBody?: Record<string, unknown>;
}

/**
 * Creates a {@link ModelAdapter} over any Chat Completions endpoint: OpenAI's
 * or a compatible server's, through the `openai` client you hand in (its base
 * URL, key, retries and timeout apply).
 *
 * Each turn is one streamed `chat.completions.create` call. The run's
 * instructions become a first `system` message; thread messages, earlier tool
 * calls and their outputs become `user`, `assistant` and `tool` messages;
 * function tools, `tool_choice`, `parallel_tool_calls`, `temperature`,
 * `top_p`, `max_completion_tokens` and a `json_object` or `json_schema`
 * response format (with the run's schema) are passed on. The streamed chunks
 * come back as `text` deltas, `tool_call` pieces (one index per parallel
 * call), the `finish` reason (`length` ends the run `incomplete`, as the API
 * did; a legacy `function_call` reads as `tool_calls`) and the final `usage`.
 *
 * The Observable is cold: each subscription sends one request with its own
 * `AbortController`, and unsubscribing (the run is cancelled or expires)
 * aborts it; nothing is emitted after that. The SDK's errors (`APIError` and
 * its subclasses, with their `status`; an error in the middle of the stream)
 * pass through unchanged (a connection error names the endpoint it could not
 * reach), and the runtime reports them as the run's `last_error`.
 *
 * Limitations: a refusal's text is streamed as ordinary text.
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { chatCompletionsModel, localBackend } from 'rx-assistants/local';
 *
 * // Any Chat Completions endpoint: OpenAI, or a local server such as Ollama.
 * const client = new OpenAI({ baseURL: 'http://localhost:11434/v1', apiKey: 'ollama' });
 * const backend = localBackend({ model: chatCompletionsModel(client, { model: 'llama3.2' }) });
 * ```
 *
 * @see {@link ModelAdapter}
 * @param client The OpenAI client that sends the requests.
 * @param options The model to use instead of the run's, and extra body fields.
 * @returns A model adapter named `chat:<model>`, or `chat` without a model override.
 */
export function chatCompletionsModel(
  client: OpenAI,
  options: ChatCompletionsModelOptions = {},
): ModelAdapter {
  return {
    name: options.model ? `chat:${options.model}` : 'chat',
    respond: (request) =>
      defer(() => {
        const params = toChatParams(request, options);
        return fromAbortableIterable(
          (signal) => client.chat.completions.create(params, { signal }),
          toModelEvents,
        ).pipe(
          catchError((error: unknown) =>
            throwError(() => namingEndpoint(error, 'POST', `${client.baseURL}/chat/completions`)),
          ),
        );
      }),
  };
}

/** The Chat Completions request of one turn. */
function toChatParams(
  request: ModelRequest,
  options: ChatCompletionsModelOptions,
): ChatCompletionCreateParamsStreaming {
  const messages: ChatCompletionMessageParam[] = request.instructions
    ? [{ role: 'system', content: request.instructions }]
    : [];
  messages.push(...request.messages.map(toChatMessage));
  const params: ChatCompletionCreateParamsStreaming = {
    model: options.model ?? request.model,
    messages,
    stream: true,
  };
  if (request.tools.length > 0) {
    params.tools = request.tools.map(
      ({ name, description, parameters, strict }): ChatCompletionTool => ({
        type: 'function',
        function: { name, ...definedOnly({ description, parameters, strict }) },
      }),
    );
    params.tool_choice = toToolChoice(request.toolChoice);
    params.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.temperature != null) params.temperature = request.temperature;
  if (request.topP != null) params.top_p = request.topP;
  if (request.maxCompletionTokens != null) {
    params.max_completion_tokens = request.maxCompletionTokens;
  }
  if (request.responseFormat === 'json_object') params.response_format = { type: 'json_object' };
  if (request.responseFormat === 'json_schema' && request.jsonSchema) {
    params.response_format = { type: 'json_schema', json_schema: request.jsonSchema };
  }
  return {
    ...params,
    ...options.extraBody,
    stream: true,
    stream_options: { include_usage: true },
  } as ChatCompletionCreateParamsStreaming;
}

function toChatMessage(message: ModelMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content || null,
        tool_calls: calls.map(({ id, name, arguments: args }) => ({
          id,
          type: 'function',
          function: { name, arguments: args },
        })),
      };
    }
  }
}

function toToolChoice(choice: ModelRequest['toolChoice']): ChatCompletionToolChoiceOption {
  return typeof choice === 'string'
    ? choice
    : { type: 'function', function: { name: choice.name } };
}

/** The model events of one streamed chunk. */
function toModelEvents(chunk: ChatCompletionChunk): ModelEvent[] {
  const events: ModelEvent[] = [];
  const delta = chunk.choices?.[0]?.delta;
  const text = (delta?.content ?? '') + (delta?.refusal ?? '');
  if (text) events.push({ type: 'text', delta: text });
  for (const call of delta?.tool_calls ?? []) {
    const piece = definedOnly({
      id: call.id,
      name: call.function?.name,
      arguments: call.function?.arguments || undefined,
    });
    if (Object.keys(piece).length > 0)
      events.push({ type: 'tool_call', index: call.index, ...piece });
  }
  const finish = chunk.choices?.[0]?.finish_reason;
  if (finish) {
    events.push({ type: 'finish', reason: finish === 'function_call' ? 'tool_calls' : finish });
  }
  if (chunk.usage) {
    const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = chunk.usage;
    events.push({ type: 'usage', promptTokens, completionTokens });
  }
  return events;
}

/** The object without its `null` and `undefined` fields. */
function definedOnly<T extends object>(object: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value != null)) as {
    [K in keyof T]?: NonNullable<T[K]>;
  };
}
