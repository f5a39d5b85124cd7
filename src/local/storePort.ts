import type { Observable } from 'rxjs';
import type { Page } from '../backend/AssistantsBackend';
import type {
  Assistant,
  AssistantStreamEvent,
  Message,
  Run,
  RunStep,
  Thread,
} from '../backend/types';
import { RxAssistantsError } from '../errors/RxAssistantsError';

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

/** One write of a {@link AssistantsStore.write} batch. */
export type StoreWrite =
  | { [K in StoredKind]: { op: 'put'; kind: K; record: StoredRecords[K] } }[StoredKind]
  | { op: 'delete'; kind: StoredKind; id: string }
  /** Leases a run (stored in the same batch or before) to `owner` until `until`. */
  | { op: 'lease'; lease: RunLease };

/**
 * The write that puts `record`, of `kind`.
 *
 * ## Example
 *
 * ```ts
 * import type { Thread } from 'rx-assistants';
 * import { memoryStore, putWrite } from 'rx-assistants/local';
 *
 * declare const thread: Thread;
 * memoryStore().write([putWrite('thread', thread)]).subscribe();
 * ```
 *
 * @param kind The kind of record.
 * @param record The record, inserted or replacing the one with its id.
 * @returns The write, for {@link AssistantsStore.write}.
 */
export function putWrite<K extends StoredKind>(kind: K, record: StoredRecords[K]): StoreWrite {
  // TypeScript cannot relate a generic kind to its record within the union; the signature does.
  return { op: 'put', kind, record } as StoreWrite;
}

/**
 * Which records {@link AssistantsStore.list} returns, and which page of them.
 * Without `limit`, every record that matches, in creation order (`order` and
 * the cursors still apply).
 */
export interface StoreListQuery {
  /** Only the messages or runs of this thread (`thread_id`), or the steps of this run (`run_id`). */
  parentId?: string;
  /** Only the messages written by this run (`run_id`): messages only. */
  runId?: string;
  /** 1 to 100; none: all. */
  limit?: number;
  /** By creation order; default `desc`, as the API's lists. */
  order?: 'asc' | 'desc';
  /** The page starts right after this record (in `order`). */
  after?: string;
  /** The page ends right before this record (in `order`); with only `before`, the `limit` records right before it. */
  before?: string;
}

/** A run's execution claimed by one process until `until` (ms of the runtime's clock). */
export interface RunLease {
  runId: string;
  owner: string;
  until: number;
  /** Whether a process asked for the run to be cancelled ({@link AssistantsStore.requestCancel}). */
  cancelRequested?: boolean;
}

/** A remembered response to a request made with an `Idempotency-Key`, or a claim on the key. */
export interface KeptResponse {
  /** What the request was: its operation, path ids and params as JSON text. */
  request: string;
  response: unknown;
  /** When it was kept (or claimed), in ms of the runtime's clock. */
  at: number;
  /**
   * Set while the request is being answered: who claimed the key to answer
   * it (`response` is then `undefined`). The claim is settled with the
   * response, or forgotten if the request failed.
   */
  claimant?: string;
}

/**
 * A write would give a thread two runs that have not ended (`queued`,
 * `in_progress`, `requires_action` or `cancelling`). The store refuses it
 * whole; the runtime answers the API's 400.
 *
 * ## Example
 *
 * ```ts
 * import type { Run } from 'rx-assistants';
 * import { ActiveRunConflictError, memoryStore, putWrite } from 'rx-assistants/local';
 *
 * declare const first: Run; // queued, on thread_1
 * declare const second: Run; // queued, on thread_1 too
 * const store = memoryStore();
 * store.write([putWrite('run', first), putWrite('run', second)]).subscribe({
 *   error: (error) => console.log(error instanceof ActiveRunConflictError), // true
 * });
 * ```
 */
export class ActiveRunConflictError extends RxAssistantsError {
  override readonly name = 'ActiveRunConflictError';
  constructor(
    readonly threadId: string,
    /** The run that was refused. */
    readonly runId: string,
  ) {
    super(`Thread ${threadId} already has an active run; run ${runId} was not stored.`);
  }
}

/**
 * Where the embedded runtime keeps assistants, threads, messages, runs and
 * steps (the API objects themselves, by id), the responses of idempotent
 * requests, and who executes which run.
 *
 * Every method returns a cold Observable: nothing happens until it is
 * subscribed, then it emits one value and completes, or errors. The memory
 * store emits synchronously, so the runtime runs whole in virtual time; a SQL
 * store emits when the database answers.
 *
 * - `write` applies its writes in order, all or none. A `put` inserts a record
 *   or replaces the one with its id; a replaced record keeps its place in the
 *   creation order. A `delete` of a thread or run does not cascade: the
 *   runtime deletes the children in the same batch. A batch that would leave
 *   a thread with two runs that have not ended errors with
 *   {@link ActiveRunConflictError} and changes nothing.
 * - `list` returns one page of the records of a kind, in creation order
 *   (`asc`) or its reverse (`desc`, the default). An `after` or `before` that
 *   names no record of the list is a `BackendError` 400 for that `param`.
 * - The runtime never mutates a record it put, and treats what `get` and
 *   `list` return as read-only.
 * - Leases: a run that has not ended is executed by the process that holds
 *   its lease. The process that creates a run leases it in the batch that
 *   stores it (a `lease` write). `claimRuns` takes runs that have not ended
 *   and whose lease is free or expired (a process that died), `renewLeases`
 *   extends the leases an owner still holds, `releaseLeases` hands them
 *   back. A run that waits for tool outputs (`requires_action`) is held by
 *   no process: the one that takes its outputs (or cancels it) claims it by
 *   id, and the others claim it only once it has expired. A process that
 *   cannot claim a run it is asked to cancel asks its holder to
 *   (`requestCancel`), who hears it as it renews its lease.
 */
