import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodySource } from './body';

/** Node's request and response, which `@hono/node-server` passes to the app as its `env`. */
export interface NodeExchange {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

/**
 * The Node request and response behind `env`, when the app runs under
 * `@hono/node-server` (as in {@link serve}); `undefined` on other runtimes
 * and for `app.request()`. Reading and writing them directly spares a web
 * `Request`, its `AbortSignal` and a web stream per event stream.
 */
export function nodeExchangeOf(env: unknown): NodeExchange | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const incoming: unknown = Reflect.get(env, 'incoming');
  const outgoing: unknown = Reflect.get(env, 'outgoing');
  const isNode =
    typeof incoming === 'object' &&
    incoming !== null &&
    'iterator' in incoming &&
    typeof outgoing === 'object' &&
    outgoing !== null &&
    'writeHead' in outgoing;
  return isNode ? ({ incoming, outgoing } as NodeExchange) : undefined;
}

/** The body of Node's request; leaving its reading early leaves the socket open for the answer. */
export const nodeBody = ({ incoming }: NodeExchange): BodySource => ({
  length: incoming.headers['content-length'],
  chunks: () => incoming.iterator({ destroyOnReturn: false }),
});

/** A signal that aborts when the client goes away before the answer is written. */
export function closedSignal({ outgoing }: NodeExchange): AbortSignal {
  const controller = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller.signal;
}
