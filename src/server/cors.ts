import type { Context } from 'hono';

const METHODS = 'GET, POST, DELETE, OPTIONS';
const HEADERS = [
  'authorization',
  'content-type',
  'openai-beta',
  'openai-organization',
  'openai-project',
  'idempotency-key',
];
const EXPOSED = 'x-request-id, openai-poll-after-ms';

/**
 * `text` as an origin (`scheme://host[:port]`, no path), or a `TypeError`
 * naming `what`.
 */
export function originOf(text: string, what = 'cors'): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== text.replace(/\/$/, '')) {
    throw new TypeError(
      `${what} must list origins such as 'http://127.0.0.1:5173' (scheme, host, port; no path), got '${text}'`,
    );
  }
  return url.origin;
}

/** The headers a preflight asks for that may be sent: the API's, and the SDK's `x-stainless-*`. */
function allowedHeaders(requested: string | undefined): string {
  const asked = (requested ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const extra = asked.filter((name) => /^x-stainless-[a-z0-9-]+$/.test(name));
  return [...HEADERS, ...extra.filter((name) => !HEADERS.includes(name))].join(', ');
}

/**
 * CORS for the origins of `allowed`: a preflight from one of them is answered
 * 204 at once (before the key check: browsers send no credentials with it),
 * and every other answer to one of them carries `Access-Control-Allow-Origin`,
 * errors and event streams included. Requests from other origins pass through
 * untouched (the origin check refuses them).
 *
 * @returns A function that sets the CORS headers of `c`'s answer and returns
 *   the answer of a preflight, or `undefined` when the request goes on.
 */
export function cors(allowed: readonly string[]): (c: Context) => Response | undefined {
  const origins = new Set(allowed.map((origin) => origin.toLowerCase()));
  return (c) => {
    const origin = c.req.header('origin');
    if (origin === undefined || !origins.has(origin.toLowerCase())) return undefined;
    const preflight =
      c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (preflight) {
      return c.body(null, 204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': METHODS,
        'access-control-allow-headers': allowedHeaders(
          c.req.header('access-control-request-headers'),
        ),
        'access-control-max-age': '600',
        vary: 'Origin, Access-Control-Request-Headers',
      });
    }
    // Set before the answer is made, so that every answer made by `c` carries them.
    c.header('access-control-allow-origin', origin);
    c.header('access-control-expose-headers', EXPOSED);
    c.header('vary', 'Origin', { append: true });
    return undefined;
  };
}
