import { describe, expect, it, vi } from 'vitest';
import { concat, NEVER, Observable, of, throwError } from 'rxjs';
import type { AssistantsBackend } from '../../src/backend';
import type { AssistantStreamEvent } from '../../src/backend/types';
import { BackendError } from '../../src/errors';
import { localBackend, tutorModel } from '../../src/local';
import type { ServerHandle } from '../../src/server';
import { schemaErrors } from '../support/schema';
import { say, scriptedModel } from '../local/scriptedModel';
import { parseSse, request, specEventNames, start, type SseEvent } from './support';

const fast = () => localBackend({ model: tutorModel({ delay: 0, chunkDelay: 0 }) });

/** The backend without its `streaming`: the server must poll. */
const withoutStreaming = (backend: AssistantsBackend): AssistantsBackend => {
  const { streaming: _streaming, ...rest } = backend;
  return rest;
};

async function setUp(server: ServerHandle, assistant: Record<string, unknown> = {}) {
  const created = await request(server, 'POST', '/assistants', { model: 'tutor', ...assistant });
  const { id: assistantId } = (await created.json()) as { id: string };
  const thread = await request(server, 'POST', '/threads', {
    messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }],
  });
  const { id: threadId } = (await thread.json()) as { id: string };
  return { assistantId, threadId };
}

/** POSTs with `stream: true` and reads the whole event stream. */
async function stream(server: ServerHandle, path: string, body: Record<string, unknown>) {
  const response = await request(server, 'POST', path, { ...body, stream: true });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  return parseSse(await response.text());
}

/** Checks that every event is a valid `AssistantStreamEvent` and the stream ends with done. */
function expectWellFormed(events: SseEvent[]) {
  const body = events.slice(0, -1);
  for (const { event, data } of body) {
    expect(specEventNames).toContain(event);
    expect(schemaErrors('AssistantStreamEvent', { event, data: JSON.parse(data) })).toEqual([]);
  }
  expect(events.at(-1)).toEqual({ event: 'done', data: '[DONE]' });
  expect(schemaErrors('DoneEvent', events.at(-1))).toEqual([]);
  return body.map((e) => e.event);
}

/** The names, with each run of deltas as one. */
const collapsed = (names: string[]) =>
  names.filter((n, i) => !n.endsWith('.delta') || names[i - 1] !== n);

const TUTOR_RUN = [
  'thread.run.created',
  'thread.run.queued',
  'thread.run.in_progress',
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.message.created',
  'thread.message.in_progress',
  'thread.message.delta',
  'thread.message.completed',
  'thread.run.step.completed',
  'thread.run.completed',
];

/** A scripted backend whose first run calls `get_time`, and whose next turn answers. */
function toolBackend() {
  const { model } = scriptedModel([
    [{ type: 'tool_call', index: 0, id: 'call_1', name: 'get_time', arguments: '{}' }],
    say('It is noon.'),
  ]);
  return localBackend({ model });
}
const clock = {
  tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }],
};

