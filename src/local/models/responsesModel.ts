import type OpenAI from 'openai';
import type {
  FunctionTool,
  Response,
  ResponseCreateParamsStreaming,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseStreamEvent,
  ToolChoiceFunction,
  ToolChoiceOptions,
} from 'openai/resources/responses/responses';
import { defer } from 'rxjs';
import { fromAbortableIterable } from '../../internal/fromAbortableIterable';
import type { ModelAdapter, ModelEvent, ModelMessage, ModelRequest } from '../ModelAdapter';

/** Options of {@link responsesModel}. */
export interface ResponsesModelOptions {
  /** The model to call, overriding the run's model (which the runtime passes otherwise). */
  model?: string;
  /**
   * Extra fields merged into every request body, for options the mapping does
   * not cover (`reasoning`, `service_tier`, `store: true`, `truncation`). They
   * win over the mapped fields, except `stream`.
   */
  extraBody?: Record<string, unknown>;
}

/** The least `max_output_tokens` the Responses API accepts. */
const MIN_OUTPUT_TOKENS = 16;

/**
 * Creates a {@link ModelAdapter} over OpenAI's Responses API (the hosted
 * successor of Assistants), through the `openai` client you hand in (its base
 * URL, key, retries and timeout apply).
 *
 * Each turn is one streamed `responses.create` call with `store: false`: the
 * runtime keeps the conversation, so nothing is stored upstream and no
 * `previous_response_id` is used. The run's instructions become
 * `instructions`; thread messages become `user` and `assistant` input
 * messages, and earlier tool calls and their outputs become `function_call`
 * and `function_call_output` items. Function tools (with `strict: false`
 * unless the tool says otherwise, as in Assistants; the Responses API would
 * default to `true`), `tool_choice`, `parallel_tool_calls`, `temperature`,
 * `top_p`, `max_output_tokens` and a `json_object` or `json_schema` text
 * format (with the run's schema) are passed on. The streamed events come back
 * as `text` deltas (refusals included), `tool_call` pieces (one index per
 * function call of the response, in the order they start, matched to their
 * argument deltas by item id), the `usage` of `response.completed`, and for
 * `response.incomplete` its usage and a `finish` (`length` for
 * `max_output_tokens`, else `content_filter`): the run ends `incomplete`, as
 * the API's did.
 *
 * The Observable is cold: each subscription sends one request with its own
 * `AbortController`, and unsubscribing (the run is cancelled or expires)
 * aborts it; nothing is emitted after that. The SDK's errors (`APIError` and
 * its subclasses, with their `status`) pass through unchanged. A stream that
 * ends in `response.failed` or an `error` event errors
 * with an `Error` carrying the upstream message and `code` (and `status: 429`
 * for `rate_limit_exceeded`, which the runtime reports as such); the runtime
 * reports them as the run's `last_error`.
 *
 * Limitations: `max_output_tokens` is raised to 16 when the run has fewer
 * completion tokens left (the API's minimum; the runtime still ends the run
 * `incomplete` if the usage goes over); a `json_schema` response format
 * without a `schema` is not sent (the Responses API requires one); empty
 * assistant messages are left out of the input; hosted tools
 * (`web_search`, `file_search`...) are not offered, and reasoning items are
 * not carried from one turn to the next.
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { localBackend, responsesModel } from 'rx-assistants/local';
 *
 * // Runs answered by OpenAI's Responses API (OPENAI_API_KEY from the environment).
 * const client = new OpenAI();
 * const backend = localBackend({ model: responsesModel(client, { model: 'gpt-4.1-mini' }) });
 * ```
 *
 * @see {@link ModelAdapter}
 * @param client The OpenAI client that sends the requests.
 * @param options The model to use instead of the run's, and extra body fields.
 * @returns A model adapter named `responses:<model>`, or `responses` without a model override.
 */
export function responsesModel(client: OpenAI, options: ResponsesModelOptions = {}): ModelAdapter {
  return {
    name: options.model ? `responses:${options.model}` : 'responses',
    respond: (request) =>
      defer(() => {
        const params = toResponsesParams(request, options);
        const toModelEvents = eventMapper();
        return fromAbortableIterable(
          (signal) => client.responses.create(params, { signal }),
          toModelEvents,
        );
      }),
  };
}

/** The Responses request of one turn. */
function toResponsesParams(
  request: ModelRequest,
  options: ResponsesModelOptions,
): ResponseCreateParamsStreaming {
  const params: ResponseCreateParamsStreaming = {
    model: options.model ?? request.model,
    input: request.messages.flatMap(toInputItems),
    stream: true,
    store: false,
  };
  if (request.instructions) params.instructions = request.instructions;
  if (request.tools.length > 0) {
    params.tools = request.tools.map(({ name, description, parameters, strict }): FunctionTool => ({
      type: 'function',
      name,
      ...(description != null && { description }),
      parameters: parameters ?? { type: 'object', properties: {} },
      strict: strict ?? false,
    }));
    params.tool_choice = toToolChoice(request.toolChoice);
    params.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.temperature != null) params.temperature = request.temperature;
  if (request.topP != null) params.top_p = request.topP;
  if (request.maxCompletionTokens != null) {
    params.max_output_tokens = Math.max(MIN_OUTPUT_TOKENS, request.maxCompletionTokens);
  }
  if (request.responseFormat === 'json_object') {
    params.text = { format: { type: 'json_object' } };
  }
  const { jsonSchema } = request;
  if (request.responseFormat === 'json_schema' && jsonSchema?.schema) {
    const { name, schema, description, strict } = jsonSchema;
    params.text = {
      format: {
        type: 'json_schema',
        name,
        schema,
        ...(description != null && { description }),
        ...(strict != null && { strict }),
      },
    };
  }
  return { ...params, ...options.extraBody, stream: true } as ResponseCreateParamsStreaming;
}

