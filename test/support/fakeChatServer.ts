import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** An HTTP error with an OpenAI-style body: `{ error: { message, type, param, code } }`. */
export interface FakeHttpError {
  status: number;
  error: { message: string; type?: string; param?: string | null; code?: string | null };
}

/** What the fake does with a request: stream, fail, or `stall` (never even send headers). */
export type FakeReply = FakeStream | FakeHttpError | { stall: true };

/** A running fake; see {@link startFakeChatServer}. */
export interface FakeChatServer {
  /** The base URL, ending in `/v1`, for `new OpenAI({ baseURL })`. */
  url: string;
  /** The parsed JSON bodies of the requests to `/v1/chat/completions`, in order. */
  requests: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** How many clients went away before their reply ended. */
  readonly disconnects: number;
  /** Resolves once a client has gone away before its reply ended. */
  disconnected(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a fake Chat Completions endpoint on `127.0.0.1` (a free port) that
 * speaks OpenAI's real SSE chunk format. `handler` scripts the reply of each
 * `POST /v1/chat/completions` from its parsed body; other paths get a 404.
 */
export async function startFakeChatServer(
  handler: (body: any, req: IncomingMessage) => FakeReply, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<FakeChatServer> {
  const requests: unknown[] = [];
  let disconnects = 0;
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (text += part));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        return sendError(res, { status: 404, error: { message: `No route ${req.url}` } });
      }
      const body = JSON.parse(text);
      requests.push(body);
      let destroyedHere = false;
      res.on('close', () => {
        if (res.writableEnded || destroyedHere) return;
        disconnects += 1;
        waiters.forEach((wake) => wake());
        waiters = [];
      });
      const reply = handler(body, req);
      if ('stall' in reply) return;
      if ('status' in reply) return sendError(res, reply);
      sendStream(res, body, reply, () => {
        destroyedHere = true;
        res.socket?.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get disconnects() {
      return disconnects;
    },
    disconnected: () =>
      disconnects > 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function sendError(res: ServerResponse, { status, error }: FakeHttpError): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({ error: { type: 'invalid_request_error', param: null, code: null, ...error } }),
  );
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
