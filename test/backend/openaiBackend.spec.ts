import OpenAI, { APIError, NotFoundError } from 'openai';
import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { AssistantsBackend } from '../../src/backend/AssistantsBackend';
import { isAssistantsBackend, openaiBackend } from '../../src/backend/openaiBackend';
import type { RunCreateParams } from '../../src/backend/AssistantsBackend';

/** What the fake server saw of one request. */
interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  search: URLSearchParams;
  body: unknown;
  headers: Headers;
  signal: AbortSignal | undefined;
}

type Reply = (request: SeenRequest) => Response | Promise<Response>;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A fetch that never answers: it rejects when its signal aborts, like the real one. */
const hang: Reply = ({ signal }) =>
  new Promise<Response>((_resolve, reject) => {
    signal?.addEventListener('abort', () =>
      reject(new DOMException('This operation was aborted', 'AbortError')),
    );
  });

/** A real OpenAI client over a fake `fetch` that records requests; no network at all. */
function setup(reply: Reply = () => json({ id: 'obj_1' })) {
  const requests: SeenRequest[] = [];
  const state = { reply };
  const fakeFetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const text = typeof init?.body === 'string' ? init.body : undefined;
    const request: SeenRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      search: url.searchParams,
      body: text === undefined ? undefined : JSON.parse(text),
      headers: new Headers(init?.headers),
      signal: init?.signal ?? undefined,
    };
    requests.push(request);
    return state.reply(request);
  });
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://127.0.0.1:1/v1',
    fetch: fakeFetch,
    maxRetries: 0,
  });
  const respond = (next: Reply) => {
    state.reply = next;
  };
  return { client, backend: openaiBackend(client), requests, fakeFetch, respond };
}

const list = (ids: string[], extra: Record<string, unknown> = {}) => ({
  object: 'list',
  data: ids.map((id) => ({ id })),
  first_id: ids[0] ?? null,
  last_id: ids[ids.length - 1] ?? null,
  has_more: false,
  ...extra,
});

const cursor = { limit: 2, order: 'asc', after: 'obj_a', before: 'obj_z' } as const;
const cursorQuery = { limit: '2', order: 'asc', after: 'obj_a', before: 'obj_z' };
const include = 'step_details.tool_calls[*].file_search.results[*].content' as const;
// Passed as variables: the SDK's update params carry `thread_id`, the positional id must win.
const messageUpdate = { thread_id: 'thread_ignored', metadata: { k: 'v' } };
const runUpdate = { thread_id: 'thread_ignored', metadata: { k: 'v' } };

interface Case {
  name: string;
  call: (backend: AssistantsBackend) => Observable<unknown>;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** What the fake server answers; `{ id: 'obj_1' }` when absent. */
  response?: unknown;
  /** What the Observable emits; the response when absent. */
  emits?: unknown;
}

const page = list(['obj_a', 'obj_b'], { has_more: true });
const pageEmitted = {
  data: [{ id: 'obj_a' }, { id: 'obj_b' }],
  has_more: true,
  first_id: 'obj_a',
  last_id: 'obj_b',
};

