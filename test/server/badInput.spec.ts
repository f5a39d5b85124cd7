import { describe, expect, it, vi } from 'vitest';
import { NEVER, throwError } from 'rxjs';
import type { AssistantsBackend } from '../../src/backend';
import { BackendError } from '../../src/errors';
import { localBackend } from '../../src/local';
import type { ServerHandle } from '../../src/server';
import { schemaErrors } from '../support/schema';
import { request, start } from './support';

/** Checks an error answer: its status, the API's error shape, and the fields given. */
async function expectError(
  response: Response,
  status: number,
  fields: Partial<Record<'type' | 'message' | 'param' | 'code', unknown>>,
) {
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect({ status: response.status, error: body.error }).toEqual({
    status,
    error: expect.objectContaining(fields),
  });
  expect(schemaErrors('ErrorResponse', body)).toEqual([]);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  return body.error;
}

/** The server still answers, and has kept what it had. */
async function expectStillServing(server: ServerHandle, headers: Record<string, string> = {}) {
  const response = await request(server, 'GET', '/assistants', undefined, headers);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: unknown[] }).data;
}

const invalid = { type: 'invalid_request_error', code: null };
const metadata17 = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));

describe('bad request bodies and queries: 400 with the field at fault', () => {
  it.each([
    ['malformed JSON', 'POST', '/assistants', '{"model": ', null],
    ['a JSON array', 'POST', '/assistants', '[1, 2]', null],
    ['a JSON string', 'POST', '/threads', '"hello"', null],
    ['JSON null', 'POST', '/threads', 'null', null],
    ['a wrong type', 'POST', '/assistants', { model: 5 }, 'model'],
    ['a missing field', 'POST', '/assistants', {}, 'model'],
    ['metadata with 17 keys', 'POST', '/threads', { metadata: metadata17 }, 'metadata'],
    ['a metadata value that is not text', 'POST', '/threads', { metadata: { a: 1 } }, 'metadata.a'],
    [
      'a nested field missing',
      'POST',
      '/assistants',
      { model: 'tutor', tools: [{ type: 'function', function: {} }] },
      'tools[0].function.name',
    ],
    [
      'an unknown tool type',
      'POST',
      '/assistants',
      { model: 'tutor', tools: [{ type: 'browser' }] },
      'tools[0].type',
    ],
    ['an unknown field', 'POST', '/threads', { colour: 'red' }, 'colour'],
    [
      'a bad message role',
      'POST',
      '/threads',
      { messages: [{ role: 'bot', content: 'x' }] },
      'messages[0].role',
    ],
    ['a limit that is not an integer', 'GET', '/assistants?limit=ten', undefined, 'limit'],
    ['an order that does not exist', 'GET', '/assistants?order=sideways', undefined, 'order'],
    // Checked by the backend, which the server passes through.
    ['a limit out of range', 'GET', '/assistants?limit=1000', undefined, 'limit'],
  ])('%s', async (_name, method, path, body, param) => {
    const server = await start(localBackend());
    await expectError(await request(server, method, path, body), 400, { ...invalid, param });
    expect(await expectStillServing(server)).toEqual([]);
  });

  it('names the field and the types in the message', async () => {
    const server = await start(localBackend());
    const error = await expectError(
      await request(server, 'POST', '/assistants', { model: 5 }),
      400,
      invalid,
    );
    expect(error['message']).toBe(
      "Invalid type for 'model': expected string, but got an integer instead.",
    );
  });

  it('creates nothing when a body is refused', async () => {
    const server = await start(localBackend());
    await request(server, 'POST', '/assistants', { model: 'tutor', metadata: metadata17 });
    await request(server, 'POST', '/assistants', '{"model": "tutor"');
    expect(await expectStillServing(server)).toEqual([]);
  });
});

describe('unknown ids and unknown URLs: 404', () => {
  it.each([
    ['GET', '/assistants/asst_nope', 'assistant_id'],
    ['DELETE', '/threads/thread_nope', 'thread_id'],
    ['POST', '/threads/thread_nope/messages', 'thread_id'],
    ['GET', '/threads/thread_nope/runs/run_nope', 'thread_id'],
  ])('%s %s', async (method, path, param) => {
    const server = await start(localBackend());
    const body = method === 'POST' ? { role: 'user', content: 'hi' } : undefined;
    const error = await expectError(await request(server, method, path, body), 404, {
      ...invalid,
      param,
    });
    expect(error['message']).toMatch(/nope/);
    await expectStillServing(server);
  });

  it.each([
    ['GET', '/v1/nope'],
    ['PUT', '/v1/assistants'],
    ['GET', '/nope'],
    ['GET', '/v1'],
  ])('%s %s is an unknown URL', async (method, path) => {
    const server = await start(localBackend());
    const response = await fetch(new URL(path, server.url), { method });
    await expectError(response, 404, {
      type: 'invalid_request_error',
      code: 'unknown_url',
      param: null,
      message: `Unknown request URL: ${method} ${path}.`,
    });
    await expectStillServing(server);
  });
});

