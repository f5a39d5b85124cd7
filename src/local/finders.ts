import type { Page } from '../backend/AssistantsBackend';
import type { Message } from '../backend/types';
import { notFound, paginate } from '../internal/apiLists';
import type { AssistantsStore, StoredKind, StoredRecords } from './store';
import { enumField, fieldsOf, numberField, stringField } from './validation';

const LIST_ORDER = ['asc', 'desc'] as const;

/**
 * How requests find what they name: each record by id, checked to belong to
 * the thread (or run) of the path, else a 404 naming the path's `param`; and
 * one page of a list, from the request's query.
 */
export interface Finders {
  /** The record of `kind` with id `id`, or a 404 for `param` (as a `label`, `kind` by default). */
  find<K extends StoredKind>(kind: K, id: unknown, param: string, label?: string): StoredRecords[K];
  thread(threadId: string): StoredRecords['thread'];
  /** The run, which must be of the thread. */
  runOf(threadId: string, runId: string): StoredRecords['run'];
  /** The message, which must be of the thread. */
  messageOf(threadId: string, messageId: string): Message;
  /** One page of `items`, by the query's `limit`, `order`, `after` and `before`. */
  listPage<T extends { id: string }>(items: T[], query: unknown): Page<T>;
}

/**
 * The {@link Finders} over a store.
 *
 * ## Example
 *
 * ```ts
 * import { finders } from 'src/local/finders';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const { thread } = finders(memoryStore());
 * thread('thread_1'); // throws a 404: No thread found with id 'thread_1'.
 * ```
 *
 * @param store Where the records are.
 * @returns The finders.
 */
export function finders(store: AssistantsStore): Finders {
  const find = <K extends StoredKind>(
    kind: K,
    id: unknown,
    param: string,
    label: string = kind,
  ): StoredRecords[K] => {
    const record = typeof id === 'string' ? store.get(kind, id) : undefined;
    if (!record) throw notFound(label, String(id), param);
    return record;
  };
  const thread = (threadId: string) => find('thread', threadId, 'thread_id');
  return {
    find,
    thread,
    runOf: (threadId, runId) => {
      thread(threadId);
      const run = find('run', runId, 'run_id');
      if (run.thread_id !== threadId) throw notFound('run', runId, 'run_id');
      return run;
    },
    messageOf: (threadId, messageId) => {
      thread(threadId);
      const message = find('message', messageId, 'message_id');
      if (message.thread_id !== threadId) throw notFound('message', messageId, 'message_id');
      return message;
    },
    listPage: (items, query) => {
      const q = fieldsOf(query, 'query');
      const limit = numberField(q, 'limit', { integer: true, min: 1, max: 100 }) ?? undefined;
      const order = enumField(q, 'order', LIST_ORDER);
      const after = stringField(q, 'after', { optional: true }) ?? undefined;
      const before = stringField(q, 'before', { optional: true }) ?? undefined;
      return paginate(items, { limit, order, after, before });
    },
  };
}

/** The query without `key` (a filter the page does not know, such as `run_id`). */
export function omit(query: unknown, key: string): unknown {
  if (query === undefined || query === null || typeof query !== 'object') return query;
  return Object.fromEntries(Object.entries(query).filter(([name]) => name !== key));
}
