import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { concatMap, lastValueFrom, toArray } from 'rxjs';
import { isRunEvent, rxAssistants, RunFailedError } from '../../src';
import { chatCompletionsModel, localBackend } from '../../src/local';
import { startFakeChatServer, type FakeChatServer } from '../support/fakeChatServer';

let server: FakeChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The embedded runtime on a Chat Completions model served by a loopback fake. */
async function runtimeOn(reply: Parameters<typeof startFakeChatServer>[0]) {
  server = await startFakeChatServer(reply);
  const upstream = new OpenAI({ apiKey: 'sk-test', baseURL: server.url, maxRetries: 0 });
  const rx = rxAssistants(
    localBackend({ model: chatCompletionsModel(upstream, { model: 'llama' }) }),
    { poll: 5 },
  );
  const assistant = await lastValueFrom(
    rx.assistants.create({ model: 'm', instructions: 'Be brief.' }),
  );
  return { rx, assistantId: assistant.id };
}

describe('the embedded runtime on a Chat Completions endpoint', () => {
  it('runs tool calls and the reply through the model, with its usage', async () => {
    const { rx, assistantId } = await runtimeOn((body: { messages: Array<{ role: string }> }) =>
      body.messages.some((m) => m.role === 'tool')
        ? {
            deltas: [{ content: 'It is ' }, { content: '5.' }],
            usage: { prompt_tokens: 30, completion_tokens: 3 },
          }
        : {
            deltas: [
              {
                tool_calls: [
                  {
                    index: 0,
                    id: 'call_x',
                    type: 'function',
                    function: { name: 'add', arguments: '{"a":2,"b":3}' },
                  },
                ],
              },
            ],
          },
    );
    const events = await lastValueFrom(
      rx
        .ask(assistantId, 'What is 2 + 3?', {
          run: {
            tools: [
              { type: 'function', function: { name: 'add', parameters: { type: 'object' } } },
            ],
          },
          tools: { add: ({ a, b }: { a: number; b: number }) => a + b },
        })
        .pipe(toArray()),
    );
    const completed = events.filter(isRunEvent).at(-1)!.data;
    expect(completed.status).toBe('completed');
    expect(completed.usage?.completion_tokens).toBeGreaterThanOrEqual(3);
    const reply = events.find((e) => e.event === 'thread.message.completed')!.data as {
      content: Array<{ text: { value: string } }>;
    };
    expect(reply.content[0]!.text.value).toBe('It is 5.');
    expect(server!.requests[1].messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_x', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_x', content: '5' },
    ]);
  });

  it('fails the run with last_error when the upstream fails', async () => {
    const { rx, assistantId } = await runtimeOn(() => ({
      status: 500,
      error: { message: 'The upstream model is down.', type: 'server_error' },
    }));
    const error = await lastValueFrom(
      rx.threads
        .create()
        .pipe(concatMap((thread) => rx.ask(assistantId, 'hi', { threadId: thread.id }))),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).run.last_error).toEqual({
      code: 'server_error',
      message: expect.stringContaining('The upstream model is down.'),
    });
  });
});
