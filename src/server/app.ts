import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { adaptivePoll } from '../client/PollPolicy';
import { bearerCheck } from './auth';
import { bodyOfRequest, readJsonObject, readText } from './body';
import { cors, originOf } from './cors';
import { firstValue } from './firstValue';
import { errorResponseOf, unknownUrl } from './errors';
import { closedSignal, nodeBody, nodeExchangeOf } from './node';
import { operationsOf, streamOperationsOf, type OperationInput } from './operations';
import { pollingStreaming } from './pollingStreaming';
import { contentTypeError, hostCheck, originCheck, untypedBodyError } from './security';
import { operationsOf as specOperations, type OperationSpec } from './spec';
import { sseResponse, sseToNode, streamRegistry, type StreamRegistry } from './sse';
import { compileValidators, type RequestValidator } from './validate';

/** Options of {@link createApp}: everything of the server but where it listens. */
export interface AppOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** The largest request body accepted, in bytes (else 413). Default 1 MiB. */
  bodyLimit?: number;
  /**
   * The `openai-poll-after-ms` hint sent with a run, when the backend gives
   * none. Default 500; `null` sends no hint (clients then use their own policy).
   */
  pollAfterMs?: number | null;
  /** The scheduler of the polls that stream runs of a backend without `streaming`. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Told of every error the server did not expect (each answered as a bare 500). */
  onError?: (error: unknown) => void;
  /**
   * The `Host` headers accepted, such as `['127.0.0.1:8787', 'localhost:8787']`
   * (else 421), against DNS rebinding. {@link serve} sets them when it binds
   * loopback. Default: any host, so that `app.request('/v1/...')` works.
   */
  allowedHosts?: readonly string[];
  /**
   * The browser origins allowed to call the API, such as
   * `['http://127.0.0.1:5173']`: their preflights are answered and their
   * answers carry CORS headers. Any other `Origin` but the server's own gets a 403.
   */
  cors?: readonly string[];
  /**
   * Whether a `POST` body must be `application/json` (else 415), as no browser
   * sends it cross-site without a preflight. Default `false` here, so that
   * `app.request(url, { method: 'POST', body })` works; {@link serve} defaults it to `true`.
   */
  requireJson?: boolean;
}

/** An app and what closing its server needs. */
export interface BuiltApp {
  app: Hono;
  /** The open event streams, ended when the server closes. */
  streams: StreamRegistry;
}

const MiB = 1024 * 1024;

/**
 * The Assistants REST API over `backend`, as a Hono app: its `fetch` handler
 * runs on any runtime with the Fetch API. {@link serve} runs it on Node.
 *
 * ## Example
 *
 * ```ts
 * import { createApp } from 'rx-assistants/server';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const app = createApp(localBackend());
 * const response = await app.request('/v1/assistants');
 * console.log(response.status); // 200
 * ```
 *
 * @param backend The backend that holds the state; the app keeps none.
 * @param options Key, allowed hosts, CORS origins, JSON bodies, body limit, poll hint, scheduler.
 * @returns The app; `app.fetch` handles a `Request`.
 */
export function createApp(backend: AssistantsBackend, options: AppOptions = {}): Hono {
  return buildApp(backend, options).app;
}

