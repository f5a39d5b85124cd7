import { BackendError } from '../errors/BackendError';
import { checkDepth } from './validation';

/** How many idempotency keys are kept, and for how long. */
export interface IdempotencyConfig {
  /** The most keys kept; the oldest is forgotten first. */
  maxKeys: number;
  /** How long a key is kept after its first response, in ms of `now()`. */
  ttl: number;
  /** The clock, in ms: the backend's `scheduler.now()`. */
  now: () => number;
}

/** A remembered request: what it was, what it answered, when. */
interface Entry {
  request: string;
  response: unknown;
  at: number;
}

/**
 * The responses of requests made with an `Idempotency-Key`, as the API keeps
 * them: the same key with the same request (compared as JSON text) answers
 * the first response again, without acting; the same key with another
 * request is a 409 (`idempotency_key_reused`). Only successes are kept: a
 * request that failed had no effect, so repeating it acts again.
 */
export interface IdempotencyKeys {
  /**
   * `act()`'s result, or with `key` the first result of the same request made
   * with that key, without acting again.
   *
   * @param key The request's `Idempotency-Key`; none (or `''`): just `act()`.
   * @param request What the request is: its operation, path ids and params as JSON text.
   * @param act Makes the request; kept if it returns, forgotten if it throws.
   */
  once<T>(key: string | undefined, request: string, act: () => T): T;
}

/**
 * A new, empty {@link IdempotencyKeys}: up to `maxKeys` keys, each for `ttl` ms.
 *
 * ## Example
 *
 * ```ts
 * import { idempotencyKeys } from 'src/local/idempotency';
 *
 * const keys = idempotencyKeys({ maxKeys: 10_000, ttl: 86_400_000, now: () => 0 });
 * const create = () => ({ id: Math.random().toString(36) });
 * const a = keys.once('k1', '["threads.create",{}]', create);
 * const b = keys.once('k1', '["threads.create",{}]', create); // the same object as a
 * ```
 */
export function idempotencyKeys({ maxKeys, ttl, now }: IdempotencyConfig): IdempotencyKeys {
  // In insertion order, which (one ttl for all) is also the order of expiry.
  const entries = new Map<string, Entry>();
  const forgetExpired = (time: number) => {
    for (const [key, entry] of entries) {
      if (time - entry.at < ttl) return;
      entries.delete(key);
    }
  };

  return {
    once<T>(key: string | undefined, request: string, act: () => T): T {
      if (key === undefined || key === '') return act();
      forgetExpired(now());
      const kept = entries.get(key);
      if (kept) {
        if (kept.request !== request) throw reused(key);
        return kept.response as T;
      }
      const response = act();
      entries.set(key, { request, response, at: now() });
      if (entries.size > maxKeys) entries.delete(entries.keys().next().value!);
      return response;
    },
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