describe('stream: true', () => {
  it('streams a run’s events in the API’s order, deltas included, then done', async () => {
    const server = await start(fast());
    const { assistantId, threadId } = await setUp(server);
    const events = await stream(server, `/threads/${threadId}/runs`, { assistant_id: assistantId });
    const names = expectWellFormed(events);
    expect(collapsed(names)).toEqual(TUTOR_RUN);
    expect(names.filter((n) => n === 'thread.message.delta').length).toBeGreaterThan(1);
    const completed = JSON.parse(events.at(-2)!.data) as { status: string; thread_id: string };
    expect(completed).toMatchObject({ status: 'completed', thread_id: threadId });
  });

  it('streams thread-and-run from thread.created', async () => {
    const server = await start(fast());
    const { assistantId } = await setUp(server);
    const events = await stream(server, '/threads/runs', {
      assistant_id: assistantId,
      thread: { messages: [{ role: 'user', content: 'Solve 2x = 8' }] },
    });
    expect(collapsed(expectWellFormed(events))).toEqual(['thread.created', ...TUTOR_RUN]);
  });

  it('ends at requires_action; submit_tool_outputs streams the rest', async () => {
    const server = await start(toolBackend());
    const { assistantId, threadId } = await setUp(server, clock);
    const first = await stream(server, `/threads/${threadId}/runs`, { assistant_id: assistantId });
    const names = expectWellFormed(first);
    expect(names.at(-1)).toBe('thread.run.requires_action');
    const run = JSON.parse(first.at(-2)!.data) as { id: string };
    const rest = await stream(server, `/threads/${threadId}/runs/${run.id}/submit_tool_outputs`, {
      tool_outputs: [{ tool_call_id: 'call_1', output: '12:00' }],
    });
    const after = expectWellFormed(rest);
    expect(after).not.toContain('thread.run.created');
    expect(after).toContain('thread.message.completed');
    expect(after.at(-1)).toBe('thread.run.completed');
  });

  it('answers a refusal before the stream as plain JSON: 400, 404', async () => {
    const server = await start(fast());
    const { threadId } = await setUp(server);
    const bad = await request(server, 'POST', `/threads/${threadId}/runs`, {
      assistant_id: 5,
      stream: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await bad.json()).toMatchObject({ error: { param: 'assistant_id' } });
    const unknown = await request(server, 'POST', '/threads/thread_nope/runs', {
      assistant_id: 'asst_nope',
      stream: true,
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers stream: false (or none) with the run as JSON', async () => {
    const server = await start(fast());
    const { assistantId, threadId } = await setUp(server);
    const response = await request(server, 'POST', `/threads/${threadId}/runs`, {
      assistant_id: assistantId,
      stream: false,
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(schemaErrors('RunObject', await response.json())).toEqual([]);
  });
});

/** A backend whose run streams are `events$`, and which records each unsubscription. */
function scriptedStreams(events$: () => Observable<AssistantStreamEvent>) {
  const backend = fast();
  const log = { subscribed: 0, tornDown: 0 };
  const { subscribed, tornDown, ...signals } = lifecycle();
  const createRun = () =>
    new Observable<AssistantStreamEvent>((subscriber) => {
      log.subscribed++;
      subscribed();
      const subscription = events$().subscribe(subscriber);
      return () => {
        log.tornDown++;
        tornDown();
        subscription.unsubscribe();
      };
    });
  const streaming = { ...backend.streaming!, createRun };
  return { backend: { ...backend, streaming }, log, ...signals };
}

/**
 * Promises resolved on the first subscription and the first teardown of a
 * backend call: a test waits for the event itself, however slow the machine.
 */
function lifecycle() {
  let subscribed!: () => void;
  let tornDown!: () => void;
  const firstSubscription = new Promise<void>((resolve) => (subscribed = resolve));
  const firstTeardown = new Promise<void>((resolve) => (tornDown = resolve));
  return { subscribed, tornDown, firstSubscription, firstTeardown };
}

const created = (threadId: string) =>
  ({
    event: 'thread.run.created',
    data: { id: 'run_1', object: 'thread.run', thread_id: threadId },
  }) as unknown as AssistantStreamEvent;

describe('errors and endings of a stream', () => {
  it('turns an error in mid-stream into event: error, with the API’s error, and closes', async () => {
    const rateLimited = new BackendError({
      status: 429,
      type: 'rate_limit_error',
      message: 'Slow down.',
    });
    const { backend } = scriptedStreams(() =>
      concat(
        of(created('t')),
        throwError(() => rateLimited),
      ),
    );
    const server = await start(backend);
    const { assistantId, threadId } = await setUp(server);
    const events = await stream(server, `/threads/${threadId}/runs`, { assistant_id: assistantId });
    expect(events.map((e) => e.event)).toEqual(['thread.run.created', 'error']);
    const data = JSON.parse(events[1]!.data) as { error: unknown };
    expect(data).toEqual({
      error: { type: 'rate_limit_error', message: 'Slow down.', param: null, code: null },
    });
  });

  it('reports an unexpected error in mid-stream as a bare server_error', async () => {
    const onError = vi.fn();
    const secret = new Error('stack trace with sk-abcdefghijklmnop');
    const { backend } = scriptedStreams(() =>
      concat(
        of(created('t')),
        throwError(() => secret),
      ),
    );
    const server = await start(backend, { onError });
    const { assistantId, threadId } = await setUp(server);
    const events = await stream(server, `/threads/${threadId}/runs`, { assistant_id: assistantId });
    expect(events.at(-1)!.event).toBe('error');
    expect(events.at(-1)!.data).not.toContain('sk-');
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ error: { type: 'server_error' } });
    expect(onError).toHaveBeenCalledWith(secret);
  });

  it('unsubscribes the backend’s stream when the client disconnects, and keeps serving', async () => {
    const { backend, log, firstTeardown } = scriptedStreams(() => concat(of(created('t')), NEVER));
    const server = await start(backend);
    const { assistantId, threadId } = await setUp(server);
    const abort = new AbortController();
    const response = await fetch(`${server.url}/threads/${threadId}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: assistantId, stream: true }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: thread\.run\.created\n/);
    expect(log).toEqual({ subscribed: 1, tornDown: 0 });

    abort.abort();
    await firstTeardown;
    expect(log.tornDown).toBe(1);
    expect((await request(server, 'GET', '/assistants')).status).toBe(200);
  });

  it('unsubscribes a plain request too when its client leaves', async () => {
    const backend = fast();
    const log = { subscribed: 0, tornDown: 0 };
    const { subscribed, tornDown, firstSubscription, firstTeardown } = lifecycle();
    const list = () =>
      new Observable<never>(() => {
        log.subscribed++;
        subscribed();
        return () => {
          log.tornDown++;
          tornDown();
        };
      });
    const server = await start({ ...backend, assistants: { ...backend.assistants, list } });
    const abort = new AbortController();
    const pending = fetch(`${server.url}/assistants`, { signal: abort.signal });
    await firstSubscription;
    expect(log).toEqual({ subscribed: 1, tornDown: 0 });
    abort.abort();
    await expect(pending).rejects.toThrow();
    await firstTeardown;
    expect(log.tornDown).toBe(1);
    expect((await request(server, 'POST', '/threads', {})).status).toBe(200);
  });

  it('ends open streams when the server closes, telling them why', async () => {
    const { backend, log, firstSubscription } = scriptedStreams(() =>
      concat(of(created('t')), NEVER),
    );
    const server = await start(backend);
    const { assistantId, threadId } = await setUp(server);
    const response = await request(server, 'POST', `/threads/${threadId}/runs`, {
      assistant_id: assistantId,
      stream: true,
    });
    const text = response.text();
    await firstSubscription;
    expect(log.subscribed).toBe(1);
    await server.close();
    const events = parseSse(await text);
    expect(events.map((e) => e.event)).toEqual(['thread.run.created', 'error']);
    expect(JSON.parse(events[1]!.data)).toEqual({
      error: {
        type: 'server_error',
        message: 'The server is shutting down.',
        param: null,
        code: 'server_shutdown',
      },
    });
    expect(log.tornDown).toBe(1);
    await expect(fetch(`${server.url}/assistants`)).rejects.toThrow();
  });
});

describe('streaming a backend without `streaming`, by polling', () => {
  it('synthesises the run’s events (no deltas), then done', async () => {
    const server = await start(withoutStreaming(fast()));
    const { assistantId, threadId } = await setUp(server);
    const names = expectWellFormed(
      await stream(server, `/threads/${threadId}/runs`, { assistant_id: assistantId }),
    );
    expect(names.slice(0, 2)).toEqual(['thread.run.created', 'thread.run.queued']);
    expect(names.at(-1)).toBe('thread.run.completed');
    const milestones = [
      'thread.run.step.created',
      'thread.message.created',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ];
    expect(names.filter((n) => milestones.includes(n))).toEqual(milestones);
    expect(names.some((n) => n.endsWith('.delta'))).toBe(false);
  });

  it('starts thread-and-run with thread.created', async () => {
    const server = await start(withoutStreaming(fast()));
    const { assistantId } = await setUp(server);
    const names = expectWellFormed(
      await stream(server, '/threads/runs', {
        assistant_id: assistantId,
        thread: { messages: [{ role: 'user', content: 'hi' }] },
      }),
    );
    expect(names.slice(0, 3)).toEqual([
      'thread.created',
      'thread.run.created',
      'thread.run.queued',
    ]);
    expect(names.at(-1)).toBe('thread.run.completed');
  });

  it('ends at requires_action, and the submit’s stream tells only what is new', async () => {
    const server = await start(withoutStreaming(toolBackend()));
    const { assistantId, threadId } = await setUp(server, clock);
    const first = await stream(server, `/threads/${threadId}/runs`, { assistant_id: assistantId });
    const names = expectWellFormed(first);
    expect(names.at(-1)).toBe('thread.run.requires_action');
    expect(names).toContain('thread.run.step.created');
    const run = JSON.parse(first.at(-2)!.data) as { id: string };

    const rest = await stream(server, `/threads/${threadId}/runs/${run.id}/submit_tool_outputs`, {
      tool_outputs: [{ tool_call_id: 'call_1', output: '12:00' }],
    });
    const after = expectWellFormed(rest);
    expect(after).not.toContain('thread.run.created');
    // The tool step was created before; after the submit it only completes.
    const toolStep = JSON.parse(first.find((e) => e.event === 'thread.run.step.created')!.data) as {
      id: string;
    };
    const aboutToolStep = rest
      .slice(0, -1)
      .filter((e) => e.event.startsWith('thread.run.step.'))
      .filter((e) => (JSON.parse(e.data) as { id: string }).id === toolStep.id)
      .map((e) => e.event);
    expect(aboutToolStep).toEqual(['thread.run.step.completed']);
    expect(after).toContain('thread.message.completed');
    expect(after.at(-1)).toBe('thread.run.completed');
  });
});
