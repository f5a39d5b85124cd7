import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeEndpoint, type FakeEndpoint, type FakeHttpError } from './fakeEndpoint';

/** One scripted delta of a streamed reply, in the API's own shape. */
export interface FakeDelta {
  content?: string;
  refusal?: string;
  tool_calls?: {
    index: number;
    id?: string;
    type?: 'function';
    function?: { name?: string; arguments?: string };
  }[];
}

/** Token counts of the usage chunk. */
export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/**
 * A streamed reply (`200`, `text/event-stream`): an opening chunk with the
 * assistant role and empty content, as OpenAI sends it, then one chunk per
 * delta, then how the stream ends:
 *
 * - `'done'` (default): a chunk with the finish reason (`'tool_calls'` if a
 *   delta has tool calls, else `'stop'`), a usage chunk with `choices: []` if
 *   `usage` is given *and* the request asked for `stream_options.include_usage`,
 *   then `data: [DONE]`;
 * - `'destroy'`: the socket is destroyed after the deltas;
 * - `'malformed'`: a `data:` line that is not JSON, then the connection ends;
 * - `'error'`: an error object (`data: {"error": ...}`), as OpenAI sends mid-stream;
 * - `'hang'`: the stream stays open until the client goes away.
 */
export interface FakeStream {
  deltas?: FakeDelta[];
  usage?: FakeUsage;
  end?: 'done' | 'destroy' | 'malformed' | 'error' | 'hang';
}

export type { FakeHttpError };

/** What the fake does with a request: stream, fail, or `stall` (never even send headers). */
export type FakeReply = FakeStream | FakeHttpError | { stall: true };

/** A running fake; see {@link startFakeChatServer}. */
export type FakeChatServer = FakeEndpoint;

/**
 * Starts a fake endpoint for `POST /v1/chat/completions` on `127.0.0.1` (a free port);
 * `handler` scripts the reply of each request from its parsed body.
 */
export function startFakeChatServer(
  handler: (body: any, req: IncomingMessage) => FakeReply, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<FakeChatServer> {
  return startFakeEndpoint<FakeStream>('chat/completions', handler, sendStream);
}

function sendStream(
  res: ServerResponse,
  body: { model: string; stream_options?: { include_usage?: boolean } },
  reply: FakeStream,
  destroy: () => void,
): void {
  const deltas = reply.deltas ?? [];
  const withUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], usage: unknown = null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 0,
      model: body.model,
      choices,
      ...(withUsage && { usage }),
    })}\n\n`;
  const choice = (delta: unknown, finish_reason: string | null = null) => ({
    index: 0,
    delta,
    finish_reason,
  });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunk([choice({ role: 'assistant', content: '', refusal: null })]));
  for (const delta of deltas) res.write(chunk([choice(delta)]));
  switch (reply.end ?? 'done') {
    case 'done': {
      const calls = deltas.some((delta) => delta.tool_calls);
      res.write(chunk([choice({}, calls ? 'tool_calls' : 'stop')]));
      if (withUsage && reply.usage) {
        const { prompt_tokens, completion_tokens } = reply.usage;
        res.write(
          chunk([], {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
          }),
        );
      }
      return void res.end('data: [DONE]\n\n');
    }
    case 'destroy':
      return void res.write('', destroy);
    case 'malformed':
      return void res.end('data: {"id": "chatcmpl-1", "choi\n\n');
    case 'error':
      return void res.end(
        `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`,
      );
    case 'hang':
      return;
  }
}