const cases: Case[] = [
  {
    name: 'assistants.create',
    call: (b) => b.assistants.create({ model: 'gpt-4o', name: 'Helper' }),
    method: 'POST',
    path: '/v1/assistants',
    body: { model: 'gpt-4o', name: 'Helper' },
  },
  {
    name: 'assistants.retrieve',
    call: (b) => b.assistants.retrieve('asst_1'),
    method: 'GET',
    path: '/v1/assistants/asst_1',
  },
  {
    name: 'assistants.update',
    call: (b) => b.assistants.update('asst_1', { name: 'Renamed' }),
    method: 'POST',
    path: '/v1/assistants/asst_1',
    body: { name: 'Renamed' },
  },
  {
    name: 'assistants.list',
    call: (b) => b.assistants.list(cursor),
    method: 'GET',
    path: '/v1/assistants',
    query: cursorQuery,
    response: page,
    emits: pageEmitted,
  },
  {
    name: 'assistants.delete',
    call: (b) => b.assistants.delete('asst_1'),
    method: 'DELETE',
    path: '/v1/assistants/asst_1',
    response: { id: 'asst_1', object: 'assistant.deleted', deleted: true },
  },
  {
    name: 'threads.create',
    call: (b) => b.threads.create({ messages: [{ role: 'user', content: 'Hi' }] }),
    method: 'POST',
    path: '/v1/threads',
    body: { messages: [{ role: 'user', content: 'Hi' }] },
  },
  {
    name: 'threads.create without params',
    call: (b) => b.threads.create(),
    method: 'POST',
    path: '/v1/threads',
    body: {},
  },
  {
    name: 'threads.retrieve',
    call: (b) => b.threads.retrieve('thread_1'),
    method: 'GET',
    path: '/v1/threads/thread_1',
  },
  {
    name: 'threads.update',
    call: (b) => b.threads.update('thread_1', { metadata: { k: 'v' } }),
    method: 'POST',
    path: '/v1/threads/thread_1',
    body: { metadata: { k: 'v' } },
  },
  {
    name: 'threads.delete',
    call: (b) => b.threads.delete('thread_1'),
    method: 'DELETE',
    path: '/v1/threads/thread_1',
    response: { id: 'thread_1', object: 'thread.deleted', deleted: true },
  },
  {
    name: 'threads.createAndRun',
    call: (b) => b.threads.createAndRun({ assistant_id: 'asst_1', thread: { metadata: {} } }),
    method: 'POST',
    path: '/v1/threads/runs',
    body: { assistant_id: 'asst_1', thread: { metadata: {} }, stream: false },
  },
  {
    name: 'messages.create',
    call: (b) => b.messages.create('thread_1', { role: 'user', content: 'Hello' }),
    method: 'POST',
    path: '/v1/threads/thread_1/messages',
    body: { role: 'user', content: 'Hello' },
  },
  {
    name: 'messages.retrieve',
    call: (b) => b.messages.retrieve('thread_1', 'msg_1'),
    method: 'GET',
    path: '/v1/threads/thread_1/messages/msg_1',
  },
  {
    name: 'messages.update',
    call: (b) => b.messages.update('thread_1', 'msg_1', messageUpdate),
    method: 'POST',
    path: '/v1/threads/thread_1/messages/msg_1',
    body: { metadata: { k: 'v' } },
  },
  {
    name: 'messages.list',
    call: (b) => b.messages.list('thread_1', { ...cursor, run_id: 'run_1' }),
    method: 'GET',
    path: '/v1/threads/thread_1/messages',
    query: { ...cursorQuery, run_id: 'run_1' },
    response: page,
    emits: pageEmitted,
  },
  {
    name: 'messages.delete',
    call: (b) => b.messages.delete('thread_1', 'msg_1'),
    method: 'DELETE',
    path: '/v1/threads/thread_1/messages/msg_1',
    response: { id: 'msg_1', object: 'thread.message.deleted', deleted: true },
  },
  {
    name: 'runs.create',
    call: (b) => b.runs.create('thread_1', { assistant_id: 'asst_1', include: [include] }),
    method: 'POST',
    path: '/v1/threads/thread_1/runs',
    query: { 'include[]': include },
    body: { assistant_id: 'asst_1', stream: false },
  },
  {
    name: 'runs.retrieve',
    call: (b) => b.runs.retrieve('thread_1', 'run_1'),
    method: 'GET',
    path: '/v1/threads/thread_1/runs/run_1',
    response: { id: 'run_1', status: 'queued' },
    emits: { run: { id: 'run_1', status: 'queued' } },
  },
  {
    name: 'runs.update',
    call: (b) => b.runs.update('thread_1', 'run_1', runUpdate),
    method: 'POST',
    path: '/v1/threads/thread_1/runs/run_1',
    body: { metadata: { k: 'v' } },
  },
  {
    name: 'runs.list',
    call: (b) => b.runs.list('thread_1', cursor),
    method: 'GET',
    path: '/v1/threads/thread_1/runs',
    query: cursorQuery,
    response: page,
    emits: pageEmitted,
  },
  {
    name: 'runs.cancel',
    call: (b) => b.runs.cancel('thread_1', 'run_1'),
    method: 'POST',
    path: '/v1/threads/thread_1/runs/run_1/cancel',
  },
  {
    name: 'runs.submitToolOutputs',
    call: (b) =>
      b.runs.submitToolOutputs('thread_1', 'run_1', {
        tool_outputs: [{ tool_call_id: 'call_1', output: '42' }],
      }),
    method: 'POST',
    path: '/v1/threads/thread_1/runs/run_1/submit_tool_outputs',
    body: { tool_outputs: [{ tool_call_id: 'call_1', output: '42' }], stream: false },
  },
  {
    name: 'steps.retrieve',
    call: (b) => b.steps.retrieve('thread_1', 'run_1', 'step_1', { include: [include] }),
    method: 'GET',
    path: '/v1/threads/thread_1/runs/run_1/steps/step_1',
    query: { 'include[]': include },
  },
  {
    name: 'steps.retrieve without query',
    call: (b) => b.steps.retrieve('thread_1', 'run_1', 'step_1'),
    method: 'GET',
    path: '/v1/threads/thread_1/runs/run_1/steps/step_1',
  },
  {
    name: 'steps.list',
    call: (b) => b.steps.list('thread_1', 'run_1', { ...cursor, include: [include] }),
    method: 'GET',
    path: '/v1/threads/thread_1/runs/run_1/steps',
    query: { ...cursorQuery, 'include[]': include },
    response: page,
    emits: pageEmitted,
  },
];

