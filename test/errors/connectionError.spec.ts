import { createServer } from 'node:http';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError } from 'openai';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openaiBackend } from '../../src/backend';
import { rxAssistants } from '../../src/client';
import { namingEndpoint } from '../../src/errors/connectionError';
import { isConnectionError, isRetryable } from '../../src/client/RetryPolicy';
import { chatCompletionsModel, localBackend } from '../../src/local';
import { listenOnLoopback } from '../support/listen';

/** A loopback port that nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const client = (port: number) =>
  new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test', maxRetries: 0 });

describe('connection errors', () => {
  it('name the method and URL of the request, keep their class, and the SDK error as cause', async () => {
    const port = await closedPort();
    const error: unknown = await lastValueFrom(
      openaiBackend(client(port)).runs.retrieve('thread_1', 'run_2'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toBe(
      `Connection error: GET http://127.0.0.1:${port}/v1/threads/thread_1/runs/run_2 ` +
        `(connect ECONNREFUSED 127.0.0.1:${port}).`,
    );
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(APIConnectionError);
    expect((cause as Error).message).toBe('Connection error.');
    expect(isConnectionError(error)).toBe(true);
    expect(isRetryable(error)).toBe(true);
  });

  it('reach the client, whose retries still take them for connection errors', async () => {
    const port = await closedPort();
    const rx = rxAssistants(client(port), { retry: { retries: 1, initialDelay: 0 } });
    const error: unknown = await lastValueFrom(rx.threads.create()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Connection error: POST http://127\\.0\\.0\\.1:${port}/v1/threads \\(`),
    );
  });

  it("name the model's endpoint in the run's last_error", async () => {
    const port = await closedPort();
    const rx = rxAssistants(
      localBackend({ model: chatCompletionsModel(client(port), { model: 'x' }) }),
      { poll: 1 },
    );
    const assistant = await lastValueFrom(rx.assistants.create({ model: 'x' }));
    const error: unknown = await lastValueFrom(rx.ask(assistant.id, 'hi').pipe(toArray())).catch(
      (e: unknown) => e,
    );
    expect((error as { run?: { last_error?: { message: string } } }).run?.last_error?.message).toBe(
      `Connection error: POST http://127.0.0.1:${port}/v1/chat/completions ` +
        `(connect ECONNREFUSED 127.0.0.1:${port}).`,
    );
  });

  it('leave credentials and queries out of the URL, and any other error as it is', () => {
    const timeout = new APIConnectionTimeoutError();
    const named = namingEndpoint(timeout, 'GET', 'http://user:secret@127.0.0.1:1/v1/x?key=k');
    expect(named).toBeInstanceOf(APIConnectionTimeoutError);
    expect((named as Error).message).toBe('Request timed out: GET http://127.0.0.1:1/v1/x.');
    expect((named as Error).cause).toBe(timeout);
    const other = new TypeError('fetch failed');
    expect(namingEndpoint(other, 'GET', 'http://127.0.0.1:1')).toBe(other);
  });
});
