import type OpenAI from 'openai';
import type { Observable } from 'rxjs';
import { fromAbortable } from '../internal/fromAbortable';
import { endpointNamer } from './endpoints';
import { fromEventStream, type EventStreamErrors } from '../internal/fromEventStream';
import type { AssistantsBackend, Page, RequestOptions, RunRetrieval } from './AssistantsBackend';

/** The parts of a cursor page that the SDK exposes publicly. */
interface SdkPage<T> {
  data: T[];
  has_more: boolean;
}

/** The methods each resource of an {@link AssistantsBackend} must have. */
const BACKEND_SHAPE: Record<Exclude<keyof AssistantsBackend, 'streaming'>, readonly string[]> = {
  assistants: ['create', 'retrieve', 'update', 'list', 'delete'],
  threads: ['create', 'retrieve', 'update', 'delete', 'createAndRun'],
  messages: ['create', 'retrieve', 'update', 'list', 'delete'],
  runs: ['create', 'retrieve', 'update', 'list', 'cancel', 'submitToolOutputs'],
  steps: ['retrieve', 'list'],
};

/**
 * Creates an {@link AssistantsBackend} over an `openai` v6 client: every
 * method of the port becomes one request to the Assistants API through
 * `client.beta.threads`, `client.beta.assistants` and their sub-resources.
 *
 * Every Observable is cold: it sends its request on subscribe, with an
 * `AbortController` of its own, and unsubscribing before the response arrives
 * aborts the request. List methods emit one page; they never auto-paginate.
 * Calls that start a run are sent with `stream: false`; `streaming` sends
 * them with `stream: true` and emits the server's events as they arrive,
 * read from the response's body as the SDK's `Stream` reads them (the same
 * events, the same errors) but without its layers of async generators.
 * A run retrieval carries the server's `openai-poll-after-ms` hint as
 * `pollAfterMs`. A write's `idempotencyKey` is sent as the `Idempotency-Key`
 * header. The SDK's errors (`APIError` and its subclasses such as
 * `NotFoundError`, `APIUserAbortError`) pass through unchanged, but for a
 * connection error's message, which names the request (`Connection error:
 * POST http://127.0.0.1:9/v1/threads (connect ECONNREFUSED ...).`), its class
 * and the SDK's error as `cause` kept. The client's own settings (retries,
 * timeout, base URL) apply.
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { firstValueFrom } from 'rxjs';
 * import { openaiBackend } from 'rx-assistants';
 *
 * const backend = openaiBackend(new OpenAI());
 * const { run, pollAfterMs } = await firstValueFrom(backend.runs.retrieve('thread_abc', 'run_abc'));
 * console.log(run.status, pollAfterMs);
 * ```
 *
 * @see {@link isAssistantsBackend}
 * @param client The OpenAI client whose `beta` resources serve the requests.
 * @returns A backend whose methods are cold Observables of one request each.
 */
