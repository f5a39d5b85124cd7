import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { openaiBackend } from '../../src/backend';
import { fromEventStream, type EventStreamErrors } from '../../src/internal/fromEventStream';

const bytes = (text: string) => new TextEncoder().encode(text);

/** A response whose body gives `chunks`, then ends (or stays open with `open`). */
function sseResponse(chunks: Uint8Array[], open = false) {
  const seen = { cancelled: false, signal: undefined as AbortSignal | undefined };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      if (!open) controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  const response = new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' },
  });
  return { response, seen };
}

/** A client whose fetch answers each request with the next of `responses`. */
function clientAnswering(...responses: Array<() => Response>) {
  const signals: AbortSignal[] = [];
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async (_url, init) => {
      signals.push(init!.signal!);
      return responses.shift()!();
    },
  });
  return { client, signals };
}

type Outcome = { values: unknown[]; error?: { class: string; message: string; status?: unknown } };

const outcomeOf = (values: unknown[], error?: unknown): Outcome =>
  error === undefined
    ? { values }
    : {
        values,
        error: {
          class: (error as Error).constructor.name,
          message: (error as Error).message,
          status: (error as { status?: unknown }).status,
        },
      };

/** What rx-assistants' backend emits for a body of `chunks`. */
function ours(chunks: Uint8Array[]): Promise<Outcome> {
  const { client } = clientAnswering(() => sseResponse(chunks).response);
  const values: unknown[] = [];
  return new Promise((resolve) =>
    openaiBackend(client)
      .streaming!.createRun('thread_1', { assistant_id: 'a' })
      .subscribe({
        next: (value) => values.push(value),
        error: (error: unknown) => resolve(outcomeOf(values, error)),
        complete: () => resolve(outcomeOf(values)),
      }),
  );
}

/** What the SDK's own `Stream` yields for the same body. */
async function sdks(chunks: Uint8Array[]): Promise<Outcome> {
  const { client } = clientAnswering(() => sseResponse(chunks).response);
  const values: unknown[] = [];
  try {
    const stream = await client.beta.threads.runs.create('thread_1', {
      assistant_id: 'a',
      stream: true,
    });
    for await (const value of stream) values.push(value);
  } catch (error) {
    return outcomeOf(values, error);
  }
  return outcomeOf(values);
}

const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;
const DONE = event('done', '[DONE]');

/** Bodies of every case the SDK's reader tells apart. */
const BODIES: Record<string, string> = {
  'a run, then done': event('thread.run.created', '{"id":"run_1"}') + DONE,
  'line breaks of three kinds, multi-byte characters, a comment, multi-line data':
    ': hi\r\nevent: thread.message.delta\rid: 1\r\ndata: {"v":\r\ndata: "é日🧮"}\r\r' +
    'retry: 5\n' +
    DONE,
  'an error event': event(
    'error',
    '{"error":{"type":"server_error","message":"model down","param":null,"code":null}}',
  ),
  'an error object in a thread event, told as data': event('thread.run.failed', '{"error":1}'),
  'an event of another kind, data without an error': event('ping', '{"n":1}') + event('x', 'null'),
  'data without an event': 'data: {"id":1}\n\n' + DONE,
  'events after done, never told':
    DONE + event('thread.run.created', '{"id":"late"}') + 'data: }\n\n',
  'data that is not JSON': event('thread.run.created', '{"id":"run_1"}') + event('thread.x', '{'),
  'a body that ends mid-message':
    event('thread.run.created', '{"id":1}') + 'event: thread.x\ndata: {}\n',
  'a body that ends mid-line': event('thread.run.created', '{"id":1}') + 'data: {',
  'an empty body': '',
};

