import { concatMap, defer, map, type Observable, of } from 'rxjs';
import type { Page } from '../backend/AssistantsBackend';
import type { Message } from '../backend/types';
import { notFound } from '../internal/apiLists';
import type { AssistantsStore, StoredKind, StoreListQuery, StoredRecords } from './storePort';
import { enumField, fieldsOf, numberField, stringField } from './validation';

const LIST_ORDER = ['asc', 'desc'] as const;

/**
 * How requests find what they name: each record by id, checked to belong to
 * the thread (or run) of the path, else a 404 naming the path's `param`; and
 * one page of a list, from the request's query. Each is cold and emits once.
 */
export interface Finders {
  /** The record of `kind` with id `id`, or a 404 for `param` (as a `label`, `kind` by default). */
  find<K extends StoredKind>(
    kind: K,
    id: unknown,
    param: string,
    label?: string,
  ): Observable<StoredRecords[K]>;
  thread(threadId: string): Observable<StoredRecords['thread']>;
  /** The run, which must be of the thread. */
  runOf(threadId: string, runId: string): Observable<StoredRecords['run']>;
  /** The message, which must be of the thread. */
  messageOf(threadId: string, messageId: string): Observable<Message>;
  /**
   * One page of the records of `kind` in `scope` (a thread's or a run's, and
   * for messages a run's), by the query's `limit`, `order`, `after` and `before`.
   */
  page<K extends StoredKind>(
    kind: K,
    query: unknown,
    scope?: Pick<StoreListQuery, 'parentId' | 'runId'>,
  ): Observable<Page<StoredRecords[K]>>;
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
 * thread('thread_1').subscribe({ error: console.log }); // a 404: No thread found with id 'thread_1'.
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
  ): Observable<StoredRecords[K]> =>
    (typeof id === 'string' ? store.get(kind, id) : of(undefined)).pipe(
      map((record) => {
        if (!record) throw notFound(label, String(id), param);
        return record;
      }),
    );
  const thread = (threadId: string) => find('thread', threadId, 'thread_id');
  /** The record, checked to be of the thread (else a 404 as if it were not there). */
  const ofThread = <K extends 'run' | 'message'>(kind: K, threadId: string, id: string) =>
    thread(threadId).pipe(
      concatMap(() => find(kind, id, `${kind}_id`)),
      map((record) => {
        if (record.thread_id !== threadId) throw notFound(kind, id, `${kind}_id`);
        return record;
      }),
    );
  return {
    find,
    thread,
    runOf: (threadId, runId) => ofThread('run', threadId, runId),
    messageOf: (threadId, messageId) => ofThread('message', threadId, messageId),
    page: (kind, query, scope = {}) =>
      defer(() => {
        const q = fieldsOf(query, 'query');
        const limit = numberField(q, 'limit', { integer: true, min: 1, max: 100 }) ?? 20;
        const order = enumField(q, 'order', LIST_ORDER) ?? 'desc';
        const after = stringField(q, 'after', { optional: true }) ?? undefined;
        const before = stringField(q, 'before', { optional: true }) ?? undefined;
        return store.list(kind, { ...scope, limit, order, after, before });
      }),
  };
}

/** The query without `key` (a filter the page does not know, such as `run_id`). */
export function omit(query: unknown, key: string): unknown {
  if (query === undefined || query === null || typeof query !== 'object') return query;
  return Object.fromEntries(Object.entries(query).filter(([name]) => name !== key));
}
