import { concatMap, defer, map, type Observable, of } from 'rxjs';
import { BackendError } from '../errors/BackendError';
import type { AssistantsStore } from './storePort';
import { checkDepth } from './validation';

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
 * durable store.
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
        return store.keptResponse(key, now(), ttl).pipe(
          concatMap((kept) => {
            if (kept) {
              if (kept.request !== request) throw reused(key);
              return of(kept.response as T);
            }
            return act().pipe(
              concatMap((response) =>
                store.keepResponse(key, { request, response, at: now() }).pipe(map(() => response)),
              ),
            );
          }),
        );
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