function toInputItems(message: ModelMessage): ResponseInputItem[] {
  switch (message.role) {
    case 'user':
      return [{ role: 'user', content: message.content }];
    case 'tool':
      return [
        { type: 'function_call_output', call_id: message.toolCallId, output: message.content },
      ];
    case 'assistant': {
      const items: ResponseInputItem[] = message.content
        ? [{ role: 'assistant', content: message.content }]
        : [];
      for (const { id, name, arguments: args } of message.toolCalls ?? []) {
        items.push({ type: 'function_call', call_id: id, name, arguments: args });
      }
      return items;
    }
  }
}

function toToolChoice(choice: ModelRequest['toolChoice']): ToolChoiceOptions | ToolChoiceFunction {
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
}

/** A function call of the response being streamed. */
interface Call {
  index: number;
  /** The arguments sent so far. */
  arguments: string;
}

/**
 * A mapper from the stream events of one response to model events. It numbers
 * the function calls in the order they start and finds each argument delta's
 * call by item id (or output index).
 */
function eventMapper(): (event: ResponseStreamEvent) => ModelEvent[] {
  const calls = new Map<string | number, Call>();
  let count = 0;
  const callOf = (itemId: string | undefined, outputIndex: number) =>
    (itemId !== undefined && calls.get(itemId)) || calls.get(outputIndex);

  const start = (item: ResponseFunctionToolCall, outputIndex: number): ModelEvent => {
    const call: Call = { index: count++, arguments: item.arguments ?? '' };
    if (item.id !== undefined) calls.set(item.id, call);
    calls.set(outputIndex, call);
    return {
      type: 'tool_call',
      index: call.index,
      id: item.call_id,
      name: item.name,
      ...(call.arguments && { arguments: call.arguments }),
    };
  };

  // A call whose start or argument deltas were not streamed (as some compatible
  // servers do) is completed from its `.done` events.
  const finish = (call: Call, full: string | undefined): ModelEvent[] => {
    const rest = full?.startsWith(call.arguments) ? full.slice(call.arguments.length) : '';
    call.arguments += rest;
    return rest ? [{ type: 'tool_call', index: call.index, arguments: rest }] : [];
  };

  return (event) => {
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return event.delta ? [{ type: 'text', delta: event.delta }] : [];
      case 'response.output_item.added':
        return event.item.type === 'function_call' ? [start(event.item, event.output_index)] : [];
      case 'response.function_call_arguments.delta': {
        const call = callOf(event.item_id, event.output_index);
        if (!call || !event.delta) return [];
        call.arguments += event.delta;
        return [{ type: 'tool_call', index: call.index, arguments: event.delta }];
      }
      case 'response.function_call_arguments.done': {
        const call = callOf(event.item_id, event.output_index);
        return call ? finish(call, event.arguments) : [];
      }
      case 'response.output_item.done': {
        const { item } = event;
        if (item.type !== 'function_call') return [];
        const call = callOf(item.id, event.output_index);
        return call ? finish(call, item.arguments) : [start(item, event.output_index)];
      }
      case 'response.completed':
        return usageOf(event.response);
      case 'response.incomplete': {
        // Cut off by max_output_tokens, or filtered: the turn ends, and so does the run, incomplete.
        const filtered = event.response.incomplete_details?.reason === 'content_filter';
        const reason = filtered ? 'content_filter' : 'length';
        return [...usageOf(event.response), { type: 'finish', reason }];
      }
      case 'response.failed': {
        const error = event.response.error;
        throw upstreamError(error?.message || 'The response failed.', error?.code);
      }
      case 'error':
        throw upstreamError(event.message || 'The response stream failed.', event.code);
      default:
        return [];
    }
  };
}

/** The `usage` event of a response that reports its tokens. */
function usageOf(response: Response): ModelEvent[] {
  const { usage } = response;
  return usage
    ? [{ type: 'usage', promptTokens: usage.input_tokens, completionTokens: usage.output_tokens }]
    : [];
}

/**
 * The error of a response that failed upstream: its message, its `code`, and
 * `status: 429` for `rate_limit_exceeded` so the runtime reports it as such.
 */
class ResponsesError extends Error {
  override readonly name = 'ResponsesError';
  readonly code?: string;
  readonly status?: number;

  constructor(message: string, code: string | null | undefined) {
    super(message);
    if (code) this.code = code;
    if (code === 'rate_limit_exceeded') this.status = 429;
  }
}

const upstreamError = (message: string, code: string | null | undefined): Error =>
  new ResponsesError(message, code);
