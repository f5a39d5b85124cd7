/** The SDK's connection errors (`APIConnectionError`, `APIConnectionTimeoutError`): their classes set no name. */
function isSdkConnectionError(error: unknown): error is Error {
  for (let proto: unknown = error; proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
  }
  return false;
}

/** What failed underneath: the innermost cause's message or code (`connect ECONNREFUSED 127.0.0.1:9`). */
function reasonOf(error: Error): string | undefined {
  let reason: string | undefined;
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 8 && typeof cause === 'object' && cause !== null; depth++) {
    const { message, code } = cause as { message?: unknown; code?: unknown };
    if (typeof message === 'string' && message !== '') reason = message;
    else if (typeof code === 'string') reason = code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return reason;
}

/** A URL without credentials, query or fragment: `http://127.0.0.1:8787/v1/threads`. */
function bareUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`.replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Names the endpoint in one of the SDK's connection errors, whose own message
 * (`Connection error.`) does not say what could not be reached:
 * `Connection error: POST http://127.0.0.1:9/v1/threads (connect ECONNREFUSED 127.0.0.1:9).`
 * The error keeps its class (so `instanceof APIConnectionError` and the
 * retry rules still hold) and the original error is its `cause`. Any other
 * error is returned as it is.
 *
 * @param error What a request failed with.
 * @param method The request's method, such as `POST`.
 * @param url The request's URL (its credentials and query are left out).
 * @returns The error to raise instead.
 */
export function namingEndpoint(error: unknown, method: string, url: string): unknown {
  if (!isSdkConnectionError(error)) return error;
  const reason = reasonOf(error);
  const message = `${error.message.replace(/\.$/, '')}: ${method} ${bareUrl(url)}${
    reason ? ` (${reason})` : ''
  }.`;
  try {
    const Class = error.constructor as new (init: { message: string }) => Error;
    const named = new Class({ message });
    Object.defineProperty(named, 'cause', {
      value: error,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    return named;
  } catch {
    return error; // a class that cannot be built again: the error as it was
  }
}
