import type { SchedulerLike } from 'rxjs';

/**
 * How the client retries a request that failed for a reason that may pass:
 * a connection error, 408, 409, 429 or a 5xx. Reads are simply sent again;
 * writes are sent again with the same `Idempotency-Key`, after checking
 * whether the first attempt took effect (see docs/reliability.md).
 *
 * The wait before retry `n` (from 0) is drawn uniformly from
 * `[0, min(maxDelay, initialDelay × 2ⁿ))` ("full jitter"), unless the server
 * said how long to wait (`retry-after-ms` or `Retry-After`, up to a minute).
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { rxAssistants } from 'rx-assistants';
 *
 * const rx = rxAssistants(new OpenAI({ baseURL: 'http://127.0.0.1:8787/v1', apiKey: 'key' }), {
 *   retry: { retries: 5, initialDelay: 250, maxDelay: 10_000 },
 *   maxInFlight: 16,
 * });
 * ```
 */
export interface RetryConfig {
  /**
   * How many times one request is retried before its error is raised.
   * Default 8. The reads of a watch (`runs.watch`, `runs.events`, `run`,
   * `ask`, `messages.watch`) are retried without limit: only a terminal
   * status, the deadline or an unsubscribe end a watch.
   */
  retries?: number;
  /** The cap of the first wait, in ms. Default 500. */
  initialDelay?: number;
  /** The largest wait, in ms. Default 30 000. */
  maxDelay?: number;
  /** The source of the jitter, a number in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** A {@link RetryConfig} with its defaults, and the scheduler its waits run on. */
export interface ResolvedRetry {
  retries: number;
  initialDelay: number;
  maxDelay: number;
  random: () => number;
  scheduler: SchedulerLike;
}

/** The retry settings with their defaults filled in, checked. */
export function resolveRetry(config: RetryConfig, scheduler: SchedulerLike): ResolvedRetry {
  const { retries = 8, initialDelay = 500, maxDelay = 30_000, random = Math.random } = config;
  if (!(Number.isInteger(retries) && retries >= 0) && retries !== Infinity) {
    throw new TypeError(`retry.retries must be an integer ≥ 0, got ${retries}`);
  }
  for (const [name, value] of [
    ['initialDelay', initialDelay],
    ['maxDelay', maxDelay],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new TypeError(
        `retry.${name} must be a finite number of milliseconds ≥ 0, got ${value}`,
      );
    }
  }
  return { retries, initialDelay, maxDelay, random, scheduler };
}

const field = (error: unknown, key: string): unknown =>
  typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;

/** The HTTP status of an API error, if it has one. */
export const statusOf = (error: unknown): number | undefined => {
  const status = field(error, 'status');
  return typeof status === 'number' ? status : undefined;
};

const CONNECTION_NAMES = new Set(['APIConnectionError', 'APIConnectionTimeoutError']);
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
]);

/** Whether the request was aborted on purpose (an unsubscribe): never retried. */
export function isAbortError(error: unknown): boolean {
  return ['AbortError', 'APIUserAbortError'].some((name) => isNamed(error, name));
}

/**
 * Whether the error is, or inherits from, a class of that name (the SDK's
 * error classes do not set `name`, so the class names tell them apart).
 */
function isNamed(error: unknown, name: string): boolean {
  if (field(error, 'name') === name) return true;
  for (
    let proto: unknown =
      typeof error === 'object' && error !== null ? Object.getPrototypeOf(error) : null;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}

/**
 * Whether the error is a failure of the connection (no HTTP answer): the
 * SDK's `APIConnectionError`, or the platform's `fetch failed`/`terminated`.
 */
export function isConnectionError(error: unknown): boolean {
  if (isAbortError(error)) return false;
  if ([...CONNECTION_NAMES].some((name) => isNamed(error, name))) return true;
  const code = field(error, 'code') ?? field(field(error, 'cause'), 'code');
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return (
    error instanceof TypeError && /fetch failed|terminated|network|socket/i.test(error.message)
  );
}

/** Whether a request that failed this way may succeed if sent again. */
export function isRetryable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const status = statusOf(error);
  if (status === undefined) return false;
  if (status === 409) return field(error, 'code') !== 'idempotency_key_reused';
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Whether a write that failed this way may have taken effect all the same:
 * the answer is unknown (no answer, a reset, a timeout, a 5xx that may have
 * come after the work was done). A 429 or a 409 was refused before any work.
 */
export function mayHaveTakenEffect(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const status = statusOf(error);
  return status !== undefined && (status === 408 || status >= 500);
}

const MINUTE = 60_000;

/** The wait a server asked for (`retry-after-ms`, else `Retry-After` in seconds or as a date), up to a minute. */
export function retryAfterMs(error: unknown, now: number): number | undefined {
  const headers = field(error, 'headers');
  const header = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = field(headers, name);
    return typeof value === 'string' ? value : undefined;
  };
  let ms: number | undefined;
  const millis = header('retry-after-ms');
  if (millis !== undefined && Number.isFinite(parseFloat(millis))) ms = parseFloat(millis);
  const after = header('retry-after');
  if (ms === undefined && after !== undefined) {
    const seconds = parseFloat(after);
    ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - now;
  }
  return ms !== undefined && ms >= 0 && ms <= MINUTE ? Math.ceil(ms) : undefined;
}

/** How long to wait before retry `attempt` (from 0) after `error`. */
export function retryDelay(retry: ResolvedRetry, attempt: number, error: unknown): number {
  const asked = retryAfterMs(error, retry.scheduler.now());
  if (asked !== undefined) return asked;
  const cap = Math.min(retry.maxDelay, retry.initialDelay * 2 ** attempt);
  return Math.floor(retry.random() * cap);
}

/** A 400 that refuses `stream: true` itself: the request made nothing, polling may go on. */
export const refusesStreaming = (error: unknown) =>
  statusOf(error) === 400 &&
  ((error as { param?: unknown }).param === 'stream' ||
    /stream/i.test(String((error as Error).message)));
