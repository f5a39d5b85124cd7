import { defer, type Observable, of } from 'rxjs';
import { isTerminalStatus } from '../backend/runStatus';
import type { Run } from '../backend/types';
import { pageOf } from '../internal/apiLists';
import { memoryChannel } from './memoryChannel';
import {
  ActiveRunConflictError,
  type AssistantsStore,
  type KeptResponse,
  type RunLease,
  type StoredKind,
  type StoredRecords,
  type StoreWrite,
} from './storePort';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** The most responses kept for idempotency keys; the oldest is forgotten first. Default 10,000. */
  maxKeptResponses?: number;
  /**
   * Whether several runtimes of this process share the store (as processes
   * share a database): each leases its runs and takes up those of a runtime
   * that was closed, and hears the events of runs the others execute.
   * Default `false`.
   */
  shared?: boolean;
}

/** The parent of each kind of record, if it has one: a thread's messages and runs, a run's steps. */
const parentOf: { [K in StoredKind]: (record: StoredRecords[K]) => string | undefined } = {
  assistant: () => undefined,
  thread: () => undefined,
  message: (message) => message.thread_id,
  run: (run) => run.thread_id,
  step: (step) => step.run_id,
};

/** One answer, computed when subscribed: the memory store's every method. */
const answer = <T>(compute: () => T): Observable<T> => defer(() => of(compute()));

type Tables = { [K in StoredKind]: Map<string, StoredRecords[K]> };

/**
 * The default store: everything in this process's memory, indexed by id and
 * by parent. Each answer is emitted synchronously when subscribed, so the
 * runtime runs whole in virtual time under `TestScheduler.run()`.
 *
 * ## Example
 *
 * ```ts
 * import { localBackend, memoryStore } from 'rx-assistants/local';
 *
 * const store = memoryStore();
 * const backend = localBackend({ store });
 * // ...later: the threads the runtime knows, newest first.
 * store.list('thread').subscribe((page) => console.log(page.data));
 * ```
 *
 * @param options How many idempotent responses it keeps.
 * @returns A new, empty store.
 */
