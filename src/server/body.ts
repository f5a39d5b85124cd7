import { API_LIMITS } from '../local/limits';
import { badRequest, HttpError } from './errors';

const tooLarge = (limit: number) =>
  new HttpError(413, `Request body too large: the limit is ${limit} bytes.`, {
    code: 'request_too_large',
  });

/**
 * Reads a request's JSON body, refusing more than `limit` bytes: first by its
 * `Content-Length`, then by the bytes actually read (a chunked body has no
 * length). An empty body reads as `{}`.
 *
 * @throws {HttpError} 413 when the body is too large, 400 when it is not a JSON object.
 */
export async function readJsonObject(
  request: Request,
  limit: number,
): Promise<Record<string, unknown>> {
  const text = await readText(request, limit);
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
  return value as Record<string, unknown>;
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
export async function readText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.byteLength), 0);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('Invalid body: it is not UTF-8 text.');
  }
}
