import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP error with an OpenAI-style body: `{ error: { message, type, param, code } }`. */
export interface FakeHttpError {
  status: number;
  error: { message: string; type?: string; param?: string | null; code?: string | null };
}

/** A running fake endpoint. */
export interface FakeEndpoint {
  /** The base URL, ending in `/v1`, for `new OpenAI({ baseURL })`. */
  url: string;
  /** The parsed JSON bodies of the requests to the endpoint, in order. */
  requests: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** How many clients went away before their reply ended. */
  readonly disconnects: number;
  /** Resolves once a client has gone away before its reply ended. */
  disconnected(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a fake OpenAI endpoint on `127.0.0.1` (a free port) for `POST
 * /v1/<path>`; other paths get a 404. `handler` scripts each reply from the
 * parsed body: an HTTP error, a `stall` (no headers, ever), or a stream that
 * `sendStream` writes (`destroy` drops the connection without counting it as
 * the client's disconnect).
 */
export async function startFakeEndpoint<S extends object>(
  path: string,
  handler: (body: any, req: IncomingMessage) => S | FakeHttpError | { stall: true }, // eslint-disable-line @typescript-eslint/no-explicit-any
  sendStream: (res: ServerResponse, body: any, reply: S, destroy: () => void) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<FakeEndpoint> {
  const requests: unknown[] = [];
  let disconnects = 0;
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (text += part));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== `/v1/${path}`) {
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
      if ('status' in reply) return sendError(res, reply as FakeHttpError);
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