export function memoryStore(options: MemoryStoreOptions = {}): AssistantsStore {
  const maxKept = options.maxKeptResponses ?? 10_000;
  // Maps keep insertion order, and a replaced entry keeps its place: the creation order.
  const tables: Tables = {
    assistant: new Map(),
    thread: new Map(),
    message: new Map(),
    run: new Map(),
    step: new Map(),
  };
  const byParent = new Map<string, Set<string>>();
  /** The run of each thread that has not ended. */
  const activeRuns = new Map<string, string>();
  const leases = new Map<string, RunLease>();
  const cancelRequested = new Set<string>();
  const kept = new Map<string, KeptResponse>();

  const childrenKey = (kind: StoredKind, parentId: string) => `${kind}:${parentId}`;
  const parentKey = <K extends StoredKind>(kind: K, record: StoredRecords[K]) => {
    const parentId = parentOf[kind](record);
    return parentId === undefined ? undefined : childrenKey(kind, parentId);
  };

  const put = <K extends StoredKind>(kind: K, record: StoredRecords[K]) => {
    (tables[kind] as Map<string, StoredRecords[K]>).set(record.id, record);
    const key = parentKey(kind, record);
    if (key === undefined) return;
    if (!byParent.has(key)) byParent.set(key, new Set());
    byParent.get(key)!.add(record.id);
  };
  const remove = (kind: StoredKind, id: string) => {
    const record = tables[kind].get(id);
    if (!record) return;
    tables[kind].delete(id);
    const key = parentKey(kind, record);
    if (key !== undefined) byParent.get(key)?.delete(id);
    if (kind === 'run') {
      leases.delete(id);
      cancelRequested.delete(id);
    }
  };

  /** Leases the run to `owner` until `until`; the lease says whether a cancel was asked. */
  const leaseTo = (runId: string, owner: string, until: number): RunLease => {
    const lease = { runId, owner, until, cancelRequested: cancelRequested.has(runId) };
    leases.set(runId, lease);
    return lease;
  };

  /** The thread's active run after `writes`, checked before any is applied: all or none. */
  const checkActiveRuns = (writes: readonly StoreWrite[]) => {
    const after = new Map<string, string | undefined>();
    const activeOf = (threadId: string) =>
      after.has(threadId) ? after.get(threadId) : activeRuns.get(threadId);
    for (const write of writes) {
      if (write.op === 'lease') continue;
      if (write.kind !== 'run') continue;
      const run =
        write.op === 'put' ? (write.record as Run) : (tables.run.get(write.id) as Run | undefined);
      if (!run) continue;
      const active = activeOf(run.thread_id);
      if (write.op === 'put' && !isTerminalStatus(run.status)) {
        if (active !== undefined && active !== run.id) {
          throw new ActiveRunConflictError(run.thread_id, run.id);
        }
        after.set(run.thread_id, run.id);
      } else if (active === run.id) {
        after.set(run.thread_id, undefined);
      }
    }
    return after;
  };

  const channel = options.shared ? memoryChannel() : undefined;
  return {
    shared: options.shared ?? false,
    ...(channel && { events: channel }),
    get: (kind, id) => answer(() => tables[kind].get(id)),
    list: (kind, query = {}) =>
      answer(() => {
        const records = tables[kind];
        let items = [...records.values()];
        if (query.parentId !== undefined) {
          const ids = byParent.get(childrenKey(kind, query.parentId)) ?? [];
          items = [...ids].flatMap((id) => records.get(id) ?? []);
        }
        if (query.runId !== undefined) {
          const runId = query.runId;
          items = items.filter((item) => 'run_id' in item && item.run_id === runId);
        }
        return pageOf(items, query);
      }),
    write: (writes) =>
      answer(() => {
        const active = checkActiveRuns(writes);
        for (const write of writes) {
          if (write.op === 'put' && write.kind === 'run' && isTerminalStatus(write.record.status)) {
            cancelRequested.delete(write.record.id);
          }
          if (write.op === 'put') put(write.kind, write.record);
          else if (write.op === 'delete') remove(write.kind, write.id);
          else leases.set(write.lease.runId, write.lease);
        }
        for (const [threadId, runId] of active) {
          if (runId === undefined) activeRuns.delete(threadId);
          else activeRuns.set(threadId, runId);
        }
      }),

    keptResponse: (key, now, ttl) =>
      answer(() => {
        const entry = kept.get(key);
        if (entry && now - entry.at >= ttl) kept.delete(key);
        else return entry;
        return undefined;
      }),
    keepResponse: (key, entry) =>
      answer(() => {
        const first = kept.get(key);
        if (first) return first;
        kept.set(key, entry);
        if (kept.size > maxKept) kept.delete(kept.keys().next().value!);
        return entry;
      }),
    settleResponse: (key, claimant, entry) =>
      answer(() => {
        if (kept.get(key)?.claimant !== claimant) return;
        if (entry) kept.set(key, entry);
        else kept.delete(key);
      }),

    claimRuns: (owner, now, ttl, limit, runIds) =>
      answer(() => {
        const claimed: RunLease[] = [];
        // By id if named, else the runs that have not ended, oldest first.
        const active = new Set(activeRuns.values());
        for (const runId of runIds ?? [...tables.run.keys()].filter((id) => active.has(id))) {
          if (claimed.length >= limit) break;
          const run = tables.run.get(runId);
          if (!run || activeRuns.get(run.thread_id) !== runId) continue;
          const waiting =
            run.status === 'requires_action' && (run.expires_at ?? Infinity) * 1000 > now;
          if (waiting && !runIds) continue;
          const held = leases.get(runId);
          if (held && held.until > now) continue;
          claimed.push(leaseTo(runId, owner, now + ttl));
        }
        return claimed;
      }),
    renewLeases: (owner, runIds, now, ttl) =>
      answer(() =>
        runIds.flatMap((runId) => {
          const held = leases.get(runId);
          const threadId = tables.run.get(runId)?.thread_id;
          const stillActive = threadId !== undefined && activeRuns.get(threadId) === runId;
          if (held?.owner !== owner || !stillActive) return [];
          return [leaseTo(runId, owner, now + ttl)];
        }),
      ),
    requestCancel: (runId) =>
      answer(() => {
        cancelRequested.add(runId);
        channel?.cancelRequested(runId);
      }),
    releaseLeases: (owner, runIds) =>
      answer(() => {
        for (const runId of runIds ?? [...leases.keys()]) {
          if (leases.get(runId)?.owner === owner) leases.delete(runId);
        }
      }),
  };
}
