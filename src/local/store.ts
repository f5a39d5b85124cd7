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

const parentOf = (kind: StoredKind, record: object): string | undefined =>
  kind === 'step'
    ? (record as RunStep).run_id
    : kind === 'message' || kind === 'run'
      ? (record as Message | Run).thread_id
      : undefined;

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
  const byKind = new Map<StoredKind, Map<string, object>>();
  const byParent = new Map<string, Set<string>>();
  const table = (kind: StoredKind) => {
    let records = byKind.get(kind);
    if (!records) byKind.set(kind, (records = new Map()));
    return records;
  };
  const children = (kind: StoredKind, parentId: string) => `${kind}:${parentId}`;

  return {
    get: (kind, id) => table(kind).get(id) as never,
    put: (kind, record) => {
      const id = (record as { id: string }).id;
      table(kind).set(id, record);
      const parent = parentOf(kind, record);
      if (parent === undefined) return;
      const key = children(kind, parent);
      if (!byParent.has(key)) byParent.set(key, new Set());
      byParent.get(key)!.add(id);
    },
    delete: (kind, id) => {
      const record = table(kind).get(id);
      if (!record) return;
      table(kind).delete(id);
      const parent = parentOf(kind, record);
      if (parent !== undefined) byParent.get(children(kind, parent))?.delete(id);
    },
    list: (kind, parentId) => {
      const records = table(kind);
      if (parentId === undefined) return [...records.values()] as never;
      const ids = byParent.get(children(kind, parentId)) ?? [];
      return [...ids].map((id) => records.get(id)) as never;
    },
  };
}
