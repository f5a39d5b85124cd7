// The server passes every POST's `Idempotency-Key` header to the backend; the
// embedded runtime answers a repeat with the first response, a reuse with
// another body with a 409. Through the official SDK, which sends the header
// when given `{ headers: { 'Idempotency-Key': key } }` (its own
// `idempotencyKey` option needs the client's `idempotencyHeader`, unset in v6).
import OpenAI, { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { localBackend } from '../../src/local';
import { exchangeErrors, recordingFetch } from './sdkHelpers';
import { start } from './support';

const TIMEOUT = 30_000;

/** A server over a fresh embedded runtime, an SDK client that records its exchanges, and a thread. */
async function setup() {
  const server = await start(localBackend());
  const recorder = recordingFetch();
  const client = new OpenAI({
    baseURL: server.url,
    apiKey: 'unused',
    maxRetries: 0, // the SDK retries a 409 by default
    fetch: recorder.fetch,
  });
  const assistant = await client.beta.assistants.create({ model: 'tutor' });
  const thread = await client.beta.threads.create({
    messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }],
  });
  return { server, recorder, client, assistantId: assistant.id, threadId: thread.id };
}

const keyed = (key: string) => ({ headers: { 'Idempotency-Key': key } });

describe('server: Idempotency-Key', () => {
  it(
    'answers a repeated POST with the first response and creates one run',
    async () => {
      const { client, recorder, assistantId, threadId } = await setup();
      const create = () =>
        client.beta.threads.runs.create(threadId, { assistant_id: assistantId }, keyed('run-1'));
      const first = await create();
      const again = await create();
      expect(again).toEqual(first);
      const runs = await client.beta.threads.runs.list(threadId);
      expect(runs.data.map((run) => run.id)).toEqual([first.id]);
      const posts = recorder.exchanges.filter((e) => e.path.endsWith('/runs'));
      expect(posts.map((e) => e.requestHeaders.get('idempotency-key'))).toEqual([
        'run-1',
        'run-1',
        null,
      ]);
    },
    TIMEOUT,
  );

  it(
    'answers the same key with another body with a 409 in the API error shape',
    async () => {
      const { client, recorder, assistantId, threadId } = await setup();
      await client.beta.threads.runs.create(threadId, { assistant_id: assistantId }, keyed('k'));
      const reused = await client.beta.threads.runs
        .create(threadId, { assistant_id: assistantId, instructions: 'other' }, keyed('k'))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(reused).toBeInstanceOf(APIError);
      expect(reused).toMatchObject({
        status: 409,
        type: 'invalid_request_error',
        code: 'idempotency_key_reused',
      });
      await recorder.settled();
      const exchange = recorder.exchanges.at(-1)!;
      expect(exchange.status).toBe(409);
      expect(exchange.body).toEqual({
        error: {
          type: 'invalid_request_error',
          code: 'idempotency_key_reused',
          param: null,
          message: expect.stringContaining("'k'") as unknown,
        },
      });
      expect(exchangeErrors(exchange)).toEqual([]);
      // The same key on another path is another request too.
      const other = await client.beta.threads.create({}, keyed('k')).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(other).toMatchObject({ status: 409 });
      expect((await client.beta.threads.runs.list(threadId)).data).toHaveLength(1);
    },
    TIMEOUT,
  );

  it(
    'streams the same run again for a repeated streaming create, to its end event',
    async () => {
      const { client, recorder, assistantId, threadId } = await setup();
      const stream = (events: string[]) =>
        client.beta.threads.runs
          .stream(threadId, { assistant_id: assistantId }, keyed('stream-1'))
          .on('event', (event) => events.push(event.event));
      const first: string[] = [];
      const firstStream = stream(first);
      // The second request arrives while the run is being written.
      await new Promise<void>((resolve) => firstStream.once('textDelta', () => resolve()));
      const second: string[] = [];
      const [run, again] = await Promise.all([firstStream.finalRun(), stream(second).finalRun()]);
      expect(run.status).toBe('completed');
      expect(again).toMatchObject({ id: run.id, status: 'completed' });
      expect(second[0]).toBe('thread.run.created');
      expect(second.at(-1)).toBe('thread.run.completed');
      expect(second.filter((name) => name === 'thread.run.created')).toHaveLength(1);

      // After the end, the repeat tells the whole story and ends.
      const third: string[] = [];
      const late = await stream(third).finalRun();
      expect(late).toMatchObject({ id: run.id, status: 'completed' });
      expect(third.at(-1)).toBe('thread.run.completed');

      expect((await client.beta.threads.runs.list(threadId)).data).toHaveLength(1);
      await recorder.settled();
      const streams = recorder.exchanges.filter((e) => e.events);
      expect(streams).toHaveLength(3);
      for (const exchange of streams) expect(exchangeErrors(exchange)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'refuses a streaming request with the key of a plain one with a JSON 409',
    async () => {
      const { client, recorder, assistantId, threadId } = await setup();
      const run = await client.beta.threads.runs.create(
        threadId,
        { assistant_id: assistantId },
        keyed('plain'),
      );
      await client.beta.threads.runs.poll(run.id, { thread_id: threadId }, { pollIntervalMs: 20 });
      const refused = await client.beta.threads.runs
        .stream(threadId, { assistant_id: assistantId }, keyed('plain'))
        .finalRun()
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
      await recorder.settled();
      expect(recorder.exchanges.at(-1)!.status).toBe(409);
    },
    TIMEOUT,
  );
});