export function openaiBackend(client: OpenAI): AssistantsBackend {
  const { assistants, threads } = client.beta;
  const { messages, runs } = threads;
  const { steps } = runs;
  // Each request names itself in a connection error (see `endpointNamer`).
  const named = endpointNamer(client.baseURL);
  const streamErrors = sdkStreamErrors(client);
  return {
    assistants: {
      create: (params, options) =>
        fromAbortable(
          (signal) => assistants.create(params, sdk(signal, options)),
          (error) => named(error, 'assistants', 'create'),
        ),
      retrieve: (assistantId) =>
        fromAbortable(
          (signal) => assistants.retrieve(assistantId, { signal }),
          (error) => named(error, 'assistants', 'retrieve', assistantId),
        ),
      update: (assistantId, params, options) =>
        fromAbortable(
          (signal) => assistants.update(assistantId, params, sdk(signal, options)),
          (error) => named(error, 'assistants', 'update', assistantId),
        ),
      list: (query) =>
        listPage(
          (signal) => assistants.list(query, { signal }),
          (error) => named(error, 'assistants', 'list'),
        ),
      delete: (assistantId) =>
        fromAbortable(
          (signal) => assistants.delete(assistantId, { signal }),
          (error) => named(error, 'assistants', 'delete', assistantId),
        ),
    },
    threads: {
      create: (params, options) =>
        fromAbortable(
          (signal) => threads.create(params, sdk(signal, options)),
          (error) => named(error, 'threads', 'create'),
        ),
      retrieve: (threadId) =>
        fromAbortable(
          (signal) => threads.retrieve(threadId, { signal }),
          (error) => named(error, 'threads', 'retrieve', threadId),
        ),
      update: (threadId, params, options) =>
        fromAbortable(
          (signal) => threads.update(threadId, params, sdk(signal, options)),
          (error) => named(error, 'threads', 'update', threadId),
        ),
      delete: (threadId) =>
        fromAbortable(
          (signal) => threads.delete(threadId, { signal }),
          (error) => named(error, 'threads', 'delete', threadId),
        ),
      createAndRun: (params, options) =>
        fromAbortable(
          (signal) => threads.createAndRun({ ...params, stream: false }, sdk(signal, options)),
          (error) => named(error, 'threads', 'createAndRun'),
        ),
    },
    messages: {
      create: (threadId, params, options) =>
        fromAbortable(
          (signal) => messages.create(threadId, params, sdk(signal, options)),
          (error) => named(error, 'messages', 'create', threadId),
        ),
      retrieve: (threadId, messageId) =>
        fromAbortable(
          (signal) => messages.retrieve(messageId, { thread_id: threadId }, { signal }),
          (error) => named(error, 'messages', 'retrieve', threadId, messageId),
        ),
      update: (threadId, messageId, params, options) =>
        fromAbortable(
          (signal) =>
            messages.update(messageId, { ...params, thread_id: threadId }, sdk(signal, options)),
          (error) => named(error, 'messages', 'update', threadId, messageId),
        ),
      list: (threadId, query) =>
        listPage(
          (signal) => messages.list(threadId, query, { signal }),
          (error) => named(error, 'messages', 'list', threadId),
        ),
      delete: (threadId, messageId) =>
        fromAbortable(
          (signal) => messages.delete(messageId, { thread_id: threadId }, { signal }),
          (error) => named(error, 'messages', 'delete', threadId, messageId),
        ),
    },
    runs: {
      create: (threadId, params, options) =>
        fromAbortable(
          (signal) => runs.create(threadId, { ...params, stream: false }, sdk(signal, options)),
          (error) => named(error, 'runs', 'create', threadId),
        ),
      retrieve: (threadId, runId) =>
        fromAbortable(
          (signal) =>
            runs
              .retrieve(runId, { thread_id: threadId }, { signal })
              .withResponse()
              .then(({ data: run, response }): RunRetrieval => {
                const pollAfterMs = parsePollAfterMs(response.headers.get('openai-poll-after-ms'));
                return pollAfterMs === undefined ? { run } : { run, pollAfterMs };
              }),
          (error) => named(error, 'runs', 'retrieve', threadId, runId),
        ),
      update: (threadId, runId, params, options) =>
        fromAbortable(
          (signal) => runs.update(runId, { ...params, thread_id: threadId }, sdk(signal, options)),
          (error) => named(error, 'runs', 'update', threadId, runId),
        ),
      list: (threadId, query) =>
        listPage(
          (signal) => runs.list(threadId, query, { signal }),
          (error) => named(error, 'runs', 'list', threadId),
        ),
      cancel: (threadId, runId, options) =>
        fromAbortable(
          (signal) => runs.cancel(runId, { thread_id: threadId }, sdk(signal, options)),
          (error) => named(error, 'runs', 'cancel', threadId, runId),
        ),
      submitToolOutputs: (threadId, runId, params, options) =>
        fromAbortable(
          (signal) =>
            runs.submitToolOutputs(
              runId,
              { ...params, thread_id: threadId, stream: false },
              sdk(signal, options),
            ),
          (error) => named(error, 'runs', 'submitToolOutputs', threadId, runId),
        ),
    },
    steps: {
      retrieve: (threadId, runId, stepId, query) =>
        fromAbortable(
          (signal) =>
            steps.retrieve(stepId, { ...query, thread_id: threadId, run_id: runId }, { signal }),
          (error) => named(error, 'steps', 'retrieve', threadId, runId, stepId),
        ),
      list: (threadId, runId, query) =>
        listPage(
          (signal) => steps.list(runId, { ...query, thread_id: threadId }, { signal }),
          (error) => named(error, 'steps', 'list', threadId, runId),
        ),
    },
    streaming: {
      createRun: (threadId, params, options) =>
        fromEventStream(
          (signal) =>
            runs.create(threadId, { ...params, stream: true }, sdk(signal, options)).asResponse(),
          streamErrors,
          (error) => named(error, 'streaming', 'createRun', threadId),
        ),
      createThreadAndRun: (params, options) =>
        fromEventStream(
          (signal) =>
            threads.createAndRun({ ...params, stream: true }, sdk(signal, options)).asResponse(),
          streamErrors,
          (error) => named(error, 'streaming', 'createThreadAndRun'),
        ),
      submitToolOutputs: (threadId, runId, params, options) =>
        fromEventStream(
          (signal) =>
            runs
              .submitToolOutputs(
                runId,
                { ...params, thread_id: threadId, stream: true },
                sdk(signal, options),
              )
              .asResponse(),
          streamErrors,
          (error) => named(error, 'streaming', 'submitToolOutputs', threadId, runId),
        ),
    },
  };
}

