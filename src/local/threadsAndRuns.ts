import { catchError, concatMap, defer, forkJoin, map, type Observable, of, switchMap } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { isTerminalStatus } from '../backend/runStatus';
import type { Assistant, Run, Thread } from '../backend/types';
import type { Finders } from './finders';
import type { Runtime } from './records';
import { runFrom, threadFrom } from './requests';
import type { RunEngine } from './RunEngine';
import { ActiveRunConflictError, putWrite, type StoreWrite } from './storePort';
import { fieldsOf, invalid, stringField } from './validation';

/** What {@link threadsAndRuns} works with. */
export interface ThreadsAndRunsConfig {
  runtime: Runtime;
  scheduler: SchedulerLike;
  engine: RunEngine;
  finders: Finders;
  /** How long after creation a run expires, in ms. */
  expiresAfter: number;
  /** On a store that processes share: the write that leases a new run to this runtime. */
  leaseWrite?(runId: string): StoreWrite;
}

/**
 * The writes that create and delete threads and runs, each one batch of the
 * store: whole or not at all. Each is cold, and emits once its batch is stored.
 */
export interface ThreadsAndRuns {
  /** Stores a thread and its initial messages (`param` prefixes the names of bad fields). */
  createThread(body: unknown, param?: string): Observable<Thread>;
  /** Stops the thread's active run and removes the thread, its messages, runs and steps. */
  deleteThread(threadId: string): Observable<void>;
  /** Stores a run (and its `additional_messages`) as `queued` and starts it. */
  createRun(threadId: string, body: unknown): Observable<Run>;
  /** A thread and a run on it, in one batch: a bad run parameter leaves no thread behind. */
  createThreadAndRun(params: unknown): Observable<Run>;
  /** Errors with a 400 if the thread has a run that has not ended. */
  refuseIfActive(threadId: string): Observable<void>;
}

/** The 400 of a second active run on a thread (`active`: the run that has not ended, if known). */
const alreadyActive = (threadId: string, active?: string) =>
  invalid(
    'thread_id',
    `Thread ${threadId} already has an active run${active ? ` ${active}` : ''}.`,
  );

/**
 * Creates the {@link ThreadsAndRuns} writes of a runtime. Every check is
 * done before the batch is written, so that a request that fails changes
 * nothing. The store keeps one active run per thread: a run created at the
 * same time as another on its thread (by another process) is refused whole.
 *
 * ## Example
 *
 * ```ts
 * import { concatMap } from 'rxjs';
 * import type { ThreadsAndRuns } from 'src/local/threadsAndRuns';
 *
 * declare const writes: ThreadsAndRuns;
 * writes
 *   .createThread({ messages: [{ role: 'user', content: 'Hi' }] })
 *   .pipe(concatMap((thread) => writes.createRun(thread.id, { assistant_id: 'asst_1' })))
 *   .subscribe((run) => console.log(run.status)); // queued
 * ```
 *
 * @param config The runtime, its scheduler and engine, and the finders.
 * @returns The writes.
 */
export function threadsAndRuns(config: ThreadsAndRunsConfig): ThreadsAndRuns {
  const { runtime, scheduler, engine, expiresAfter } = config;
  const { find } = config.finders;
  const { store } = runtime;
  const all = { order: 'asc' } as const;

  /** A new thread and the writes that store it with its messages. */
  const newThread = (body: unknown, param = '') => {
    const { thread, messages } = threadFrom(runtime, body, param);
    const writes: StoreWrite[] = [
      putWrite('thread', thread),
      ...messages.map((message) => putWrite('message', message)),
    ];
    return { thread, writes };
  };

  /** A new run on the thread (its assistant looked up, unless given) and the writes that store it. */
  const newRun = (threadId: string, body: unknown, known?: Assistant) =>
    defer(() => {
      const fields = fieldsOf(body);
      const assistant = known
        ? of(known)
        : find('assistant', stringField(fields, 'assistant_id'), 'assistant_id');
      return assistant.pipe(
        map((found) => {
          const expiresAt = Math.floor((scheduler.now() + expiresAfter) / 1000);
          const { run, messages } = runFrom(runtime, threadId, fields, found, expiresAt);
          const writes: StoreWrite[] = [
            ...messages.map((message) => putWrite('message', message)),
            putWrite('run', run),
          ];
          return { run, writes };
        }),
      );
    });

  /** Stores `writes` and starts `run`; a second active run on its thread is the API's 400. */
  const startRun = (run: Run, writes: StoreWrite[]) =>
    store.write(config.leaseWrite ? [...writes, config.leaseWrite(run.id)] : writes).pipe(
      catchError((error: unknown) => {
        throw error instanceof ActiveRunConflictError ? alreadyActive(run.thread_id) : error;
      }),
      map(() => {
        engine.start(run);
        return run;
      }),
    );

  return {
    createThread: (body, param) =>
      defer(() => {
        const { thread, writes } = newThread(body, param);
        return store.write(writes).pipe(map(() => thread));
      }),

    deleteThread: (threadId) =>
      defer(() => {
        engine.forget(threadId);
        const runs = store.list('run', { parentId: threadId, ...all });
        const messages = store.list('message', { parentId: threadId, ...all });
        return forkJoin([runs, messages]).pipe(
          switchMap(([runPage, messagePage]) =>
            forkJoin([
              of([]),
              ...runPage.data.map((run) => store.list('step', { parentId: run.id, ...all })),
            ]).pipe(
              map(([, ...stepPages]): StoreWrite[] => [
                ...stepPages.flatMap((page) =>
                  page.data.map((step): StoreWrite => ({
                    op: 'delete',
                    kind: 'step',
                    id: step.id,
                  })),
                ),
                ...runPage.data.map((run): StoreWrite => ({
                  op: 'delete',
                  kind: 'run',
                  id: run.id,
                })),
                ...messagePage.data.map((message): StoreWrite => ({
                  op: 'delete',
                  kind: 'message',
                  id: message.id,
                })),
                { op: 'delete', kind: 'thread', id: threadId },
              ]),
            ),
          ),
          concatMap((writes) => store.write(writes)),
        );
      }),

    createRun: (threadId, body) =>
      newRun(threadId, body).pipe(concatMap(({ run, writes }) => startRun(run, writes))),

    createThreadAndRun: (params) =>
      defer(() => {
        const fields = fieldsOf(params);
        const { thread: threadFields, ...runFields } = fields;
        // The assistant is checked before the thread's fields, as the API does.
        return find('assistant', stringField(fields, 'assistant_id'), 'assistant_id').pipe(
          concatMap((assistant) => {
            const created = newThread(threadFields, 'thread.');
            return newRun(created.thread.id, runFields, assistant).pipe(
              concatMap(({ run, writes }) => startRun(run, [...created.writes, ...writes])),
            );
          }),
        );
      }),

    refuseIfActive: (threadId) =>
      store.list('run', { parentId: threadId, limit: 1 }).pipe(
        map(({ data: [latest] }) => {
          // Runs begin one at a time on a thread: only its latest can be active.
          if (latest && !isTerminalStatus(latest.status)) throw alreadyActive(threadId, latest.id);
        }),
      ),
  };
}
