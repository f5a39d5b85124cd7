import {
  catchError,
  concatMap,
  defer,
  map,
  type MonoTypeOperatorFunction,
  type Observable,
  of,
  retry,
  tap,
  throwError,
  timer,
} from 'rxjs';
import type { AssistantsBackend, RequestOptions } from '../backend/AssistantsBackend';
import type { Run } from '../backend/types';
import type { RequestGate } from './RequestGate';
import {
  isRetryable,
  mayHaveTakenEffect,
  retryDelay,
  statusOf,
  type ResolvedRetry,
} from './RetryPolicy';
import { lostRun, messageMatches, submitTookEffect } from './reconcile';

/** What the requests of one client share: the retry settings, the gate, what it knows of runs. */
export interface Resilience {
  retry: ResolvedRetry;
  gate: RequestGate;
  /** Remembers the newest run this client created or adopted on a thread. */
  rememberRun(threadId: string, runId: string): void;
  /** The newest run this client created or adopted on a thread, if it remembers one. */
  knownRun(threadId: string): string | undefined;
}

/** How a write that failed may be settled without sending it again. */
type Recover<T> = (
  error: unknown,
  attempt: { retried: boolean; startedAt: number },
) => Observable<T | undefined> | undefined;

/** Each byte's two hex digits. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Random bytes for 256 keys, drawn at once: one call to the platform's source per 256 keys. */
const pool = new Uint8Array(16 * 256);
let drawn = pool.length;

/** A fresh `Idempotency-Key`: 128 random bits from the platform's cryptographic source. */
export function newIdempotencyKey(): string {
  if (drawn === pool.length) {
    crypto.getRandomValues(pool);
    drawn = 0;
  }
  let key = 'rxa_';
  for (const end = drawn + 16; drawn < end; drawn++) key += HEX[pool[drawn]!]!;
  return key;
}

/** Waits before retry `attempt` (from 0); a 429 pauses the whole client as long. */
export function waitToRetry(r: Resilience, attempt: number, error: unknown): Observable<0> {
  const ms = retryDelay(r.retry, attempt, error);
  if (statusOf(error) === 429) r.gate.pause(ms);
  return timer(ms, r.retry.scheduler);
}

/** Retries a read on a retryable error, up to `count` times, with backoff. */
export function retryRead<T>(r: Resilience, count: number): MonoTypeOperatorFunction<T> {
  return retry<T>({
    count,
    delay: (error: unknown, retryCount) =>
      isRetryable(error) ? waitToRetry(r, retryCount - 1, error) : throwError(() => error),
  });
}

/**
 * A write: sent through the gate with an `Idempotency-Key` that stays the same
 * across its retries. After a failure that may have taken effect, `recover`
 * looks for the effect before the write is sent again (a server that does
 * not honour the key would act twice); after a retry, it also settles a
 * refusal that the first attempt's effect explains.
 */
export function sendWrite<T>(
  r: Resilience,
  send: (options: RequestOptions) => Observable<T>,
  recover?: Recover<T>,
): Observable<T> {
  return defer(() => {
    const options: RequestOptions = { idempotencyKey: newIdempotencyKey() };
    const startedAt = r.retry.scheduler.now();
    const attempt = (n: number): Observable<T> =>
      r.gate.through(send(options)).pipe(
        catchError((error: unknown) => {
          const retryable = isRetryable(error) && n < r.retry.retries;
          const settle = (found: T | undefined): Observable<T> =>
            found !== undefined
              ? of(found)
              : retryable
                ? waitToRetry(r, n, error).pipe(concatMap(() => attempt(n + 1)))
                : throwError(() => error);
          const check$ =
            n > 0 || mayHaveTakenEffect(error)
              ? recover?.(error, { retried: n > 0, startedAt })
              : undefined;
          return check$ ? check$.pipe(concatMap(settle)) : settle(undefined);
        }),
      );
    return attempt(0);
  });
}

const isActiveRunConflict = (error: unknown) =>
  statusOf(error) === 400 && /already has an active run/i.test(String((error as Error).message));

/**
 * The backend as one client uses it: every request goes through the client's
 * gate; reads are retried (`readRetries` times: without limit for watches);
 * writes carry an `Idempotency-Key` and are retried with it, after checking
 * whether a lost attempt took effect: a run created (adopted from the
 * thread's newest runs), tool outputs submitted (the run no longer waits on
 * those calls), a message added, a run cancelled, an object deleted.
 */
