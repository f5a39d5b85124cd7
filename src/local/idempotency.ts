import { catchError, concatMap, defer, finalize, map, type Observable, of } from 'rxjs';
import { BackendError } from '../errors/BackendError';
import { randomId } from './ids';
import type { AssistantsStore, KeptResponse } from './storePort';
import { checkDepth } from './validation';

/**
 * How long a claim on a key holds, in ms: a request is answered within it
 * (its writes are all it waits for). An older claim is that of a process
 * that stopped, and is taken over.
 */
const CLAIM_HOLDS = 10_000;

/** Where idempotent responses are kept, and for how long. */
export interface IdempotencyConfig {
  store: AssistantsStore;
  /** How long a key is kept after its first response, in ms of `now()`. */
  ttl: number;
  /** The clock, in ms: the backend's `scheduler.now()`. */
  now: () => number;
}

/**
 * The responses of requests made with an `Idempotency-Key`, as the API keeps
 * them: the same key with the same request (compared as JSON text) answers
 * the first response again, without acting; the same key with another
 * request is a 409 (`idempotency_key_reused`). Only successes are kept: a
 * request that failed had no effect, so repeating it acts again. The
 * responses are kept in the store, so that they outlive the process with a
 * durable store. While the first request is being answered, its key is
 * claimed: the same request again (through any process) is a 409
 * (`idempotency_key_in_use`, which clients retry) rather than a second act.
 */
export interface IdempotencyKeys {
  /**
   * `act()`'s result, or with `key` the first result of the same request made
   * with that key, without acting again.
   *
   * @param key The request's `Idempotency-Key`; none (or `''`): just `act()`.
   * @param request What the request is: its operation, path ids and params as JSON text.
   * @param act Makes the request; kept if it emits, forgotten if it errors.
   */
  once<T>(key: string | undefined, request: string, act: () => Observable<T>): Observable<T>;
}

/**
 * The {@link IdempotencyKeys} of a store: each key for `ttl` ms.
 *
 * ## Example
 *
 * ```ts
 * import { of } from 'rxjs';
 * import { idempotencyKeys } from 'src/local/idempotency';
 * import { memoryStore } from 'rx-assistants/local';
 *
 * const keys = idempotencyKeys({ store: memoryStore(), ttl: 86_400_000, now: () => 0 });
 * const create = () => of({ id: Math.random().toString(36) });
 * keys.once('k1', '["threads.create",{}]', create).subscribe(console.log);
 * keys.once('k1', '["threads.create",{}]', create).subscribe(console.log); // the same object
 * ```
 */
export function idempotencyKeys({ store, ttl, now }: IdempotencyConfig): IdempotencyKeys {
  return {
    once: <T>(key: string | undefined, request: string, act: () => Observable<T>) =>
      defer(() => {
        if (key === undefined || key === '') return act();
        const me = randomId('claim');
        /** The answer of a request whose key was kept (with `takeOver`, a stale claim is taken over). */
        const answered = (kept: KeptResponse, takeOver: boolean): Observable<T> => {
          if (kept.request !== request) throw reused(key);
          if (kept.claimant === undefined) return of(kept.response as T);
          if (!takeOver || now() - kept.at < CLAIM_HOLDS) throw inUse(key);
          return store.settleResponse(key, kept.claimant).pipe(concatMap(() => claimed(false)));
        };
        /** Claims the key and acts, or answers as the one who claimed it first says. */
        const claimed = (takeOver: boolean): Observable<T> =>
          store
            .keepResponse(key, { request, response: undefined, at: now(), claimant: me })
            .pipe(
              concatMap((kept) => (kept.claimant === me ? acting() : answered(kept, takeOver))),
            );
        /** Acts under the claim, then settles it: with the response, or forgotten. */
        const acting = (): Observable<T> => {
          let settled = false;
          const settle = (entry?: KeptResponse) =>
            store.settleResponse(key, me, entry).pipe(map(() => (settled = true)));
          return act().pipe(
            concatMap((response) =>
              settle({ request, response, at: now() }).pipe(map(() => response)),
            ),
            catchError((error: unknown) =>
              settle().pipe(
                map(() => {
                  throw error;
                }),
              ),
            ),
            // Left before it answered: the key is free again.
            finalize(() => settled || settle().subscribe({ error: () => {} })),
          );
        };
        return store
          .keptResponse(key, now(), ttl)
          .pipe(concatMap((kept) => (kept ? answered(kept, true) : claimed(true))));
      }),
  };
}

/** The 409 of a key sent again with another request. */
function reused(key: string): BackendError {
  return new BackendError({
    status: 409,
    type: 'invalid_request_error',
    code: 'idempotency_key_reused',
    message:
      `The Idempotency-Key '${key.length > 64 ? `${key.slice(0, 64)}…` : key}' was already used with a different request. ` +
      'A key may be sent again only with the same request (method, path and body); ' +
      'use a new key for a new request.',
  });
}

/** The 409 of a key sent again while its first request is being answered. */
function inUse(key: string): BackendError {
  return new BackendError({
    status: 409,
    type: 'invalid_request_error',
    code: 'idempotency_key_in_use',
    message:
      `A request with the Idempotency-Key '${key.length > 64 ? `${key.slice(0, 64)}…` : key}' ` +
      'is still being answered; send it again in a moment to get its response.',
  });
}

/** An operation's name and its arguments, the parts of {@link requestOf}. */
export type RequestParts = [operation: string, ...args: unknown[]];

/**
 * The request an `Idempotency-Key` stands for: its operation, path ids and
 * params, as JSON text.
 *
 * ## Example
 *
 * ```ts
 * import { requestOf } from 'src/local/idempotency';
 *
 * requestOf('runs.cancel', 'thread_1', 'run_1'); // '["runs.cancel","thread_1","run_1"]'
 * ```
 */
export const requestOf = (operation: string, ...args: unknown[]): string => {
  checkDepth(args);
  return JSON.stringify([operation, ...args]);
};
