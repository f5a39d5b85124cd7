import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { openaiBackend } from '../../src/backend';

interface Sent {
  path: string;
  body: Record<string, unknown>;
  signal: AbortSignal | undefined;
}

/** An SDK client whose fetch answers every request with the given SSE text (or a hanging stream). */
function clientStreaming(sse: string | 'hang') {
  const sent: Sent[] = [];
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async (url, init) => {
      sent.push({
        path: new URL(String(url)).pathname,
        body: JSON.parse(String(init?.body)) as Record<string, unknown>,
        signal: init?.signal ?? undefined,
      });
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (sse !== 'hang') {
            controller.enqueue(new TextEncoder().encode(sse));
            controller.close();
          } else {
            init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
          }
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  return { backend: openaiBackend(client), sent };
}

const sse = (...events: Array<[string, unknown]>) =>
  events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('') +
  'event: done\ndata: [DONE]\n\n';

const run = (status: string) => ({
  id: 'run_1',
  object: 'thread.run',
  thread_id: 'thread_1',
  status,
});

describe('openaiBackend.streaming', () => {
  it('creates a run with stream: true and emits the server-sent events in order', async () => {
    const { backend, sent } = clientStreaming(
      sse(
        ['thread.run.created', run('queued')],
        [
          'thread.message.delta',
          { id: 'msg_1', object: 'thread.message.delta', delta: { content: [] } },
        ],
        ['thread.run.completed', run('completed')],
      ),
    );
    const events = await lastValueFrom(
      backend.streaming!.createRun('thread_1', { assistant_id: 'asst_1' }).pipe(toArray()),
    );
    expect(events.map((e) => e.event)).toEqual([
      'thread.run.created',
      'thread.message.delta',
      'thread.run.completed',
    ]);
    expect(sent.map((s) => [s.path, s.body['stream'], s.body['assistant_id']])).toEqual([
      ['/v1/threads/thread_1/runs', true, 'asst_1'],
    ]);
  });

  it('streams create-and-run and tool outputs on their paths', async () => {
    const { backend, sent } = clientStreaming(sse(['thread.run.completed', run('completed')]));
    await lastValueFrom(backend.streaming!.createThreadAndRun({ assistant_id: 'asst_1' }));
    await lastValueFrom(
      backend.streaming!.submitToolOutputs('thread_1', 'run_1', {
        tool_outputs: [{ tool_call_id: 'c', output: '1' }],
      }),
    );
    expect(sent.map((s) => [s.path, s.body['stream']])).toEqual([
      ['/v1/threads/runs', true],
      ['/v1/threads/thread_1/runs/run_1/submit_tool_outputs', true],
    ]);
    expect(sent[1]!.body['tool_outputs']).toEqual([{ tool_call_id: 'c', output: '1' }]);
  });

  it('raises an error event as the SDK error', async () => {
    const { backend } = clientStreaming(
      'event: error\ndata: {"error":{"type":"server_error","message":"model down","param":null,"code":null}}\n\n',
    );
    const error = await lastValueFrom(
      backend.streaming!.createRun('thread_1', { assistant_id: 'a' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('model down');
  });

  it('aborts the request when unsubscribed, and emits nothing after', async () => {
    const { backend, sent } = clientStreaming('hang');
    const seen: unknown[] = [];
    const subscription = backend.streaming!.createRun('thread_1', { assistant_id: 'a' }).subscribe({
      next: (e) => seen.push(e),
      error: (e: unknown) => seen.push(e),
      complete: () => seen.push('complete'),
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(sent[0]!.signal?.aborted).toBe(true);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
