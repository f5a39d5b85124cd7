import type OpenAI from 'openai';
import type {
  FunctionTool,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ToolChoiceFunction,
  ToolChoiceOptions,
} from 'openai/resources/responses/responses';
import { catchError, defer, throwError } from 'rxjs';
import { namingEndpoint } from '../../errors/connectionError';
import { fromAbortableIterable } from '../../internal/fromAbortableIterable';
import { eventMapper } from './responsesEvents';
import type { ModelAdapter, ModelMessage, ModelRequest } from '../ModelAdapter';

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
 * its subclasses, with their `status`) pass through unchanged (a connection
 * error names the endpoint it could not reach). A stream that
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
        ).pipe(
          catchError((error: unknown) =>
            throwError(() => namingEndpoint(error, 'POST', `${client.baseURL}/responses`)),
          ),
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
