// The server is safe by default on loopback: it answers only requests
// addressed to it (Host, against DNS rebinding), from no foreign page
// (Origin), with JSON bodies (no text/plain posts without a preflight). CORS
// is opt-in, and a non-loopback bind needs a key or `insecure: true`.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { localBackend } from '../../src/local';
import { createApp, serve, type ServerHandle } from '../../src/server';
import { start } from './support';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request to the server, with any headers (`Host` included). */
function raw(
  server: ServerHandle,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path: `/v1${path}`, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const errorOf = (answer: Answer) =>
  (JSON.parse(answer.body) as { error: Record<string, unknown> }).error;

const listed = async (server: ServerHandle) => {
  const answer = await raw(server, 'GET', '/assistants');
  return (JSON.parse(answer.body) as { data: unknown[] }).data;
};

const T = 20_000;

describe('Host', () => {
  it('refuses a foreign Host with 421 and accepts the loopback names', { timeout: T }, async () => {
    const server = await start(localBackend());
    const refused = await raw(server, 'GET', '/assistants', {
      host: `evil.example:${server.port}`,
    });
    expect(refused.status).toBe(421);
    expect(errorOf(refused)).toEqual({
      type: 'invalid_request_error',
      message: expect.stringContaining('evil.example'),
      param: null,
      code: 'host_not_allowed',
    });
    const wrongPort = await raw(server, 'GET', '/assistants', { host: '127.0.0.1:1' });
    expect(wrongPort.status).toBe(421);
    // The allowed names, each once.
    expect(errorOf(wrongPort)['message']).toContain(
      `answers only to 127.0.0.1:${server.port}, localhost:${server.port}, [::1]:${server.port}.`,
    );
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const ok = await raw(server, 'GET', '/assistants', { host: `${host}:${server.port}` });
      expect(ok.status, host).toBe(200);
    }
  });

  it('is not checked by createApp without allowedHosts, and is with them', async () => {
    const open = createApp(localBackend());
    expect((await open.request('http://anything.example/v1/assistants')).status).toBe(200);
    const strict = createApp(localBackend(), { allowedHosts: ['127.0.0.1:8787'] });
    expect((await strict.request('http://evil.example/v1/assistants')).status).toBe(421);
    expect((await strict.request('http://127.0.0.1:8787/v1/assistants')).status).toBe(200);
  });
});