export function resilientBackend(
  backend: AssistantsBackend,
  r: Resilience,
  readRetries: number = r.retry.retries,
): AssistantsBackend {
  const read = <T>(request$: Observable<T>): Observable<T> =>
    defer(() => r.gate.through(request$)).pipe(retryRead(r, readRetries));
  const { assistants, threads, messages, runs, steps } = backend;

  const recoverRun =
    (threadId: string, assistantId: string): Recover<Run> =>
    (error, { retried, startedAt }) => {
      if (retried && !isActiveRunConflict(error) && !mayHaveTakenEffect(error)) return undefined;
      return read(lostRun(runs, threadId, { assistantId, startedAt, known: r.knownRun(threadId) }));
    };
  const deleted =
    <T>(value: T): Recover<T> =>
    (error, { retried }) =>
      retried && statusOf(error) === 404 ? of(value) : undefined;

  return {
    assistants: {
      create: (params) => sendWrite(r, (o) => assistants.create(params, o)),
      retrieve: (id) => read(assistants.retrieve(id)),
      update: (id, params) => sendWrite(r, (o) => assistants.update(id, params, o)),
      list: (query) => read(assistants.list(query)),
      delete: (id) =>
        sendWrite(
          r,
          () => assistants.delete(id),
          deleted({ id, object: 'assistant.deleted' as const, deleted: true }),
        ),
    },
    threads: {
      create: (params) => sendWrite(r, (o) => threads.create(params, o)),
      retrieve: (id) => read(threads.retrieve(id)),
      update: (id, params) => sendWrite(r, (o) => threads.update(id, params, o)),
      delete: (id) =>
        sendWrite(
          r,
          () => threads.delete(id),
          deleted({ id, object: 'thread.deleted' as const, deleted: true }),
        ),
      createAndRun: (params) =>
        sendWrite(r, (o) => threads.createAndRun(params, o)).pipe(
          tap((run) => r.rememberRun(run.thread_id, run.id)),
        ),
    },
    messages: {
      create: (threadId, params) =>
        sendWrite(
          r,
          (o) => messages.create(threadId, params, o),
          (error, { startedAt }) =>
            mayHaveTakenEffect(error)
              ? read(messages.list(threadId, { order: 'desc', limit: 10 })).pipe(
                  map((page) =>
                    page.data.find((message) =>
                      messageMatches(message, params, Math.floor(startedAt / 1000)),
                    ),
                  ),
                )
              : undefined,
        ),
      retrieve: (threadId, id) => read(messages.retrieve(threadId, id)),
      update: (threadId, id, params) =>
        sendWrite(r, (o) => messages.update(threadId, id, params, o)),
      list: (threadId, query) => read(messages.list(threadId, query)),
      delete: (threadId, id) =>
        sendWrite(
          r,
          () => messages.delete(threadId, id),
          deleted({ id, object: 'thread.message.deleted' as const, deleted: true }),
        ),
    },
    runs: {
      create: (threadId, params) =>
        sendWrite(
          r,
          (o) => runs.create(threadId, params, o),
          recoverRun(threadId, params.assistant_id),
        ).pipe(tap((run) => r.rememberRun(threadId, run.id))),
      retrieve: (threadId, runId) => read(runs.retrieve(threadId, runId)),
      update: (threadId, runId, params) =>
        sendWrite(r, (o) => runs.update(threadId, runId, params, o)),
      list: (threadId, query) => read(runs.list(threadId, query)),
      cancel: (threadId, runId) =>
        sendWrite(
          r,
          (o) => runs.cancel(threadId, runId, o),
          // A cancel refused after a retry: the first attempt may have done it.
          (error, { retried }) =>
            retried && statusOf(error) === 400
              ? read(runs.retrieve(threadId, runId)).pipe(
                  map(({ run }) => (run.status === 'in_progress' ? undefined : run)),
                )
              : undefined,
        ),
      submitToolOutputs: (threadId, runId, params) =>
        sendWrite(
          r,
          (o) => runs.submitToolOutputs(threadId, runId, params, o),
          () =>
            read(runs.retrieve(threadId, runId)).pipe(
              map(({ run }) => (submitTookEffect(run, params) ? run : undefined)),
            ),
        ),
    },
    steps: {
      retrieve: (threadId, runId, stepId, query) =>
        read(steps.retrieve(threadId, runId, stepId, query)),
      list: (threadId, runId, query) => read(steps.list(threadId, runId, query)),
    },
    ...(backend.streaming ? { streaming: backend.streaming } : {}),
  };
}
