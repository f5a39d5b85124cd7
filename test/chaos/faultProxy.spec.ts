import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MIX,
  faultDecider,
  type FaultKind,
  mulberry32,
  PASS_THROUGH,
  routeOf,
  startFaultProxy,
  type FaultProxy,
} from '../support/faultProxy';
import { startThirdPartyServer, type ThirdPartyServer } from '../support/thirdPartyServer';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An upstream on 127.0.0.1 whose answers `handler` writes; counts the requests it got. */
async function upstream(handler: (res: ServerResponse, path: string) => void) {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits += 1;
    req.resume();
    handler(res, req.url ?? '/');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state };
}

async function proxyOf(...args: Parameters<typeof startFaultProxy>): Promise<FaultProxy> {
  const proxy = await startFaultProxy(...args);
  closers.push(proxy.close);
  return proxy;
}

/** A gate the upstream waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('faultDecider', () => {
  it('draws each fault at its probability (2000 seeded draws)', () => {
    const n = 2000;
    const decide = faultDecider(mulberry32(42), DEFAULT_MIX);
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const kind = decide();
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    const expected: Record<FaultKind, number> = { ...DEFAULT_MIX, pass: 0.75 };
    for (const [kind, p] of Object.entries(expected)) {
      const tolerance = 4 * Math.sqrt((p * (1 - p)) / n) + 0.005;
      expect(Math.abs((counts[kind] ?? 0) / n - p), kind).toBeLessThan(tolerance);
    }
  });

  it('is deterministic for a seed, and refuses a mix above 1', () => {
    const draws = (seed: number) => Array.from({ length: 50 }, faultDecider(mulberry32(seed)));
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    expect(() => faultDecider(mulberry32(1), { ...DEFAULT_MIX, error500: 0.9 })).toThrow(
      RangeError,
    );
  });
});

describe('routeOf', () => {
  it('names a request by method and path pattern', () => {
    expect(routeOf('POST', '/v1/threads/thread_abc12/runs')).toBe('POST /threads/:id/runs');
    expect(routeOf('GET', '/v1/threads/thread_a/runs/run_b?limit=1')).toBe(
      'GET /threads/:id/runs/:id',
    );
    expect(routeOf('POST', '/v1/assistants')).toBe('POST /assistants');
  });
});

describe('startFaultProxy', () => {
  it(
    'applies its seeded mix to real requests, and counts what it did',
    { timeout: 30_000 },
    async () => {
      const target = await upstream((res) => res.end('{"ok":true}'));
      const proxy = await proxyOf({ target: target.url, seed: 5, delayMs: [1, 5] });
      const seen: Record<string, number> = {};
      const send = async (i: number) => {
        try {
          const response = await fetch(`${proxy.url}/v1/threads/thread_${i}/runs`, {
            method: 'POST',
            body: '{}',
          });
          const body = (await response.json()) as { error?: { type: string } };
          const key =
            response.status === 429
              ? `429 ${response.headers.get('retry-after')} ${body.error?.type}`
              : `${response.status}${body.error ? ` ${body.error.type}` : ''}`;
          seen[key] = (seen[key] ?? 0) + 1;
        } catch {
          seen.reset = (seen.reset ?? 0) + 1;
        }
      };
      const n = 600;
      for (let i = 0; i < n; i += 30) {
        await Promise.all(Array.from({ length: 30 }, (_, j) => send(i + j)));
      }
      // The same seed replayed: one draw per request, and one more for each delay.
      const random = mulberry32(5);
      const decide = faultDecider(random);
      const replay: Record<FaultKind, number> = {
        error500: 0,
        rateLimit429: 0,
        reset: 0,
        replace502: 0,
        delay: 0,
        pass: 0,
      };
      for (let i = 0; i < n; i++) {
        const kind = decide();
        replay[kind] += 1;
        if (kind === 'delay') random();
      }
      expect(proxy.stats.faults).toEqual(replay);
      expect(seen).toEqual({
        '200': replay.pass + replay.delay,
        '500 server_error': replay.error500,
        '429 1 requests': replay.rateLimit429,
        '502 server_error': replay.replace502,
        reset: replay.reset,
      });
      expect(target.state.hits).toBe(replay.pass + replay.delay + replay.replace502);
      expect(proxy.forwarded('POST /threads/:id/runs')).toBe(target.state.hits);
      expect(proxy.stats.routes['POST /threads/:id/runs']!.received).toBe(n);
      expect(proxy.stats.inFlight).toBe(0);
    },
  );

  it.each([
    ['untouched', PASS_THROUGH],
    ['delayed', { ...PASS_THROUGH, delay: 1 }],
  ])('pipes an event stream through as it arrives (%s)', async (_, mix) => {
    const second = gate();
    let ended = false;
    const target = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: one\ndata: {}\n\n');
      void second.opened.then(() => {
        ended = true;
        res.end('event: two\ndata: {}\n\n');
      });
    });
    const proxy = await proxyOf({ target: target.url, mix, delayMs: [1, 1] });
    const response = await fetch(`${proxy.url}/v1/threads/thread_1/runs`, { method: 'POST' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: one')) text += (await reader.read()).value ?? '';
    // The first event arrived while the upstream's answer was still open.
    expect(ended).toBe(false);
    second.open();
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += part.value;
    expect(text).toBe('event: one\ndata: {}\n\nevent: two\ndata: {}\n\n');
  });

  it('answers 502 only once the upstream answer, a stream included, has ended', async () => {
    let ended = false;
    const target = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: one\ndata: {}\n\n');
      setImmediate(() => {
        ended = true;
        res.end('event: done\ndata: [DONE]\n\n');
      });
    });
    const proxy = await proxyOf({ target: target.url, mix: { ...PASS_THROUGH, replace502: 1 } });
    const response = await fetch(`${proxy.url}/v1/threads/thread_1/runs`, { method: 'POST' });
    expect(ended).toBe(true);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: expect.objectContaining({ type: 'server_error', param: null, code: null }),
    });
    expect(target.state.hits).toBe(1);
  });

  it('ends every open connection on close, an endless stream included', async () => {
    const target = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: one\ndata: {}\n\n');
    });
    const proxy = await startFaultProxy({ target: target.url, mix: PASS_THROUGH });
    const response = await fetch(`${proxy.url}/v1/stream`);
    const reader = response.body!.getReader();
    await reader.read();
    expect(proxy.stats.openConnections).toBe(1);
    await proxy.close();
    await expect(
      (async () => {
        while (!(await reader.read()).done);
      })(),
    ).rejects.toThrow();
    expect(proxy.stats.openConnections).toBe(0);
  });

  it('forwards to 127.0.0.1 only', async () => {
    await expect(startFaultProxy({ target: 'http://localhost:1/v1' })).rejects.toThrow(TypeError);
    await expect(startFaultProxy({ target: 'http://10.0.0.1:1' })).rejects.toThrow(TypeError);
  });
});

describe('startThirdPartyServer', () => {
  let server: ThirdPartyServer;
  const start = async (options: Parameters<typeof startThirdPartyServer>[0]) => {
    server = await startThirdPartyServer(options);
    closers.push(server.close);
    return new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
  };

  it('runs a thread to a reply, refuses a second active run and streaming, and records runs', async () => {
    const client = await start({ runDuration: () => 30 });
    const assistant = await client.beta.assistants.create({ model: 'm' });
    const thread = await client.beta.threads.create({
      messages: [{ role: 'user', content: 'hi' }],
    });
    const run = await client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('queued');
    const refused = await client.beta.threads.runs
      .create(thread.id, { assistant_id: assistant.id })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({
      status: 400,
      message: `400 Thread ${thread.id} already has an active run ${run.id}.`,
      type: 'invalid_request_error',
    });
    const streamed = await client.beta.threads.runs
      .create(thread.id, { assistant_id: assistant.id, stream: true })
      .catch((error: unknown) => error);
    expect(streamed).toMatchObject({ status: 400, param: 'stream' });
    const done = await client.beta.threads.runs.poll(
      run.id,
      { thread_id: thread.id },
      { pollIntervalMs: 10 },
    );
    expect(done.status).toBe('completed');
    const steps = await client.beta.threads.runs.steps.list(run.id, { thread_id: thread.id });
    expect(steps.data.map((step) => [step.type, step.status])).toEqual([
      ['message_creation', 'completed'],
    ]);
    const messages = await client.beta.threads.messages.list(thread.id, { order: 'asc' });
    expect(
      messages.data.map((m) => [m.role, m.content[0]?.type === 'text' && m.content[0].text.value]),
    ).toEqual([
      ['user', 'hi'],
      ['assistant', 'echo: hi'],
    ]);
    expect(server.runsByThread.get(thread.id)).toEqual([run.id]);
    expect(server.duplicates()).toBe(0);
  });

  it('asks for tool outputs first when told to, and pages lists', async () => {
    const client = await start({ runDuration: () => 10, requiresAction: true });
    const assistant = await client.beta.assistants.create({
      model: 'm',
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    });
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'x' }] });
    const created = await client.beta.threads.runs.create(thread.id, {
      assistant_id: assistant.id,
    });
    const waiting = await client.beta.threads.runs.poll(
      created.id,
      { thread_id: thread.id },
      { pollIntervalMs: 10 },
    );
    expect(waiting.status).toBe('requires_action');
    const call = waiting.required_action!.submit_tool_outputs.tool_calls[0]!;
    expect(call.function.name).toBe('lookup');
    const done = await client.beta.threads.runs.submitToolOutputsAndPoll(
      created.id,
      { thread_id: thread.id, tool_outputs: [{ tool_call_id: call.id, output: '42' }] },
      { pollIntervalMs: 10 },
    );
    expect(done.status).toBe('completed');
    const first = await client.beta.threads.runs.steps.list(created.id, {
      thread_id: thread.id,
      order: 'asc',
      limit: 1,
    });
    expect(first.data.map((step) => step.type)).toEqual(['tool_calls']);
    expect(first.hasNextPage()).toBe(true);
    const rest = await first.getNextPage();
    expect(rest.data.map((step) => step.type)).toEqual(['message_creation']);
  });
});