/** {@link createApp}, with the registry of open event streams. */
export function buildApp(backend: AssistantsBackend, options: AppOptions = {}): BuiltApp {
  const bodyLimit = options.bodyLimit ?? MiB;
  const pollAfterMs = options.pollAfterMs === undefined ? 500 : options.pollAfterMs;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) {
    throw new TypeError(`bodyLimit must be a positive integer of bytes, got ${bodyLimit}`);
  }
  if (pollAfterMs !== null && (!Number.isInteger(pollAfterMs) || pollAfterMs < 0)) {
    throw new TypeError(`pollAfterMs must be an integer of milliseconds ≥ 0, got ${pollAfterMs}`);
  }
  const specs = specOperations();
  const validators = referenceValidators();
  const operations = operationsOf(backend, pollAfterMs);
  const streaming =
    backend.streaming ??
    pollingStreaming(backend, {
      // In process, the first poll costs nothing: the stream's first events come at once.
      poll: adaptivePoll({ first: 0 }),
      scheduler: options.scheduler ?? asyncScheduler,
    });
  const streamOperations = streamOperationsOf(streaming);
  const streams = streamRegistry();
  const authorize = options.apiKey === undefined ? undefined : bearerCheck(options.apiKey);
  const allowedOrigins = (options.cors ?? []).map((origin) => originOf(origin));
  const checkHost = options.allowedHosts && hostCheck(options.allowedHosts);
  const checkOrigin = originCheck(allowedOrigins);

  const fail = (c: Context, error: unknown): Response => {
    const { status, body } = errorResponseOf(error);
    if (status >= 500) options.onError?.(error);
    return c.json(body, status as ContentfulStatusCode);
  };

  /** The JSON body of a request ({} when the operation takes none), within the limit. */
  const readBody = async (c: Context, op: OperationSpec): Promise<Record<string, unknown>> => {
    // A request without a body is answered without reading one (or building a `Request`).
    if (op.method !== 'POST') return {};
    const node = nodeExchangeOf(c.env);
    const source = node ? nodeBody(node) : bodyOfRequest(c.req.raw);
    const type = c.req.header('content-type');
    if (options.requireJson) {
      const refused = contentTypeError(type);
      if (refused) throw refused;
      if (type === undefined) {
        const untyped = untypedBodyError(await readText(source, bodyLimit));
        if (untyped) throw untyped;
        return {};
      }
    }
    if (!op.bodySchema) {
      await readText(source, bodyLimit); // no body expected, but the limit holds
      return {};
    }
    return readJsonObject(source, bodyLimit);
  };

  const handle = (op: OperationSpec) => async (c: Context) => {
    const validator = validators.get(op.operationId)!;
    const query = queryOf(c, op);
    const queryError = validator.query(query);
    if (queryError) throw queryError;
    let body = await readBody(c, op);
    if (op.bodySchema) {
      const bodyError = validator.body?.(body);
      if (bodyError) throw bodyError;
    }
    // Every POST may carry a key; the backend decides what it does with it.
    const key = op.method === 'POST' ? c.req.header('idempotency-key') || undefined : undefined;
    const request = { path: c.req.param(), query, idempotencyKey: key };
    const stream = streamOperations[op.operationId];
    if (stream) {
      const { stream: wanted, ...params } = body;
      const input: OperationInput = { ...request, body: params };
      if (wanted === true) {
        const onError = (error: unknown) => {
          if (errorResponseOf(error).status >= 500) options.onError?.(error);
        };
        // The request's own headers (x-request-id, CORS) go with the stream's.
        const headers: Record<string, string> = {};
        c.newResponse(null).headers.forEach((value, name) => (headers[name] = value));
        const node = nodeExchangeOf(c.env);
        if (!node) {
          const context = { signal: c.req.raw.signal, registry: streams, onError };
          return sseResponse(stream(input), context, headers);
        }
        await sseToNode(stream(input), { registry: streams, onError }, node.outgoing, headers);
        return RESPONSE_ALREADY_SENT;
      }
      body = params;
    }
    const input: OperationInput = { ...request, body };
    const node = nodeExchangeOf(c.env);
    const signalOf = () => (node ? closedSignal(node) : c.req.raw.signal);
    const reply = await firstValue(operations[op.operationId]!(input), signalOf);
    return c.json(reply.json, 200, reply.headers);
  };

  const app = new Hono();
  const answerCors = allowedOrigins.length > 0 ? cors(allowedOrigins) : undefined;
  // Every request: its id, CORS (so that an allowed page can read every refusal),
  // Host (a preflight of a foreign Host is refused too), then Origin and key.
  app.use(async (c, next) => {
    c.header('x-request-id', `req_${crypto.randomUUID().replace(/-/g, '')}`);
    const preflight = answerCors?.(c);
    const refused = checkHost?.(hostOf(c));
    if (refused) return fail(c, refused);
    if (preflight) return preflight;
    const denied =
      checkOrigin(c.req.header('origin'), hostOf(c)) ?? authorize?.(c.req.header('authorization'));
    if (denied) return fail(c, denied);
    await next();
  });
  // Fixed paths first: `POST /threads/runs` is not `POST /threads/{thread_id}`.
  const byFixedFirst = [...specs].sort((a, b) => params(a.path) - params(b.path));
  for (const op of byFixedFirst) {
    const route = `/v1${op.path.replace(/\{(\w+)\}/g, ':$1')}`;
    const run = handle(op);
    app.on(op.method, route, async (c) => {
      try {
        return await run(c);
      } catch (error) {
        return fail(c, error);
      }
    });
  }
  app.notFound((c) => fail(c, unknownUrl(c.req.method, c.req.path)));
  app.onError((error, c) => fail(c, error));
  return { app, streams };
}

let compiled: Map<string, RequestValidator> | undefined;
/** The validators of the reference document, compiled on first use and shared by every app. */
const referenceValidators = () => (compiled ??= compileValidators(specOperations()));

/** The request's `Host`, or its URL's host where a `Request` has no header (`app.request`). */
const hostOf = (c: Context) => c.req.header('host') ?? new URL(c.req.url).host;

const params = (path: string) => path.split('{').length - 1;

/** The query parameters the operation declares; arrays (`include[]`) keep every value. */
function queryOf(c: Context, op: OperationSpec): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const { name, schema } of op.query) {
    const isArray = (schema as { type?: unknown }).type === 'array';
    const value = isArray ? c.req.queries(name) : c.req.query(name);
    if (value !== undefined) query[name] = value;
  }
  return query;
}