describe('Content-Type', () => {
  it(
    'refuses text/plain, forms and untyped bodies with 415, creating nothing',
    { timeout: T },
    async () => {
      const server = await start(localBackend());
      const body = JSON.stringify({ model: 'tutor' });
      for (const type of [
        'text/plain',
        'text/plain;charset=UTF-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const answer = await raw(server, 'POST', '/assistants', { 'content-type': type }, body);
        expect(answer.status, type).toBe(415);
        expect(errorOf(answer)).toMatchObject({
          type: 'invalid_request_error',
          code: 'unsupported_media_type',
        });
      }
      const untyped = await raw(server, 'POST', '/assistants', {}, body);
      expect(untyped.status).toBe(415);
      const cancel = await raw(
        server,
        'POST',
        '/threads/t/runs/r/cancel',
        { 'content-type': 'text/plain' },
        '',
      );
      expect(cancel.status).toBe(415);
      expect(await listed(server)).toEqual([]);
    },
  );

  it(
    'accepts application/json (with a charset) and an empty untyped body',
    { timeout: T },
    async () => {
      const server = await start(localBackend());
      const body = JSON.stringify({ model: 'tutor' });
      const typed = await raw(
        server,
        'POST',
        '/assistants',
        { 'content-type': 'Application/JSON; charset=utf-8' },
        body,
      );
      expect(typed.status).toBe(200);
      const empty = await raw(server, 'POST', '/threads', {});
      expect(empty.status).toBe(200);
      expect(await listed(server)).toHaveLength(1);
    },
  );
});

describe('Origin', () => {
  it(
    'refuses a foreign Origin with 403, and accepts the server’s own',
    { timeout: T },
    async () => {
      const server = await start(localBackend());
      const refused = await raw(
        server,
        'POST',
        '/assistants',
        { origin: 'https://evil.example', 'content-type': 'application/json' },
        '{"model":"tutor"}',
      );
      expect(refused.status).toBe(403);
      expect(errorOf(refused)).toMatchObject({
        type: 'invalid_request_error',
        code: 'origin_not_allowed',
        param: null,
      });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      expect((await raw(server, 'GET', '/assistants', { origin: 'null' })).status).toBe(403);
      const own = await raw(server, 'GET', '/assistants', {
        origin: `http://127.0.0.1:${server.port}`,
      });
      expect(own.status).toBe(200);
      expect(await listed(server)).toEqual([]);
    },
  );
});

describe('CORS', () => {
  const ORIGIN = 'http://127.0.0.1:5173';

  it(
    'answers the preflight of an allowed origin, and the request with its headers',
    { timeout: T },
    async () => {
      const server = await start(localBackend(), { cors: [ORIGIN] });
      const preflight = await raw(server, 'OPTIONS', '/assistants', {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'authorization, content-type, x-stainless-os, x-stainless-retry-count, x-evil',
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(preflight.headers['vary']).toMatch(/Origin/);
      expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS');
      const allowed = preflight.headers['access-control-allow-headers']!.split(', ');
      expect(allowed).toEqual(
        expect.arrayContaining([
          'authorization',
          'content-type',
          'openai-beta',
          'openai-organization',
          'openai-project',
          'idempotency-key',
          'x-stainless-os',
          'x-stainless-retry-count',
        ]),
      );
      expect(allowed).not.toContain('x-evil');

      const created = await raw(
        server,
        'POST',
        '/assistants',
        { origin: ORIGIN, 'content-type': 'application/json' },
        '{"model":"tutor"}',
      );
      expect(created.status).toBe(200);
      expect(created.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(created.headers['vary']).toMatch(/Origin/);
      expect(created.headers['access-control-expose-headers']).toBe(
        'x-request-id, openai-poll-after-ms',
      );

      const missing = await raw(server, 'GET', '/assistants/asst_nope', { origin: ORIGIN });
      expect(missing.status).toBe(404);
      expect(missing.headers['access-control-allow-origin']).toBe(ORIGIN);

      const other = await raw(server, 'OPTIONS', '/assistants', {
        origin: 'http://127.0.0.1:9999',
        'access-control-request-method': 'POST',
      });
      expect(other.status).toBe(403);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it(
    'answers preflights before the key check, and errors carry CORS headers',
    { timeout: T },
    async () => {
      const server = await start(localBackend(), { cors: [ORIGIN], apiKey: 'k' });
      const preflight = await raw(server, 'OPTIONS', '/assistants', {
        origin: ORIGIN,
        'access-control-request-method': 'GET',
      });
      expect(preflight.status).toBe(204);
      const denied = await raw(server, 'GET', '/assistants', { origin: ORIGIN });
      expect(denied.status).toBe(401);
      expect(denied.headers['access-control-allow-origin']).toBe(ORIGIN);
      const ok = await raw(server, 'GET', '/assistants', {
        origin: ORIGIN,
        authorization: 'Bearer k',
      });
      expect(ok.status).toBe(200);
      // An allowed page that reached the server by another name can read why it is refused.
      const foreign = await raw(server, 'GET', '/assistants', {
        origin: ORIGIN,
        host: `evil.example:${server.port}`,
      });
      expect(foreign.status).toBe(421);
      expect(foreign.headers['access-control-allow-origin']).toBe(ORIGIN);
    },
  );

  it('puts CORS headers on event streams', { timeout: T }, async () => {
    const server = await start(localBackend(), { cors: [ORIGIN] });
    const json = { origin: ORIGIN, 'content-type': 'application/json' };
    const assistant = JSON.parse(
      (await raw(server, 'POST', '/assistants', json, '{"model":"tutor"}')).body,
    ) as { id: string };
    const stream = await raw(
      server,
      'POST',
      '/threads/runs',
      json,
      JSON.stringify({
        assistant_id: assistant.id,
        stream: true,
        thread: { messages: [{ role: 'user', content: '1 + 1' }] },
      }),
    );
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(stream.body).toContain('event: done');
  });

  it('refuses origins that are not origins', () => {
    expect(() => createApp(localBackend(), { cors: ['http://127.0.0.1:5173/app'] })).toThrow(
      TypeError,
    );
    expect(() => createApp(localBackend(), { cors: ['*'] })).toThrow(/origins such as/);
  });
});

describe('the official SDK from Node', () => {
  it('still works: it sends no Origin, a loopback Host and JSON', { timeout: T }, async () => {
    const server = await start(localBackend());
    const openai = new OpenAI({ baseURL: server.url, apiKey: 'unused' });
    const assistant = await openai.beta.assistants.create({ model: 'tutor' });
    const run = await openai.beta.threads.createAndRunPoll(
      { assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: '2 + 2' }] } },
      { pollIntervalMs: 20 },
    );
    expect(run.status).toBe('completed');
    const localhost = new OpenAI({
      baseURL: `http://localhost:${server.port}/v1`,
      apiKey: 'unused',
    });
    expect((await localhost.beta.assistants.list()).data).toHaveLength(1);
  });
});

describe('the bind address', () => {
  it('refuses a non-loopback host without a key', async () => {
    await expect(serve(localBackend(), { host: '0.0.0.0', port: 0 })).rejects.toThrow(TypeError);
    await expect(serve(localBackend(), { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /apiKey.*insecure/s,
    );
  });

  it(
    'listens on one with insecure: true or a key (closed at once, no traffic)',
    { timeout: T },
    async () => {
      const insecure = await serve(localBackend(), { host: '0.0.0.0', port: 0, insecure: true });
      await insecure.close();
      const keyed = await serve(localBackend(), { host: '0.0.0.0', port: 0, apiKey: 'k' });
      await keyed.close();
    },
  );

  it('takes localhost, 127.x and ::1 as loopback', { timeout: T }, async () => {
    const server = await start(localBackend(), { host: '127.0.0.1' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1`);
    const { isLoopback } = await import('../../src/server/security');
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', '127.0.0.256', 'localhost.evil.example'])
      expect(isLoopback(host), host).toBe(false);
  });
});
