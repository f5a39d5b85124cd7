import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { asyncScheduler, take, type Observable, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import { defaultPoll } from '../client/PollPolicy';
import { bearerCheck } from './auth';
import { readJsonObject, readText } from './body';
import { errorResponseOf, HttpError, unknownUrl } from './errors';
import { operationsOf, streamOperationsOf, type OperationInput } from './operations';
import { pollingStreaming } from './pollingStreaming';
import { operationsOf as specOperations, type OperationSpec } from './spec';
import { sseResponse, streamRegistry, type StreamRegistry } from './sse';
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
 * @param options Key, body limit, poll hint, scheduler.
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
      poll: defaultPoll,
      scheduler: options.scheduler ?? asyncScheduler,
    });
  const streamOperations = streamOperationsOf(streaming);
  const streams = streamRegistry();
  const authorize = options.apiKey === undefined ? undefined : bearerCheck(options.apiKey);

  const fail = (c: Context, error: unknown): Response => {
    const { status, body } = errorResponseOf(error);
    if (status >= 500) options.onError?.(error);
    return c.json(body, status as ContentfulStatusCode);
  };

  const handle = (op: OperationSpec) => async (c: Context) => {
    const validator = validators.get(op.operationId)!;
    const query = queryOf(c, op);
    const queryError = validator.query(query);
    if (queryError) throw queryError;
    let body: Record<string, unknown> = {};
    if (op.bodySchema) {
      body = await readJsonObject(c.req.raw, bodyLimit);
      const bodyError = validator.body?.(body);
      if (bodyError) throw bodyError;
    } else {
      await readText(c.req.raw, bodyLimit); // no body expected, but the limit holds
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
        return sseResponse(stream(input), { signal: c.req.raw.signal, registry: streams, onError });
      }
      body = params;
    }
    const input: OperationInput = { ...request, body };
    const reply = await firstValue(operations[op.operationId]!(input), c.req.raw.signal);
    return c.json(reply.json, 200, reply.headers);
  };

  const app = new Hono();
  app.use(async (c, next) => {
    const requestId = `req_${crypto.randomUUID().replace(/-/g, '')}`;
    await next();
    c.res.headers.set('x-request-id', requestId);
  });
  app.use(async (c, next) => {
    const denied = authorize?.(c.req.header('authorization'));
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

/**
 * The first value of `source`, unsubscribing (which aborts the backend's
 * request) when the client goes away first.
 */
function firstValue<T>(source: Observable<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const gone = () => {
      subscription.unsubscribe();
      reject(new HttpError(499, 'The client closed the request.'));
    };
    const subscription = source.pipe(take(1)).subscribe({
      next: resolve,
      error: reject,
      complete: () => reject(new Error('The backend completed without a value.')),
    });
    if (subscription.closed) return;
    signal.addEventListener('abort', gone, { once: true });
    subscription.add(() => signal.removeEventListener('abort', gone));
  });
}
