import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './errors';

/** How to send the key: a placeholder, never a key. */
const HOW = 'Send it as `Authorization: Bearer <key>`.';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * A check of `Authorization: Bearer <apiKey>`. Keys are compared as SHA-256
 * digests with `timingSafeEqual`, so the time taken says nothing about the
 * key, not even its length.
 *
 * @param apiKey The one key the server accepts.
 * @returns A function that returns the 401 to answer, or `undefined` when the request may pass.
 */
export function bearerCheck(
  apiKey: string,
): (authorization: string | undefined) => HttpError | undefined {
  const expected = digest(apiKey);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
    if (!match) {
      return new HttpError(401, `You didn't provide an API key. ${HOW}`, {
        code: 'invalid_api_key',
      });
    }
    if (!timingSafeEqual(digest(match[1]!.trim()), expected)) {
      // Never quote the key that was sent: it may be a real secret meant for another server.
      return new HttpError(401, `Incorrect API key provided. ${HOW}`, {
        code: 'invalid_api_key',
      });
    }
    return undefined;
  };
}