describe('the API key', () => {
  const key = 'sk-local-0123456789';
  const auth = { authorization: `Bearer ${key}` };
  const unauthorized = { type: 'invalid_request_error', code: 'invalid_api_key', param: null };

  it('refuses a request without the key: 401', async () => {
    const server = await start(localBackend(), { apiKey: key });
    await expectError(await request(server, 'GET', '/assistants'), 401, unauthorized);
    await expectError(
      await request(server, 'GET', '/assistants', undefined, { authorization: key }),
      401,
      unauthorized,
    );
    await expectStillServing(server, auth);
  });

  it('refuses a wrong key, of any length, without quoting it', async () => {
    const server = await start(localBackend(), { apiKey: key });
    for (const wrong of ['sk-local-0123456788', 'x', `${key}0`]) {
      const error = await expectError(
        await request(server, 'GET', '/assistants', undefined, {
          authorization: `Bearer ${wrong}`,
        }),
        401,
        unauthorized,
      );
      expect(error['message']).not.toContain(wrong);
    }
    await expectStillServing(server, auth);
  });

  it('checks the key before anything else: bodies, routes', async () => {
    const server = await start(localBackend(), { apiKey: key });
    await expectError(await request(server, 'POST', '/assistants', '{bad'), 401, unauthorized);
    await expectError(await request(server, 'GET', '/nope'), 401, unauthorized);
    await expectError(await request(server, 'GET', '/nope', undefined, auth), 404, {
      code: 'unknown_url',
    });
  });

  it('says how to send the key, in a message the redactor leaves whole', async () => {
    const server = await start(localBackend(), { apiKey: key });
    const missing = await expectError(
      await request(server, 'GET', '/assistants'),
      401,
      unauthorized,
    );
    expect(missing['message']).toBe(
      "You didn't provide an API key. Send it as `Authorization: Bearer <key>`.",
    );
    const wrong = await expectError(
      await request(server, 'GET', '/assistants', undefined, {
        authorization: 'Bearer sk-wrong-0123456789',
      }),
      401,
      unauthorized,
    );
    expect(wrong['message']).toBe(
      'Incorrect API key provided. Send it as `Authorization: Bearer <key>`.',
    );
    expect(wrong['message']).not.toContain('***');
  });

  it('lets the right key through, and asks for none when no key is set', async () => {
    const guarded = await start(localBackend(), { apiKey: key });
    const created = await request(guarded, 'POST', '/assistants', { model: 'tutor' }, auth);
    expect(created.status).toBe(200);
    expect(await expectStillServing(guarded, auth)).toHaveLength(1);
    const open = await start(localBackend());
    expect((await request(open, 'GET', '/assistants')).status).toBe(200);
  });
});

describe('the body limit: 413', () => {
  const tooLarge = { type: 'invalid_request_error', code: 'request_too_large', param: null };

  it('refuses a body whose Content-Length is over the limit', async () => {
    const server = await start(localBackend(), { bodyLimit: 1024 });
    const body = JSON.stringify({ model: 'tutor', instructions: 'x'.repeat(2000) });
    await expectError(await request(server, 'POST', '/assistants', body), 413, tooLarge);
    expect(await expectStillServing(server)).toEqual([]);
  });

  it('counts the bytes of a body sent without a length (chunked)', async () => {
    const server = await start(localBackend(), { bodyLimit: 1024 });
    const chunk = new TextEncoder().encode(' '.repeat(400));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"model": "tutor"'));
        for (let i = 0; i < 4; i++) controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('}'));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/assistants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    await expectError(response, 413, tooLarge);
    expect(await expectStillServing(server)).toEqual([]);
  });

  it('accepts a body right at the limit', async () => {
    const body = JSON.stringify({ model: 'tutor', instructions: 'x' });
    const server = await start(localBackend(), { bodyLimit: Buffer.byteLength(body) });
    expect((await request(server, 'POST', '/assistants', body)).status).toBe(200);
  });

  it('holds for requests that take no body too', async () => {
    const server = await start(localBackend(), { bodyLimit: 16 });
    const response = await request(server, 'POST', '/threads/t/runs/r/cancel', 'x'.repeat(100));
    await expectError(response, 413, tooLarge);
  });
});

describe('errors of the backend', () => {
  const failing = (error: unknown): AssistantsBackend => {
    const backend = localBackend();
    return {
      ...backend,
      assistants: { ...backend.assistants, list: () => throwError(() => error) },
    };
  };

  it('keeps the status and fields of an error with a status (BackendError, APIError...)', async () => {
    const error = new BackendError({
      status: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      message: 'Slow down.',
    });
    const server = await start(failing(error));
    await expectError(await request(server, 'GET', '/assistants'), 429, {
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      param: null,
      message: 'Slow down.',
    });
    const plain = await start(failing({ status: 409, message: 'Busy.', param: 'x' }));
    await expectError(await request(plain, 'GET', '/assistants'), 409, {
      type: 'invalid_request_error',
      message: 'Busy.',
      param: 'x',
    });
  });

  it('answers anything else with a bare 500 that leaks nothing, and reports it', async () => {
    const onError = vi.fn();
    const secret = new Error('db password hunter2 at /srv/app.ts:12, key sk-abcdefghijklmnop');
    const server = await start(failing(secret), { onError });
    const response = await request(server, 'GET', '/assistants');
    const text = await response.clone().text();
    await expectError(response, 500, {
      type: 'server_error',
      message: 'The server had an error while processing your request.',
      param: null,
      code: null,
    });
    expect(text).not.toMatch(/hunter2|srv|sk-|at /);
    expect(onError).toHaveBeenCalledWith(secret);

    const odd = await start(failing('a string, not an error'), { onError });
    await expectError(await request(odd, 'GET', '/assistants'), 500, { type: 'server_error' });
    expect(onError).toHaveBeenCalledTimes(2);
  });

  it('answers the backend refusing a second active run with its 400', async () => {
    const backend = localBackend({ model: { name: 'hang', respond: () => NEVER } });
    const server = await start(backend);
    const { id } = (await (
      await request(server, 'POST', '/assistants', { model: 'tutor' })
    ).json()) as { id: string };
    const run = (await (
      await request(server, 'POST', '/threads/runs', { assistant_id: id })
    ).json()) as { thread_id: string };
    const again = await request(server, 'POST', `/threads/${run.thread_id}/runs`, {
      assistant_id: id,
    });
    await expectError(again, 400, { ...invalid, param: 'thread_id' });
  });
});
