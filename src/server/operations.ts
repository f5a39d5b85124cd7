import { map, type Observable } from 'rxjs';
import type {
  AssistantsBackend,
  Page,
  RequestOptions,
  StreamingBackend,
} from '../backend/AssistantsBackend';
import type { AssistantStreamEvent } from '../backend/types';

/** One request, once checked: path ids, converted query, JSON body (without `stream`). */
export interface OperationInput {
  path: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** The `Idempotency-Key` header of a `POST`, passed on to the backend's write. */
  idempotencyKey?: string;
}

/** A JSON answer and its extra headers. */
export interface Reply {
  json: unknown;
  headers?: Record<string, string>;
}

/** A plain operation: one request to the backend, one JSON answer. */
export type Operation = (input: OperationInput) => Observable<Reply>;
/** A streaming operation (`stream: true`): the run's events. */
export type StreamOperation = (input: OperationInput) => Observable<AssistantStreamEvent>;

/** The request's fields as the port's parameter type; the spec's validation has checked them. */
const as = <T>(fields: Record<string, unknown>): T => fields as T;

/** The port's options of a write: its idempotency key, if the request sent one. */
const options = (idempotencyKey: string | undefined): RequestOptions | undefined =>
  idempotencyKey === undefined ? undefined : { idempotencyKey };

const json = <T>(source: Observable<T>): Observable<Reply> =>
  source.pipe(map((value) => ({ json: value })));

/** A page as the REST API lists it. */
const list = <T>(source: Observable<Page<T>>): Observable<Reply> =>
  source.pipe(
    map((page) => ({
      json: {
        object: 'list',
        data: page.data,
        first_id: page.first_id,
        last_id: page.last_id,
        has_more: page.has_more,
      },
    })),
  );

/** The cursor query of a list, with `include[]` under the port's name `include`. */
function listQuery(query: Record<string, unknown>): Record<string, unknown> {
  const { 'include[]': include, ...rest } = query;
  return include === undefined ? rest : { ...rest, include };
}

/**
 * Every operation of the API (by the spec's `operationId`) as a call of the
 * port: path ids become positional arguments, the query the port's query, the
 * `Idempotency-Key` of a write its `{ idempotencyKey }` option.
 *
 * @param backend The backend that serves them.
 * @param pollAfterMs The `openai-poll-after-ms` hint of a run retrieval when the backend gives none (`null`: none).
 */
export function operationsOf(
  backend: AssistantsBackend,
  pollAfterMs: number | null,
): Record<string, Operation> {
  const { assistants, threads, messages, runs, steps } = backend;
  return {
    listAssistants: ({ query }) => list(assistants.list(as(listQuery(query)))),
    createAssistant: ({ body, idempotencyKey: key }) =>
      json(assistants.create(as(body), options(key))),
    getAssistant: ({ path }) => json(assistants.retrieve(path['assistant_id']!)),
    modifyAssistant: ({ path, body, idempotencyKey: key }) =>
      json(assistants.update(path['assistant_id']!, as(body), options(key))),
    deleteAssistant: ({ path }) => json(assistants.delete(path['assistant_id']!)),

    createThread: ({ body, idempotencyKey: key }) => json(threads.create(as(body), options(key))),
    createThreadAndRun: ({ body, idempotencyKey: key }) =>
      json(threads.createAndRun(as(body), options(key))),
    getThread: ({ path }) => json(threads.retrieve(path['thread_id']!)),
    modifyThread: ({ path, body, idempotencyKey: key }) =>
      json(threads.update(path['thread_id']!, as(body), options(key))),
    deleteThread: ({ path }) => json(threads.delete(path['thread_id']!)),

    listMessages: ({ path, query }) =>
      list(messages.list(path['thread_id']!, as(listQuery(query)))),
    createMessage: ({ path, body, idempotencyKey: key }) =>
      json(messages.create(path['thread_id']!, as(body), options(key))),
    getMessage: ({ path }) => json(messages.retrieve(path['thread_id']!, path['message_id']!)),
    modifyMessage: ({ path, body, idempotencyKey: key }) =>
      json(messages.update(path['thread_id']!, path['message_id']!, as(body), options(key))),
    deleteMessage: ({ path }) => json(messages.delete(path['thread_id']!, path['message_id']!)),

    listRuns: ({ path, query }) => list(runs.list(path['thread_id']!, as(listQuery(query)))),
    createRun: ({ path, body, idempotencyKey: key }) =>
      json(runs.create(path['thread_id']!, as(body), options(key))),
    getRun: ({ path }) =>
      runs.retrieve(path['thread_id']!, path['run_id']!).pipe(
        map(({ run, pollAfterMs: hint = pollAfterMs }): Reply => ({
          json: run,
          headers: hint === null ? {} : { 'openai-poll-after-ms': String(hint) },
        })),
      ),
    modifyRun: ({ path, body, idempotencyKey: key }) =>
      json(runs.update(path['thread_id']!, path['run_id']!, as(body), options(key))),
    cancelRun: ({ path, idempotencyKey: key }) =>
      json(runs.cancel(path['thread_id']!, path['run_id']!, options(key))),
    submitToolOuputsToRun: ({ path, body, idempotencyKey: key }) =>
      json(runs.submitToolOutputs(path['thread_id']!, path['run_id']!, as(body), options(key))),

    listRunSteps: ({ path, query }) =>
      list(steps.list(path['thread_id']!, path['run_id']!, as(listQuery(query)))),
    getRunStep: ({ path, query }) =>
      json(
        steps.retrieve(path['thread_id']!, path['run_id']!, path['step_id']!, as(listQuery(query))),
      ),
  };
}

/** The operations that answer `stream: true` with the run's events, by `operationId`. */
export function streamOperationsOf(streaming: StreamingBackend): Record<string, StreamOperation> {
  return {
    createRun: ({ path, body, idempotencyKey: key }) =>
      streaming.createRun(path['thread_id']!, as(body), options(key)),
    createThreadAndRun: ({ body, idempotencyKey: key }) =>
      streaming.createThreadAndRun(as(body), options(key)),
    submitToolOuputsToRun: ({ path, body, idempotencyKey: key }) =>
      streaming.submitToolOutputs(path['thread_id']!, path['run_id']!, as(body), options(key)),
  };
}
