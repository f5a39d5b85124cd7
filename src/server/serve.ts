import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { buildApp, type AppOptions } from './app';
import { isLoopback, loopbackHosts } from './security';

/** Options of {@link serve}. */
export interface ServeOptions extends AppOptions {
  /** The interface to bind. Default `'127.0.0.1'`: loopback only. */
  host?: string;
  /** The port. Default 8787; `0` takes any free port (read it from the handle). */
  port?: number;
  /**
   * Allows a `host` other than loopback without `apiKey`, which lets anyone
   * who reaches the port use the server. Default `false`: `serve` refuses.
   */
  insecure?: boolean;
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
 * URL. It binds to loopback unless told otherwise, and there answers only
 * requests addressed to it (`Host`), from no foreign browser page (`Origin`,
 * unless listed in `cors`), with JSON bodies.
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
 * @param options Where to listen, the API key, CORS origins, the body limit, the poll hint.
 * @returns A handle with the URL, the port and `close()`, once it listens.
 * @throws {TypeError} (a rejection) On a bad port, or a non-loopback `host`
 *   without `apiKey` or `insecure: true`.
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
  if (!isLoopback(host) && options.apiKey === undefined && !options.insecure) {
    throw new TypeError(
      `Refusing to listen on ${host} without an apiKey: anyone who reaches it could use the ` +
        'server. Set apiKey, bind loopback (127.0.0.1), or pass insecure: true.',
    );
  }
  // Filled once the port is known; the app reads it on every request.
  const allowedHosts: string[] = [...(options.allowedHosts ?? [])];
  const { app, streams } = buildApp(backend, {
    ...options,
    requireJson: options.requireJson ?? true,
    allowedHosts: isLoopback(host) || options.allowedHosts ? allowedHosts : undefined,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  if (isLoopback(host)) allowedHosts.push(...loopbackHosts(host, actual));
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