describe('openaiBackend', () => {
  describe.each(cases)('$name', (c) => {
    it(`sends ${c.method} ${c.path} with the assistants=v2 header and emits the result`, async () => {
      const { backend, requests } = setup(() => json(c.response ?? { id: 'obj_1' }));

      const values = await lastValueFrom(c.call(backend).pipe(toArray()));

      expect(values).toEqual([c.emits ?? c.response ?? { id: 'obj_1' }]);
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request?.method).toBe(c.method);
      expect(request?.path).toBe(c.path);
      expect(request?.query).toEqual(c.query ?? {});
      expect(request?.body).toEqual(c.body);
      expect(request?.headers.get('openai-beta')).toBe('assistants=v2');
    });

    it('aborts the request when unsubscribed before the response', async () => {
      const { backend, requests } = setup(hang);
      const observer = { next: vi.fn(), error: vi.fn(), complete: vi.fn() };

      const subscription = c.call(backend).subscribe(observer);
      await vi.waitFor(() => expect(requests).toHaveLength(1));
      const signal = requests[0]?.signal;
      expect(signal?.aborted).toBe(false);

      subscription.unsubscribe();

      expect(signal?.aborted).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(observer.next).not.toHaveBeenCalled();
      expect(observer.error).not.toHaveBeenCalled();
      expect(observer.complete).not.toHaveBeenCalled();
    });
  });

  it('lists the steps of a run with no query at all', async () => {
    const { backend, requests } = setup(() => json(list([])));

    await firstValueFrom(backend.steps.list('thread_1', 'run_1'));

    expect(requests[0]?.path).toBe('/v1/threads/thread_1/runs/run_1/steps');
    expect(requests[0]?.query).toEqual({});
  });

  it('never asks for a stream, even when an untyped caller does', async () => {
    const { backend, requests } = setup(() => json({ id: 'run_1', object: 'thread.run' }));
    const params = { assistant_id: 'asst_1', stream: true } as RunCreateParams;

    const run = await firstValueFrom(backend.runs.create('thread_1', params));

    expect(run).toEqual({ id: 'run_1', object: 'thread.run' });
    expect(requests[0]?.body).toEqual({ assistant_id: 'asst_1', stream: false });
  });

  describe('cold', () => {
    it('does nothing until subscribed, then one request per subscription', async () => {
      const { backend, fakeFetch } = setup();

      const thread$ = backend.threads.retrieve('thread_1');
      await new Promise((resolve) => setImmediate(resolve));
      expect(fakeFetch).not.toHaveBeenCalled();

      await firstValueFrom(thread$);
      expect(fakeFetch).toHaveBeenCalledTimes(1);
      await firstValueFrom(thread$);
      expect(fakeFetch).toHaveBeenCalledTimes(2);
    });

    it('gives every subscription its own signal', async () => {
      const { backend, requests } = setup(hang);
      const run$ = backend.runs.retrieve('thread_1', 'run_1');

      const first = run$.subscribe();
      const second = run$.subscribe();
      await vi.waitFor(() => expect(requests).toHaveLength(2));
      first.unsubscribe();

      expect(requests[0]?.signal?.aborted).toBe(true);
      expect(requests[1]?.signal?.aborted).toBe(false);
      second.unsubscribe();
      expect(requests[1]?.signal?.aborted).toBe(true);
    });
  });

  describe('runs.retrieve poll hint', () => {
    const retrieveWith = async (headers: Record<string, string>) => {
      const { backend } = setup(() => json({ id: 'run_1', status: 'in_progress' }, 200, headers));
      return firstValueFrom(backend.runs.retrieve('thread_1', 'run_1'));
    };

    it('reads openai-poll-after-ms into pollAfterMs', async () => {
      expect(await retrieveWith({ 'openai-poll-after-ms': '250' })).toEqual({
        run: { id: 'run_1', status: 'in_progress' },
        pollAfterMs: 250,
      });
      expect((await retrieveWith({ 'openai-poll-after-ms': '0' })).pollAfterMs).toBe(0);
    });

    it('leaves pollAfterMs out when the header is absent', async () => {
      const retrieval = await retrieveWith({});

      expect(retrieval.run).toEqual({ id: 'run_1', status: 'in_progress' });
      expect(retrieval.pollAfterMs).toBeUndefined();
      expect('pollAfterMs' in retrieval).toBe(false);
    });

    it.each(['soon', '-5', '1.5', '1e3', '', '99999999999999999999'])(
      'ignores the garbage header %j',
      async (value) => {
        const retrieval = await retrieveWith({ 'openai-poll-after-ms': value });

        expect(retrieval.run).toEqual({ id: 'run_1', status: 'in_progress' });
        expect(retrieval.pollAfterMs).toBeUndefined();
      },
    );
  });

  describe('list pages', () => {
    it('emits exactly one page and does not follow has_more', async () => {
      const { backend, requests } = setup(() => json(list(['msg_1', 'msg_2'], { has_more: true })));

      const pages = await lastValueFrom(backend.messages.list('thread_1').pipe(toArray()));

      expect(pages).toEqual([
        {
          data: [{ id: 'msg_1' }, { id: 'msg_2' }],
          has_more: true,
          first_id: 'msg_1',
          last_id: 'msg_2',
        },
      ]);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.query).toEqual({});
    });

    it('takes first_id and last_id from the body when present', async () => {
      const { backend } = setup(() =>
        json({ data: [{ id: 'run_2' }], first_id: 'run_1', last_id: 'run_3', has_more: false }),
      );

      const runs = await firstValueFrom(backend.runs.list('thread_1'));

      expect(runs).toEqual({
        data: [{ id: 'run_2' }],
        has_more: false,
        first_id: 'run_1',
        last_id: 'run_3',
      });
    });

    it('computes first_id and last_id from the data when the body lacks them', async () => {
      const { backend } = setup(() => json({ data: [{ id: 'asst_1' }, { id: 'asst_2' }] }));

      const assistants = await firstValueFrom(backend.assistants.list());

      expect(assistants).toEqual({
        data: [{ id: 'asst_1' }, { id: 'asst_2' }],
        has_more: false,
        first_id: 'asst_1',
        last_id: 'asst_2',
      });
    });

    it('maps an empty page to null cursors', async () => {
      const { backend } = setup(() => json({ object: 'list', data: [], has_more: false }));

      const steps = await firstValueFrom(backend.steps.list('thread_1', 'run_1'));

      expect(steps).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
    });
  });

  describe('errors', () => {
    const notFound = {
      error: { type: 'invalid_request_error', message: 'No run found', param: null, code: null },
    };

    it("passes the SDK's NotFoundError through unchanged", async () => {
      const { backend } = setup(() => json(notFound, 404));

      const error: unknown = await firstValueFrom(backend.runs.retrieve('thread_1', 'run_x')).catch(
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      const apiError = error as NotFoundError;
      expect(apiError.status).toBe(404);
      expect(apiError.type).toBe('invalid_request_error');
      expect(apiError.code).toBeNull();
      expect(apiError.param).toBeNull();
      expect(apiError.message).toContain('No run found');
      expect(apiError.cause).toBeUndefined();
    });

    it('errors once and does not retry beyond the client settings', async () => {
      const { backend, fakeFetch } = setup(() => json(notFound, 404));

      await expect(firstValueFrom(backend.messages.list('thread_1'))).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect(fakeFetch).toHaveBeenCalledTimes(1);
    });
  });
});

describe('isAssistantsBackend', () => {
  const { client, backend } = setup();

  it('accepts a backend built by openaiBackend', () => {
    expect(isAssistantsBackend(backend)).toBe(true);
  });

  it('accepts a hand-made backend', () => {
    expect(isAssistantsBackend({ ...backend })).toBe(true);
  });

  it('rejects an OpenAI client', () => {
    expect(isAssistantsBackend(client)).toBe(false);
  });

  it('rejects anything with a beta property, even with every method', () => {
    expect(isAssistantsBackend({ ...backend, beta: {} })).toBe(false);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'backend'],
    ['a function', () => backend],
    ['an empty object', {}],
    ['a resource missing', { ...backend, steps: undefined }],
    ['a method missing', { ...backend, runs: { ...backend.runs, cancel: undefined } }],
    ['a method that is not a function', { ...backend, steps: { ...backend.steps, list: 'x' } }],
  ])('rejects %s', (_name, value) => {
    expect(isAssistantsBackend(value)).toBe(false);
  });
});