describe('fromEventStream, in openaiBackend.streaming', () => {
  beforeEach(() => {
    // The SDK logs data that is not JSON.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(Object.entries(BODIES))(
    'emits what the SDK stream yields, cut at every byte: %s',
    async (_name, text) => {
      const body = bytes(text);
      const expected = await sdks([body]);
      expect(await ours([body])).toEqual(expected);
      for (let at = 1; at < body.length; at++) {
        const cut = [body.subarray(0, at), body.subarray(at)];
        expect(await ours(cut), `cut at byte ${at}`).toEqual(expected);
      }
      expect(await ours(Array.from(body, (b) => Uint8Array.of(b)))).toEqual(expected);
    },
  );

  it("raises an error event as the client's APIError, with the response's headers, and cancels the body", async () => {
    const answer = sseResponse(
      [bytes(BODIES['an error event']!), bytes(event('thread.run.created', '{}'))],
      true,
    );
    const { client } = clientAnswering(() => answer.response);
    const error = await lastValueFrom(
      openaiBackend(client).streaming!.createRun('thread_1', { assistant_id: 'a' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ type: 'server_error', message: 'model down', status: undefined });
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-request-id')).toBe(
      'req_1',
    );
    expect(answer.seen.cancelled).toBe(true);
  });

  it("raises a response without a body as the client's OpenAIError", async () => {
    const { client } = clientAnswering(() => new Response(null, { status: 200 }));
    const error = await lastValueFrom(
      openaiBackend(client).streaming!.createThreadAndRun({ assistant_id: 'a' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.OpenAIError);
    expect((error as Error).message).toBe('Attempted to iterate over a response with no body');
  });

  it('raises an HTTP error status as the SDK does, before any event', async () => {
    const { client } = clientAnswering(
      () =>
        new Response('{"error":{"message":"No thread found","type":"invalid_request_error"}}', {
          status: 404,
          headers: { 'content-type': 'application/json' },
        }),
    );
    const error = await lastValueFrom(
      openaiBackend(client).streaming!.submitToolOutputs('thread_1', 'run_1', {
        tool_outputs: [],
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('aborts the request and cancels the body when unsubscribed, and emits nothing after', async () => {
    const answer = sseResponse(
      [bytes(event('thread.run.created', '{"id":"run_1"}')), bytes('event: thread.run.')],
      true,
    );
    const { client, signals } = clientAnswering(() => answer.response);
    const seen: unknown[] = [];
    const subscription = openaiBackend(client)
      .streaming!.createRun('thread_1', { assistant_id: 'a' })
      .subscribe({
        next: (e) => seen.push(e),
        error: (e: unknown) => seen.push(e),
        complete: () => seen.push('complete'),
      });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    subscription.unsubscribe();
    expect(signals[0]!.aborted).toBe(true);
    expect(answer.seen.cancelled).toBe(true);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(seen).toEqual([{ event: 'thread.run.created', data: { id: 'run_1' } }]);
  });

  it('stops within a chunk when unsubscribed from an event of it', async () => {
    const { client } = clientAnswering(
      () =>
        sseResponse([bytes(event('thread.a', '1') + event('thread.b', '2') + DONE)], true).response,
    );
    const seen: unknown[] = [];
    const subscription = openaiBackend(client)
      .streaming!.createRun('thread_1', { assistant_id: 'a' })
      .subscribe((e) => {
        seen.push(e);
        subscription.unsubscribe();
      });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(seen).toEqual([{ event: 'thread.a', data: 1 }]);
  });
});

describe('fromEventStream', () => {
  const errors: EventStreamErrors = {
    errorEvent: (error) => new Error(JSON.stringify(error)),
    noBody: () => new Error('no body'),
  };

  /** A body that gives one event, then fails with `error`. */
  const failing = (error: unknown) => {
    let pulls = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(bytes(event('thread.a', '1')));
        else controller.error(error);
      },
    });
  };

  it('completes, as the SDK stream does, when the read of the body is aborted', async () => {
    const body = failing(new DOMException('The operation was aborted.', 'AbortError'));
    const values = await lastValueFrom(
      fromEventStream(() => Promise.resolve(new Response(body)), errors).pipe(toArray()),
    );
    expect(values).toEqual([{ event: 'thread.a', data: 1 }]);
  });

  it("raises the body's other errors as onError makes them, after the events before", async () => {
    const seen: unknown[] = [];
    const error = await new Promise((resolve) =>
      fromEventStream(
        () => Promise.resolve(new Response(failing(new TypeError('terminated')))),
        errors,
        (e) => new Error(`named: ${(e as Error).message}`),
      ).subscribe({ next: (e) => seen.push(e), error: resolve }),
    );
    expect(seen).toEqual([{ event: 'thread.a', data: 1 }]);
    expect((error as Error).message).toBe('named: terminated');
  });

  it('raises what the call throws, or rejects with', async () => {
    const thrown = await lastValueFrom(
      fromEventStream(() => {
        throw new Error('thrown');
      }, errors),
    ).catch((e: unknown) => e);
    expect((thrown as Error).message).toBe('thrown');
    const rejected = await lastValueFrom(
      fromEventStream(() => Promise.reject(new Error('rejected')), errors),
    ).catch((e: unknown) => e);
    expect((rejected as Error).message).toBe('rejected');
  });

  it('cancels the body of a response that arrives after unsubscription', async () => {
    let cancelled = false;
    let answer!: (response: Response) => void;
    const subscription = fromEventStream(
      () => new Promise<Response>((resolve) => (answer = resolve)),
      errors,
    ).subscribe();
    subscription.unsubscribe();
    answer(
      new Response(
        new ReadableStream({
          cancel() {
            cancelled = true;
          },
        }),
      ),
    );
    await vi.waitFor(() => expect(cancelled).toBe(true));
  });
});
