import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeEndpoint, type FakeEndpoint, type FakeHttpError } from './fakeEndpoint';

/**
 * One scripted output item of a streamed response: an assistant message whose
 * text (or refusal) arrives in the given delta pieces, or a function call whose
 * arguments do (or, `quiet`, do not: as some compatible servers send them).
 */
export type FakeOutputItem =
  | { type: 'message'; text: string[]; part?: 'output_text' | 'refusal' }
  | {
      type: 'function_call';
      call_id: string;
      name: string;
      arguments: string[];
      /** Send no argument deltas: the arguments come only with the finished item. */
      quiet?: boolean;
    };

/** Token counts of the final response. */
export interface FakeResponsesUsage {
  input_tokens: number;
  output_tokens: number;
}

/**
 * A streamed response (`200`, `text/event-stream`), in the Responses API's own
 * SSE format (`event: <type>` and `data: <json>` with `type` and
 * `sequence_number`): `response.created`, `response.in_progress`, then for
 * each output item `response.output_item.added`, its content part, its delta
 * events (`response.output_text.delta`, `response.refusal.delta` or
 * `response.function_call_arguments.delta`), their `.done` events and
 * `response.output_item.done`; then how the stream ends:
 *
 * - `'completed'` (default): `response.completed`, with `usage` if given;
 * - `'failed'`: `response.failed`, whose `response.error` is `error` (a
 *   `server_error` by default);
 * - `'incomplete'`: `response.incomplete` with `incomplete_details.reason:
 *   'max_output_tokens'`;
 * - `'error'`: an `error` event (`{ type: 'error', code, message, param }`),
 *   with `error`'s code and message;
 * - `'destroy'`: the socket is destroyed after the items;
 * - `'hang'`: the stream stays open until the client goes away.
 *
 * OpenAI streams the output items one after the other. With `interleave`, the
 * fake starts them all, then alternates their delta events, then ends them:
 * the format allows it, and a client must not depend on the order.
 */
export interface FakeResponseStream {
  output?: FakeOutputItem[];
  usage?: FakeResponsesUsage;
  interleave?: boolean;
  end?: 'completed' | 'failed' | 'incomplete' | 'error' | 'destroy' | 'hang';
  error?: { code: string; message: string };
}

export type FakeResponsesHttpError = FakeHttpError;

/** What the fake does with a request: stream, fail, or `stall` (never even send headers). */
export type FakeResponsesReply = FakeResponseStream | FakeResponsesHttpError | { stall: true };

/** A running fake; see {@link startFakeResponsesServer}. */
export type FakeResponsesServer = FakeEndpoint;

/**
 * Starts a fake endpoint for `POST /v1/responses` on `127.0.0.1` (a free port);
 * `handler` scripts the reply of each request from its parsed body.
 */
