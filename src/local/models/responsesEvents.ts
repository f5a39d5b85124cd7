import type {
  Response,
  ResponseFunctionToolCall,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import type { ModelEvent } from '../ModelAdapter';

/** A function call of the response being streamed. */
interface Call {
  index: number;
  /** The arguments sent so far. */
  arguments: string;
}

/**
 * A mapper from the stream events of one response to model events. It numbers
 * the function calls in the order they start and finds each argument delta's
 * call by item id (or output index). `response.incomplete` ends the turn
 * with its usage and a `finish`; `response.failed` and `error` throw.
 *
 * ## Example
 *
 * ```ts
 * import { eventMapper } from 'src/local/models/responsesEvents';
 *
 * const toModelEvents = eventMapper(); // one per response
 * toModelEvents({
 *   type: 'response.output_text.delta',
 *   delta: 'Hi',
 *   item_id: 'msg_1',
 *   output_index: 0,
 *   content_index: 0,
 *   logprobs: [],
 *   sequence_number: 3,
 * }); // [{ type: 'text', delta: 'Hi' }]
 * ```
 *
 * @returns The mapper of one response's events.
 */
export function eventMapper(): (event: ResponseStreamEvent) => ModelEvent[] {
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
