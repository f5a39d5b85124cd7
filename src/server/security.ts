import { HttpError } from './errors';

/**
 * Whether `host` is a loopback address: `localhost`, `127.0.0.0/8` or `::1`
 * (brackets allowed).
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(bare);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

const hostInUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

/**
 * The `Host` headers a server bound to loopback `host` on `port` accepts: the
 * bind address, `localhost`, `127.0.0.1` and `[::1]`, each with the port (and
 * also without it, on port 80).
 */
export function loopbackHosts(host: string, port: number): string[] {
  const bound = hostInUrl(host.replace(/^\[(.*)\]$/, '$1'));
  const names = [...new Set([bound, 'localhost', '127.0.0.1', '[::1]'])];
  const hosts = names.map((name) => `${name}:${port}`);
  return port === 80 ? [...hosts, ...names] : hosts;
}

/**
 * A check of the `Host` header against `allowed`, against DNS rebinding: a
 * page of `evil.example` that resolves its name to 127.0.0.1 sends
 * `Host: evil.example:8787`. `allowed` is read on every request.
 *
 * @returns A function that returns the 421 to answer, or `undefined` when the request may pass.
 */
export function hostCheck(
  allowed: readonly string[],
): (host: string | undefined) => HttpError | undefined {
  return (host) => {
    const given = host?.trim().toLowerCase() ?? '';
    if (allowed.some((name) => name.toLowerCase() === given)) return undefined;
    return new HttpError(
      421,
      `Host ${JSON.stringify(host ?? '')} is not allowed: this server answers only to ` +
        `${allowed.join(', ')}.`,
      { code: 'host_not_allowed' },
    );
  };
}

/**
 * A check of the `Origin` header, against cross-site requests: a request
 * without one (a program, not a browser) passes, and so does one from the
 * server's own origin (`http://` or `https://` and its `Host`) or from
 * `allowed` (the `cors` option); any other origin gets a 403.
 */
export function originCheck(
  allowed: readonly string[],
): (origin: string | undefined, host: string | undefined) => HttpError | undefined {
  const origins = new Set(allowed.map((origin) => origin.toLowerCase()));
  return (origin, host) => {
    if (origin === undefined) return undefined;
    const given = origin.trim().toLowerCase();
    const own = host === undefined ? [] : [`http://${host}`, `https://${host}`];
    if (origins.has(given) || own.some((o) => o.toLowerCase() === given)) return undefined;
    return new HttpError(
      403,
      `Origin ${JSON.stringify(origin)} is not allowed. Browsers may call this server from ` +
        'the origins of its cors option only.',
      { code: 'origin_not_allowed' },
    );
  };
}

const unsupported = (type: string | undefined) =>
  new HttpError(
    415,
    `Unsupported content type ${JSON.stringify(type ?? '(none)')}: the body of a request ` +
      'must be JSON, with Content-Type: application/json.',
    { code: 'unsupported_media_type' },
  );

const isJson = (type: string) => /^application\/json\s*(;|$)/i.test(type.trim());

/**
 * The 415 of a `Content-Type` other than `application/json`, which a browser
 * may send cross-site without a preflight (`text/plain`, forms); `undefined`
 * when there is none or it is JSON.
 */
export function contentTypeError(type: string | undefined): HttpError | undefined {
  return type === undefined || isJson(type) ? undefined : unsupported(type);
}

/** The 415 of a body sent without a `Content-Type`; `undefined` when the body is empty. */
export function untypedBodyError(text: string): HttpError | undefined {
  return text === '' ? undefined : unsupported(undefined);
}