export function startFakeResponsesServer(
  handler: (body: any, req: IncomingMessage) => FakeResponsesReply, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<FakeResponsesServer> {
  return startFakeEndpoint<FakeResponseStream>('responses', handler, sendStream);
}

type Event = Record<string, unknown> & { type: string };

/** The events of one output item: those that start it, its deltas, those that end it. */
interface ItemEvents {
  open: Event[];
  deltas: Event[];
  close: Event[];
  /** The finished item, as `response.output` lists it. */
  done: Record<string, unknown>;
}

function itemEvents(item: FakeOutputItem, output_index: number): ItemEvents {
  if (item.type === 'function_call') {
    const id = `fc_${output_index}`;
    const args = item.arguments.join('');
    const started = { id, type: 'function_call', status: 'in_progress', arguments: '' };
    const done = { ...started, status: 'completed', arguments: args };
    const call = { call_id: item.call_id, name: item.name };
    return {
      open: [{ type: 'response.output_item.added', output_index, item: { ...started, ...call } }],
      deltas: (item.quiet ? [] : item.arguments).map((delta) => ({
        type: 'response.function_call_arguments.delta',
        item_id: id,
        output_index,
        delta,
      })),
      close: [
        {
          type: 'response.function_call_arguments.done',
          item_id: id,
          output_index,
          arguments: args,
        },
        { type: 'response.output_item.done', output_index, item: { ...done, ...call } },
      ],
      done: { ...done, ...call },
    };
  }
  const id = `msg_${output_index}`;
  const kind = item.part ?? 'output_text';
  const full = item.text.join('');
  const emptyPart =
    kind === 'refusal'
      ? { type: 'refusal', refusal: '' }
      : { type: 'output_text', annotations: [], logprobs: [], text: '' };
  const fullPart =
    kind === 'refusal'
      ? { type: 'refusal', refusal: full }
      : { type: 'output_text', annotations: [], logprobs: [], text: full };
  const where = { item_id: id, output_index, content_index: 0 };
  const message = { id, type: 'message', role: 'assistant' };
  const done = { ...message, status: 'completed', content: [fullPart] };
  return {
    open: [
      {
        type: 'response.output_item.added',
        output_index,
        item: { ...message, status: 'in_progress', content: [] },
      },
      { type: 'response.content_part.added', ...where, part: emptyPart },
    ],
    deltas: item.text.map((delta) =>
      kind === 'refusal'
        ? { type: 'response.refusal.delta', ...where, delta }
        : { type: 'response.output_text.delta', ...where, delta, logprobs: [] },
    ),
    close: [
      kind === 'refusal'
        ? { type: 'response.refusal.done', ...where, refusal: full }
        : { type: 'response.output_text.done', ...where, text: full, logprobs: [] },
      { type: 'response.content_part.done', ...where, part: fullPart },
      { type: 'response.output_item.done', output_index, item: done },
    ],
    done,
  };
}

/** The items' events in OpenAI's order, or started together with alternating deltas. */
function ordered(items: ItemEvents[], interleave: boolean): Event[] {
  if (!interleave) return items.flatMap((item) => [...item.open, ...item.deltas, ...item.close]);
  const deltas: Event[] = [];
  const longest = Math.max(0, ...items.map((item) => item.deltas.length));
  for (let i = 0; i < longest; i += 1) {
    for (const item of items) if (item.deltas[i]) deltas.push(item.deltas[i]!);
  }
  return [...items.flatMap((item) => item.open), ...deltas, ...items.flatMap((item) => item.close)];
}

function sendStream(
  res: ServerResponse,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any,
  reply: FakeResponseStream,
  destroy: () => void,
): void {
  const items = (reply.output ?? []).map(itemEvents);
  let sequence_number = 0;
  const send = ({ type, ...rest }: Event) =>
    res.write(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence_number++, ...rest })}\n\n`,
    );
  /** The response object, as the lifecycle events carry it. */
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: 'resp_1',
    object: 'response',
    created_at: 0,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: {},
    ...extra,
  });
  const usage = reply.usage && {
    input_tokens: reply.usage.input_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.usage.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.usage.input_tokens + reply.usage.output_tokens,
  };
  const output = items.map((item) => item.done);

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  send({ type: 'response.created', response: response('in_progress') });
  send({ type: 'response.in_progress', response: response('in_progress') });
  for (const event of ordered(items, reply.interleave ?? false)) send(event);
  const error = reply.error ?? {
    code: 'server_error',
    message: 'The model failed to generate a response.',
  };
  switch (reply.end ?? 'completed') {
    case 'completed':
      send({
        type: 'response.completed',
        response: response('completed', { output, ...(usage && { usage }) }),
      });
      return void res.end();
    case 'failed':
      send({ type: 'response.failed', response: response('failed', { output, error }) });
      return void res.end();
    case 'incomplete':
      send({
        type: 'response.incomplete',
        response: response('incomplete', {
          output,
          incomplete_details: { reason: 'max_output_tokens' },
          ...(usage && { usage }),
        }),
      });
      return void res.end();
    case 'error':
      send({ type: 'error', code: error.code, message: error.message, param: null });
      return void res.end();
    case 'destroy':
      return void res.write('', destroy);
    case 'hang':
      return;
  }
}
