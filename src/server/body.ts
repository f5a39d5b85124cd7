import { API_LIMITS } from '../local/limits';
import { badRequest, HttpError } from './errors';

const tooLarge = (limit: number) =>
  new HttpError(413, `Request body too large: the limit is ${limit} bytes.`, {
    code: 'request_too_large',
  });

/**
 * A request's body: its declared `Content-Length`, and its bytes (a web
 * `Request`'s stream, or Node's request, read without building a `Request`).
 */
export interface BodySource {
  length: string | undefined;
  chunks(): AsyncIterable<Uint8Array> | undefined;
}

/** The body of a web `Request`. */
export const bodyOfRequest = (request: Request): BodySource => ({
  length: request.headers.get('content-length') ?? undefined,
  chunks: () => (request.body ? chunksOf(request.body) : undefined),
});

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
  } finally {
    await reader.cancel().catch(() => undefined); // a no-op once the stream has ended
  }
}

/**
 * Reads a request's JSON body, refusing more than `limit` bytes: first by its
 * `Content-Length`, then by the bytes actually read (a chunked body has no
 * length). An empty body reads as `{}`.
 *
 * @throws {HttpError} 413 when the body is too large, 400 when it is not a JSON object.
 */
export async function readJsonObject(
  body: BodySource,
  limit: number,
): Promise<Record<string, unknown>> {
  const text = await readText(body, limit);
  if (text.trim() === '') return {};
  const depth = API_LIMITS.jsonDepth;
  if (nestsDeeperThan(text, depth)) {
    throw badRequest(
      `Invalid body: objects and arrays nest more than ${depth} levels deep. ` +
        `The API accepts at most ${depth} levels.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(
      'We could not parse the JSON body of your request. The API expects a JSON payload, ' +
        'but what was sent was not valid JSON.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Invalid body: expected a JSON object.');
  }
  const unpaired = loneSurrogateAt(value, '');
  if (unpaired !== undefined) {
    throw badRequest(
      `Invalid body: the text at '${unpaired}' is not valid Unicode (an unpaired surrogate escape such as \\ud800).`,
      unpaired,
    );
  }
  return value as Record<string, unknown>;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path (`messages[0].content`) of the first string or key of a parsed
 * body that holds an unpaired surrogate (which `\ud800` escapes let JSON
 * carry, and which no UTF-8 text can), or `undefined`. The depth was bounded
 * before parsing.
 */
function loneSurrogateAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || '(body)' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogateAt(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (LONE_SURROGATE.test(key)) return at;
    const found = loneSurrogateAt(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Whether the brackets of JSON `text` nest more than `max` deep, found by one
 * pass over the text (brackets within strings do not count), before
 * `JSON.parse` or anything recursive ever sees the value.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The body as UTF-8 text, at most `limit` bytes of it. */
export async function readText(body: BodySource, limit: number): Promise<string> {
  if (Number(body.length ?? NaN) > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body.chunks() ?? []) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit); // leaving the loop stops the reading
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.byteLength), 0);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('Invalid body: it is not UTF-8 text.');
  }
}