/**
 * Tells an {@link AssistantsBackend} from anything else, an OpenAI client in
 * particular: a backend has the five resources of the port with their
 * methods, and no `beta` property.
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { isAssistantsBackend, openaiBackend, type AssistantsBackend } from 'rx-assistants';
 *
 * function toBackend(source: OpenAI | AssistantsBackend): AssistantsBackend {
 *   return isAssistantsBackend(source) ? source : openaiBackend(source);
 * }
 * ```
 *
 * @see {@link openaiBackend}
 * @param value The value to check.
 * @returns `true` when `value` has the shape of an {@link AssistantsBackend}.
 */
export function isAssistantsBackend(value: unknown): value is AssistantsBackend {
  if (!isObject(value) || 'beta' in value) return false;
  return Object.entries(BACKEND_SHAPE).every(([resource, methods]) => {
    const target = value[resource];
    return isObject(target) && methods.every((method) => typeof target[method] === 'function');
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The SDK's options of one request: its abort signal, and the idempotency key as a header. */
function sdk(signal: AbortSignal, options: RequestOptions | undefined) {
  const key = options?.idempotencyKey;
  return key === undefined ? { signal } : { signal, headers: { 'Idempotency-Key': key } };
}

/**
 * The errors the SDK's `Stream` raises on its own, made with the client's
 * classes (its copy of the SDK, so that `instanceof APIError` holds for it).
 */
function sdkStreamErrors(client: OpenAI): EventStreamErrors {
  const { APIError, OpenAIError } = client.constructor as typeof OpenAI;
  return {
    errorEvent: (error, headers) => new APIError(undefined, error as object, undefined, headers),
    noBody: () => new OpenAIError('Attempted to iterate over a response with no body'),
  };
}

/** One page of a list call, mapped to the port's {@link Page}. */
function listPage<T extends { id: string }>(
  call: (signal: AbortSignal) => PromiseLike<SdkPage<T>>,
  onError: (error: unknown) => unknown,
): Observable<Page<T>> {
  // The SDK promise's own `then`, never `await`: zone.js (Angular) adopts the
  // SDK's Promise subclass as `null`.
  return fromAbortable((signal) => call(signal).then(toPage), onError);
}

function toPage<T extends { id: string }>(page: SdkPage<T>): Page<T> {
  const { data, has_more } = page;
  // The SDK keeps the response body on the page, but only as a protected field.
  const body: unknown = (page as unknown as { body?: unknown }).body;
  const cursor = (key: 'first_id' | 'last_id', fallback: T | undefined): string | null => {
    const fromBody = isObject(body) ? body[key] : undefined;
    return typeof fromBody === 'string' ? fromBody : (fallback?.id ?? null);
  };
  return {
    data,
    has_more,
    first_id: cursor('first_id', data[0]),
    last_id: cursor('last_id', data[data.length - 1]),
  };
}

/** The `openai-poll-after-ms` header as a non-negative integer, or `undefined`. */
function parsePollAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  const ms = Number(header.trim());
  return Number.isSafeInteger(ms) ? ms : undefined;
}