export interface AssistantsStore {
  /**
   * Whether other processes may use this store at the same time (a SQL
   * store). The runtime then leases the runs it executes, renews the leases,
   * and takes up the runs of processes that stopped.
   */
  readonly shared?: boolean;
  /**
   * How the processes that share the store hear each other's run events: a
   * client streaming through one process follows a run executed by another.
   * Only stores that processes share have it (the memory store with
   * `shared: true`, the SQL store on a Postgres server); the runtime then
   * publishes every event of the runs it executes.
   */
  readonly events?: RunEventChannel;
  get<K extends StoredKind>(kind: K, id: string): Observable<StoredRecords[K] | undefined>;
  list<K extends StoredKind>(kind: K, query?: StoreListQuery): Observable<Page<StoredRecords[K]>>;
  write(writes: readonly StoreWrite[]): Observable<void>;

  /** The response kept for `key`, if any and not older than `ttl` ms at `now`. */
  keptResponse(key: string, now: number, ttl: number): Observable<KeptResponse | undefined>;
  /**
   * Keeps `entry` for `key` unless an entry (a response or a claim) is
   * already kept for it: emits the entry that is kept (the first one, if two
   * processes raced). An entry with a `claimant` claims the key.
   */
  keepResponse(key: string, entry: KeptResponse): Observable<KeptResponse>;
  /**
   * Replaces the claim of `claimant` on `key` by `entry` (the response), or
   * forgets the claim without `entry` (the request failed, or its claimant
   * stopped). Nothing if `key` is not claimed by `claimant`.
   */
  settleResponse(key: string, claimant: string, entry?: KeptResponse): Observable<void>;

  /**
   * Leases up to `limit` runs that have not ended, whose lease is free or
   * expired at `now`, oldest first (in the order of `runIds`, if given), to
   * `owner` until `now + ttl`; emits their leases. A run
   * in `requires_action` is taken only once its `expires_at` (in seconds) is
   * past, unless `runIds` names it: with `runIds`, only those runs are taken.
   */
  claimRuns(
    owner: string,
    now: number,
    ttl: number,
    limit: number,
    runIds?: readonly string[],
  ): Observable<RunLease[]>;
  /**
   * Extends to `now + ttl` the leases `owner` still holds on `runIds` (runs
   * that have not ended); emits those leases, each saying whether a cancel
   * was requested.
   */
  renewLeases(
    owner: string,
    runIds: readonly string[],
    now: number,
    ttl: number,
  ): Observable<RunLease[]>;
  /**
   * Asks the process that holds the run (now, or next) to cancel it: it
   * hears it at its next lease renewal, or at once through `events.cancels()`.
   */
  requestCancel(runId: string): Observable<void>;
  /** Hands back `owner`'s leases on `runIds` (all of its leases without `runIds`). */
  releaseLeases(owner: string, runIds?: readonly string[]): Observable<void>;
}

/**
 * An event of a run as processes pass it to each other. `at` is, for a
 * `thread.message.delta`, how many characters of text its message had before
 * it (the text of every text part, in order), so that a listener that joins
 * a run mid-message can tell what it already has from the store.
 */
export interface SharedRunEvent {
  event: AssistantStreamEvent;
  at?: number;
}

/**
 * The run events that processes sharing a store publish and hear. Delivery
 * is at most once and in order per run: a listener hears the events
 * published after it listens, in the order they were published.
 *
 * ## Example
 *
 * ```ts
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const channel = memoryStore({ shared: true }).events!;
 * channel.listen('run_1').subscribe((batch) => console.log(batch.length)); // 0: listening
 * channel.publish('run_1', []).subscribe();
 * ```
 */
export interface RunEventChannel {
  /** Sends `events` of `runId`, in order, to its listeners; emits (then completes) once sent. */
  publish(runId: string, events: readonly SharedRunEvent[]): Observable<void>;
  /**
   * The events of `runId` published from now on, in batches, until
   * unsubscribed. The first batch (empty unless events came already) says
   * that it listens: what is published after it is heard.
   */
  listen(runId: string): Observable<readonly SharedRunEvent[]>;
  /**
   * The ids of the runs whose cancel a process asked for (`requestCancel`)
   * from now on, in batches, until unsubscribed: the process that executes
   * the run cancels it at once, rather than at its next lease renewal. As
   * with `listen`, the first batch (empty unless cancels came already) says
   * that it listens.
   */
  cancels(): Observable<readonly string[]>;
}
