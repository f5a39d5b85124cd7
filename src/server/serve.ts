import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { buildApp, type AppOptions } from './app';

/** Options of {@link serve}. */
export interface ServeOptions extends AppOptions {
  /** The interface to bind. Default `'127.0.0.1'`: loopback only. */
  host?: string;
  /** The port. Default 8787; `0` takes any free port (read it from the handle). */
  port?: number;
}

/** A running server. */
export interface ServerHandle {
  /** The API's base URL, such as `http://127.0.0.1:8787/v1`: the SDK's `baseURL`. */
  url: string;
  /** The port it listens on (the one chosen, when `port` was 0). */
  port: number;
  /** Stops accepting connections, ends open event streams, and resolves once closed. */
  close(): Promise<void>;
}

const hostInUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

/**
 * Serves the Assistants REST API (SSE streaming included) over `backend` at
 * `/v1`, on Node. The official SDKs work against it by changing their base
 * URL. It binds to loopback unless told otherwise.
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { serve } from 'rx-assistants/server';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const server = await serve(localBackend(), { port: 0, apiKey: 'local-secret' });
 * const openai = new OpenAI({ baseURL: server.url, apiKey: 'local-secret' });
 * const assistant = await openai.beta.assistants.create({ model: 'tutor' });
 * await server.close();
 * ```
 *
 * @param backend The backend that holds the state, such as `localBackend()`.
 * @param options Where to listen, the API key, the body limit, the poll hint.
 * @returns A handle with the URL, the port and `close()`, once it listens.
 */
export async function serve(
  backend: AssistantsBackend,
  options: ServeOptions = {},
): Promise<ServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const { app, streams } = buildApp(backend, options);
  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  // A connection whose answer ends while closing is not kept alive, or close()
  // would wait for the client to drop it.
  server.on('request', (req, res) => {
    const { socket } = req;
    res.once('finish', () => closed && socket.end());
  });
  return {
    url: `http://${hostInUrl(host)}:${actual}/v1`,
    port: actual,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        streams.endAll();
        server.closeIdleConnections();
      })),
  };
}
