/**
 * An `sk-` key, or a bearer token: after `Bearer `, 8 or more token characters
 * (RFC 6750) with a digit among them, or 20 or more of them. So the word
 * "Bearer" followed by prose ("Bearer auth", "Bearer authentication") or by a
 * placeholder (`Bearer <key>`, `Bearer YOUR_KEY`) is left as it is.
 */
const SECRET =
  /\b(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{4,}|\b(Bearer\s+)(?:[\w.~+/-]{20,}|(?=[A-Za-z._~+/-]*\d)[\w.~+/-]{8,})=*/g;

/**
 * Masks anything that looks like an API key (`sk-...`) or a bearer token, so
 * that no error message built by rx-assistants ever carries a secret.
 *
 *
 * ## Example
 *
 * ```ts
 * import { redactSecrets } from 'rx-assistants';
 *
 * redactSecrets('Incorrect API key provided: sk-proj-abcdefghijklmnop'); // '... sk-proj***'
 * ```
 *
 * @param text Any text that may quote a key.
 * @returns The text with every key cut to its first characters and `***`.
 */
export function redactSecrets(text: string): string {
  return text.replace(SECRET, (_m, key: string | undefined, bearer: string | undefined) =>
    key ? `${key}***` : `${bearer ?? ''}***`,
  );
}

/**
 * The base class of every error that rx-assistants raises itself. Errors from
 * the backend (the SDK's `APIError`, a {@link BackendError}) are passed through
 * or kept as `cause`.
 *
 * ## Example
 *
 * ```ts
 * import { RxAssistantsError } from 'rx-assistants';
 *
 * try {
 *   // ...
 * } catch (error) {
 *   if (error instanceof RxAssistantsError) console.error(error.name, error.message);
 * }
 * ```
 */
export class RxAssistantsError extends Error {
  override name = 'RxAssistantsError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
  }
}
