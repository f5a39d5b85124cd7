import type { Assistant, Message, Run, RunStep, Thread } from '../backend/types';

/** What the store keeps, by kind. */
export interface StoredRecords {
  assistant: Assistant;
  thread: Thread;
  message: Message;
  run: Run;
  step: RunStep;
}

/** The kinds of record the store keeps. */
export type StoredKind = keyof StoredRecords;

/**
 * Where the embedded runtime keeps assistants, threads, messages, runs and
 * steps: the API objects themselves, by id. Small on purpose, so that a
 * durable store (SQLite, IndexedDB, ...) can implement it. It is synchronous:
 * the runtime reads and writes it inside scheduler actions.
 *
 * - `put` inserts a record or replaces the one with its id; a replaced
 *   record keeps its place in the creation order.
 * - `list` returns the records of a kind in creation order; with `parentId`,
 *   only the messages or runs of that thread (`thread_id`), or the steps of
 *   that run (`run_id`).
 * - The runtime never mutates a record after `put`, and treats what `get`
 *   and `list` return as read-only.
 *
 * ## Example
 *
 * ```ts
 * import { localBackend, memoryStore } from 'rx-assistants/local';
 *
 * const store = memoryStore();
 * const backend = localBackend({ store });
 * // ...later: every thread the runtime knows.
 * const threads = store.list('thread');
 * ```
 */
export interface AssistantsStore {
  get<K extends StoredKind>(kind: K, id: string): StoredRecords[K] | undefined;
  put<K extends StoredKind>(kind: K, record: StoredRecords[K]): void;
  delete(kind: StoredKind, id: string): void;
  list<K extends StoredKind>(kind: K, parentId?: string): Array<StoredRecords[K]>;
}

/** The parent of each kind of record, if it has one: a thread's messages and runs, a run's steps. */
const parentOf: { [K in StoredKind]: (record: StoredRecords[K]) => string | undefined } = {
  assistant: () => undefined,
  thread: () => undefined,
  message: (message) => message.thread_id,
  run: (run) => run.thread_id,
  step: (step) => step.run_id,
};

/**
 * The default store: everything in memory, indexed by id and by parent.
 *
 * ## Example
 *
 * ```ts
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const store = memoryStore();
 * store.list('assistant'); // []
 * ```
 */
export function memoryStore(): AssistantsStore {
  const tables: { [K in StoredKind]: Map<string, StoredRecords[K]> } = {
    assistant: new Map(),
    thread: new Map(),
    message: new Map(),
    run: new Map(),
    step: new Map(),
  };
  const byParent = new Map<string, Set<string>>();
  const children = (kind: StoredKind, parentId: string) => `${kind}:${parentId}`;
  const parent = <K extends StoredKind>(kind: K, record: StoredRecords[K]) => {
    const parentId = parentOf[kind](record);
    return parentId === undefined ? undefined : children(kind, parentId);
  };

  return {
    get: (kind, id) => tables[kind].get(id),
    put: (kind, record) => {
      tables[kind].set(record.id, record);
      const key = parent(kind, record);
      if (key === undefined) return;
      if (!byParent.has(key)) byParent.set(key, new Set());
      byParent.get(key)!.add(record.id);
    },
    delete: (kind, id) => {
      const record = tables[kind].get(id);
      if (!record) return;
      tables[kind].delete(id);
      const key = parent(kind, record);
      if (key !== undefined) byParent.get(key)?.delete(id);
    },
    list: (kind, parentId) => {
      const records = tables[kind];
      if (parentId === undefined) return [...records.values()];
      const ids = byParent.get(children(kind, parentId)) ?? [];
      return [...ids].flatMap((id) => records.get(id) ?? []);
    },
  };
}
