// The official `openai` v6 SDK, pointed at `serve(localBackend())`, runs the
// whole Assistants cookbook walkthrough (the math tutor): assistants, threads,
// messages, polled runs, steps, function calling, streaming, cancel and
// delete. Every response the SDK gets, SSE events included, is checked against
// the reference schema; the SDK's own headers and the server's poll hint too.
import OpenAI, { APIConnectionError, AuthenticationError, NotFoundError } from 'openai';
import type { Message } from 'openai/resources/beta/threads/messages';
import type { RunStep, ToolCall } from 'openai/resources/beta/threads/runs/steps';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalize, tap } from 'rxjs';
import { localBackend, tutorModel, type ModelAdapter } from '../../src/local';
import { serve } from '../../src/server';
import { exchangeErrors, recordingFetch } from './sdkHelpers';
import { quizTool as QUIZ_TOOL } from '../support/quizTool';

type Server = Awaited<ReturnType<typeof serve>>;

const POLL = { pollIntervalMs: 50 };

interface Quiz {
  title: string;
  questions: Array<{ question_text: string; question_type?: string; choices?: string[] }>;
}

/** The text parts of a message, joined. */
const textOf = (message: Message) =>
  message.content.map((part) => (part.type === 'text' ? part.text.value : '')).join('');

/**
 * The tutor at one word per 200 ms, telling when it writes its first word and
 * when the runtime lets go of its reply (unsubscribes or sees it end): a test
 * waits for these events, not for a time that a loaded machine may overrun.
 */
function watchedSlowTutor() {
  const tutor = tutorModel({ chunkDelay: 200 });
  let wrote!: () => void;
  let letGo!: () => void;
  const firstWord = new Promise<void>((resolve) => (wrote = resolve));
  const released = new Promise<void>((resolve) => (letGo = resolve));
  const model: ModelAdapter = {
    name: tutor.name,
    respond: (request, context) =>
      tutor.respond(request, context).pipe(
        tap(() => wrote()),
        finalize(() => letGo()),
      ),
  };
  return { model, firstWord, released };
}

/** Checks that function-call arguments are a quiz of `count` questions, as the tool's schema says. */
function expectQuiz(args: string, count: number): Quiz {
  const quiz = JSON.parse(args) as Quiz;
  expect(typeof quiz.title).toBe('string');
  expect(quiz.title.length).toBeGreaterThan(0);
  expect(quiz.questions).toHaveLength(count);
  for (const question of quiz.questions) {
    expect(typeof question.question_text).toBe('string');
    expect(['MULTIPLE_CHOICE', 'FREE_RESPONSE', undefined]).toContain(question.question_type);
    if (question.choices !== undefined) {
      expect(question.choices.every((choice) => typeof choice === 'string')).toBe(true);
    }
  }
  return quiz;
}

const recorder = recordingFetch();
const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('the openai SDK against serve(localBackend())', () => {
  let server: Server;
  let client: OpenAI;
  let assistantId = '';
  let threadId = '';
  /** The id of the last message of the thread seen so far. */
  let lastSeen = '';
  let firstRunId = '';
  let firstReplyId = '';

  beforeAll(async () => {
    server = await serve(localBackend({ model: tutorModel({ chunkDelay: 0 }) }), {
      host: '127.0.0.1',
      port: 0,
    });
    servers.push(server);
    client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: server.url,
      maxRetries: 0,
      fetch: recorder.fetch,
    });
  });

  it('listens on a free loopback port, under /v1', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1`);
  });

  it('1. creates the Math Tutor, gives it the display_quiz tool, and lists it page by page', async () => {
    const created = await client.beta.assistants.create({
      name: 'Math Tutor',
      instructions: 'You are a personal math tutor. Answer questions in a sentence or less.',
      model: 'gpt-4o',
    });
    expect(created).toMatchObject({
      object: 'assistant',
      name: 'Math Tutor',
      instructions: 'You are a personal math tutor. Answer questions in a sentence or less.',
      model: 'gpt-4o',
      tools: [],
    });
    assistantId = created.id;

    const updated = await client.beta.assistants.update(assistantId, { tools: [QUIZ_TOOL] });
    expect(updated.id).toBe(assistantId);
    expect(updated.name).toBe('Math Tutor');
    expect(updated.tools).toEqual([QUIZ_TOOL]);

    // Two more assistants, so that a list of 2 per page takes two pages.
    const spares = [
      await client.beta.assistants.create({ model: 'gpt-4o', name: 'Spare 1' }),
      await client.beta.assistants.create({ model: 'gpt-4o', name: 'Spare 2' }),
    ];
    const before = recorder.exchanges.length;
    const listed: string[] = [];
    for await (const assistant of client.beta.assistants.list({ limit: 2 })) {
      listed.push(assistant.id);
      if (assistant.id === assistantId) expect(assistant.tools).toEqual([QUIZ_TOOL]);
    }
    // Newest first, each once.
    expect(listed).toEqual([spares[1]!.id, spares[0]!.id, assistantId]);
    const pages = recorder.exchanges.slice(before).filter((e) => e.path === '/assistants');
    expect(pages).toHaveLength(2);
    expect(pages[0]!.query.get('after')).toBeNull();
    expect(pages[1]!.query.get('after')).toBe(spares[0]!.id);
  });

  it('2. creates a thread', async () => {
    const thread = await client.beta.threads.create();
    expect(thread.object).toBe('thread');
    expect(thread.id).toMatch(/\S/);
    threadId = thread.id;
  });

  it('3. adds the question to the thread and lists it', async () => {
    const question = 'I need to solve the equation `3x + 11 = 14`. Can you help me?';
    const message = await client.beta.threads.messages.create(threadId, {
      role: 'user',
      content: question,
    });
    expect(message).toMatchObject({ object: 'thread.message', thread_id: threadId, role: 'user' });
    expect(textOf(message)).toBe(question);

    const page = await client.beta.threads.messages.list(threadId, { order: 'asc' });
    expect(page.data.map((m) => m.id)).toEqual([message.id]);
    expect(textOf(page.data[0]!)).toBe(question);
    lastSeen = message.id;
  });

  it('4. runs the assistant, polls it to completion, and reads only the new messages', async () => {
    const run = await client.beta.threads.runs.create(threadId, { assistant_id: assistantId });
    expect(run).toMatchObject({
      object: 'thread.run',
      thread_id: threadId,
      assistant_id: assistantId,
    });
    expect(['queued', 'in_progress']).toContain(run.status);

    const done = await client.beta.threads.runs.poll(run.id, { thread_id: threadId }, POLL);
    expect(done.id).toBe(run.id);
    expect(done.status).toBe('completed');
    expect(done.completed_at).not.toBeNull();
    expect(done.usage?.total_tokens).toBeGreaterThan(0);
    firstRunId = run.id;

    const reply = await client.beta.threads.messages.list(threadId, {
      order: 'asc',
      after: lastSeen,
    });
    expect(reply.data).toHaveLength(1);
    expect(reply.data[0]).toMatchObject({ role: 'assistant', run_id: run.id, status: 'completed' });
    expect(textOf(reply.data[0]!)).toMatch(/^x = 1\b/);
    firstReplyId = reply.data[0]!.id;
    lastSeen = firstReplyId;

    // The explanation, with the SDK's create-and-poll helper.
    const followUp = await client.beta.threads.messages.create(threadId, {
      role: 'user',
      content: 'Could you explain this to me?',
    });
    const explained = await client.beta.threads.runs.createAndPoll(
      threadId,
      { assistant_id: assistantId },
      POLL,
    );
    expect(explained.status).toBe('completed');

    const news = await client.beta.threads.messages.list(threadId, {
      order: 'asc',
      after: lastSeen,
    });
    expect(news.data.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(news.data[0]!.id).toBe(followUp.id);
    expect(news.data[1]!.run_id).toBe(explained.id);
    const explanation = textOf(news.data[1]!);
    expect(explanation).toContain('3x + 11 = 14');
    expect(explanation).toContain('x = 1');
    expect(explanation).toMatch(/subtract 11/i);
    lastSeen = news.data[1]!.id;

    // The whole thread, oldest first.
    const all = await client.beta.threads.messages.list(threadId, { order: 'asc' });
    expect(all.data.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it("5. lists a run's steps: one completed message creation", async () => {
    const steps = await client.beta.threads.runs.steps.list(firstRunId, { thread_id: threadId });
    expect(steps.data).toHaveLength(1);
    const step = steps.data[0]!;
    expect(step).toMatchObject({
      object: 'thread.run.step',
      type: 'message_creation',
      status: 'completed',
      run_id: firstRunId,
      thread_id: threadId,
      assistant_id: assistantId,
    });
    expect(step.step_details).toEqual({
      type: 'message_creation',
      message_creation: { message_id: firstReplyId },
    });
  });

  it('6. calls display_quiz, takes the outputs with submitToolOutputsAndPoll, and grades them', async () => {
    await client.beta.threads.messages.create(threadId, {
      role: 'user',
      content: 'Make a quiz for me',
    });
    const run = await client.beta.threads.runs.createAndPoll(
      threadId,
      { assistant_id: assistantId },
      POLL,
    );
    expect(run.status).toBe('requires_action');
    expect(run.required_action?.type).toBe('submit_tool_outputs');
    const calls = run.required_action?.submit_tool_outputs.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.type).toBe('function');
    expect(call.function.name).toBe('display_quiz');
    const quiz = expectQuiz(call.function.arguments, 2);
    expect(quiz.questions[0]!.question_text).toMatch(/=/);

    // The first choice of the first question, and no idea for the second.
    const output = JSON.stringify(['a', "I don't know."]);
    const done = await client.beta.threads.runs.submitToolOutputsAndPoll(
      run.id,
      { thread_id: threadId, tool_outputs: [{ tool_call_id: call.id, output }] },
      POLL,
    );
    expect(done.id).toBe(run.id);
    expect(done.status).toBe('completed');
    expect(done.required_action).toBeNull();

    const news = await client.beta.threads.messages.list(threadId, {
      order: 'asc',
      after: lastSeen,
    });
    expect(news.data.map((m) => m.role)).toEqual(['user', 'assistant']);
    const results = textOf(news.data[1]!);
    expect(results).toContain('quiz results');
    expect(results).toContain(`You answered "I don't know."`);
    expect(results).toContain('You got 1 of 2 right.');
    lastSeen = news.data[1]!.id;

    // The steps: the tool call (with its output), then the reply.
    const steps = await client.beta.threads.runs.steps.list(run.id, {
      thread_id: threadId,
      order: 'asc',
    });
    expect(steps.data.map((s) => [s.type, s.status])).toEqual([
      ['tool_calls', 'completed'],
      ['message_creation', 'completed'],
    ]);
    const details = steps.data[0]!.step_details;
    expect(details.type === 'tool_calls' && details.tool_calls[0]).toMatchObject({
      id: call.id,
      type: 'function',
      function: { name: 'display_quiz', arguments: call.function.arguments, output },
    });
  });

  it('7a. streams a run: the text deltas make the final message', async () => {
    await client.beta.threads.messages.create(threadId, {
      role: 'user',
      content: 'Now solve 5x - 2 = 3x + 8',
    });
    const deltas: string[] = [];
    const messages: Message[] = [];
    const steps: RunStep[] = [];
    const events: string[] = [];
    const stream = client.beta.threads.runs
      .stream(threadId, { assistant_id: assistantId })
      .on('event', (event) => events.push(event.event))
      .on('textDelta', (delta) => deltas.push(delta.value ?? ''))
      .on('messageDone', (message) => messages.push(message))
      .on('runStepDone', (step) => steps.push(step));
    const run = await stream.finalRun();

    expect(run.status).toBe('completed');
    expect(events[0]).toBe('thread.run.created');
    expect(events.at(-1)).toBe('thread.run.completed');
    expect(deltas.length).toBeGreaterThan(1);
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message).toMatchObject({ role: 'assistant', status: 'completed', run_id: run.id });
    expect(deltas.join('')).toBe(textOf(message));
    expect(textOf(message)).toMatch(/^x = 5\b/);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      type: 'message_creation',
      status: 'completed',
      step_details: { message_creation: { message_id: message.id } },
    });

    // The stored message is the streamed one.
    const stored = await client.beta.threads.messages.retrieve(message.id, { thread_id: threadId });
    expect(textOf(stored)).toBe(textOf(message));
    lastSeen = message.id;
  });

  it('7b. streams a run that calls the tool, then streams the rest after the outputs', async () => {
    await client.beta.threads.messages.create(threadId, {
      role: 'user',
      content: 'Quiz me again, with 3 questions please',
    });
    const calls: ToolCall[] = [];
    const stream = client.beta.threads.runs
      .stream(threadId, { assistant_id: assistantId })
      .on('toolCallDone', (call) => calls.push(call));
    const run = await stream.finalRun();

    expect(run.status).toBe('requires_action');
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    if (call.type !== 'function') throw new Error(`expected a function call, got ${call.type}`);
    expect(call.function.name).toBe('display_quiz');
    expectQuiz(call.function.arguments, 3);
    const required = run.required_action?.submit_tool_outputs.tool_calls ?? [];
    expect(required.map((c) => [c.id, c.function.name, c.function.arguments])).toEqual([
      [call.id, 'display_quiz', call.function.arguments],
    ]);

    const deltas: string[] = [];
    const rest = client.beta.threads.runs
      .submitToolOutputsStream(run.id, {
        thread_id: threadId,
        tool_outputs: [
          { tool_call_id: call.id, output: JSON.stringify(['x = 4', 'y = 5', 'n = -3']) },
        ],
      })
      .on('textDelta', (delta) => deltas.push(delta.value ?? ''));
    const finished = await rest.finalRun();
    expect(finished.id).toBe(run.id);
    expect(finished.status).toBe('completed');
    const [reply] = await rest.finalMessages();
    expect(reply).toBeDefined();
    expect(deltas.join('')).toBe(textOf(reply!));
    expect(textOf(reply!)).toContain('You got 3 of 3 right.');
  });

  it('9. deletes the thread; the SDK then gets a NotFoundError for it', async () => {
    const deleted = await client.beta.threads.delete(threadId);
    expect(deleted).toEqual({ id: threadId, object: 'thread.deleted', deleted: true });
    const error = await client.beta.threads.retrieve(threadId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).status).toBe(404);
  });
});

describe('cancelling a run on a slow model', () => {
  let server: Server;
  let client: OpenAI;
  const slowTutor = watchedSlowTutor();

  beforeAll(async () => {
    server = await serve(localBackend({ model: slowTutor.model }), {
      host: '127.0.0.1',
      port: 0,
      apiKey: 'sk-test',
      pollAfterMs: 100,
    });
    servers.push(server);
    client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: server.url,
      maxRetries: 0,
      fetch: recorder.fetch,
    });
  });

  it('8. cancels a run mid-reply: cancelling or cancelled at once, cancelled when polled', async () => {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'Math Tutor' });
    const thread = await client.beta.threads.create({
      messages: [{ role: 'user', content: 'Explain how to solve 3x + 11 = 14, step by step.' }],
    });
    const run = await client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });

    // Wait until it is writing its reply (the first word comes at once, then one per 200 ms).
    await slowTutor.firstWord;
    const { data: writing, response } = await client.beta.threads.runs
      .retrieve(run.id, { thread_id: thread.id })
      .withResponse();
    expect(writing.status).toBe('in_progress');
    // The server's poll hint, as configured.
    expect(response.headers.get('openai-poll-after-ms')).toBe('100');

    const cancelled = await client.beta.threads.runs.cancel(run.id, { thread_id: thread.id });
    expect(cancelled.id).toBe(run.id);
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);

    const final = await client.beta.threads.runs.poll(run.id, { thread_id: thread.id }, POLL);
    expect(final.status).toBe('cancelled');
    expect(final.cancelled_at).not.toBeNull();

    // The reply was cut short, and marked so: the whole explanation would end with "So x = 1.".
    const messages = async () =>
      (await client.beta.threads.messages.list(thread.id, { order: 'asc' })).data;
    const then = await messages();
    expect(then.map((m) => m.role)).toEqual(['user', 'assistant']);
    const reply = then[1]!;
    expect(reply).toMatchObject({
      run_id: run.id,
      status: 'incomplete',
      incomplete_details: { reason: 'run_cancelled' },
    });
    expect(textOf(reply)).toMatch(/^Let's/);
    expect(textOf(reply)).not.toMatch(/So x = 1\.$/);
    // Nothing more is written after the cancel: the runtime let go of the model's
    // reply (else this waits until the test times out), so no word can come.
    await slowTutor.released;
    expect((await messages()).map(textOf)).toEqual(then.map(textOf));
  });

  it('refuses a client with another API key (401, AuthenticationError)', async () => {
    const stranger = new OpenAI({
      apiKey: 'sk-wrong',
      baseURL: server.url,
      maxRetries: 0,
      fetch: recorder.fetch,
    });
    const error = await stranger.beta.assistants.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
  });
});

describe('closing the server', () => {
  // A regression test: close() used to end the stream at once but then wait
  // ~3 s for the client to drop the stream's keep-alive socket (it was not idle
  // yet when closeIdleConnections() ran). No event tells "the server let go" from
  // "the client's keep-alive timer let go", so this one test measures: the bug
  // costs the keep-alive of Node's fetch (3 s: the server's `Keep-Alive:
  // timeout=5` less 2 s), the fix a few milliseconds; 2 s holds on a loaded machine.
  it('ends an open SDK stream and resolves promptly', async () => {
    const slow = await serve(localBackend({ model: tutorModel({ chunkDelay: 200 }) }), {
      host: '127.0.0.1',
      port: 0,
    });
    servers.push(slow);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: slow.url, maxRetries: 0 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    const thread = await client.beta.threads.create({
      messages: [{ role: 'user', content: 'Explain how to solve 3x + 11 = 14, step by step.' }],
    });
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
    stream.on('error', () => {}); // the end of the stream is expected here
    const ended = stream.finalRun().then(
      () => 'completed',
      () => 'ended early',
    );
    await new Promise<void>((resolve) => stream.once('textDelta', () => resolve()));

    const start = performance.now();
    await slow.close();
    const took = performance.now() - start;
    // The run would take ~14 s more: the stream was cut, not run to its end.
    expect(await ended).toBe('ended early');
    expect(took).toBeLessThan(2000);
    // Closed for good: no more connections.
    await expect(client.beta.assistants.list()).rejects.toBeInstanceOf(APIConnectionError);
  });
});

describe('what went over the wire', () => {
  it('every request carried OpenAI-Beta: assistants=v2 and a bearer key', () => {
    expect(recorder.exchanges.length).toBeGreaterThan(30);
    const missing = recorder.exchanges.filter(
      (e) => e.requestHeaders.get('openai-beta') !== 'assistants=v2',
    );
    expect(missing.map((e) => `${e.method} ${e.path}`)).toEqual([]);
    const keys = new Set(recorder.exchanges.map((e) => e.requestHeaders.get('authorization')));
    expect(keys).toEqual(new Set(['Bearer sk-test', 'Bearer sk-wrong']));
  });

  it('every run retrieval answered with an openai-poll-after-ms header', () => {
    const retrievals = recorder.exchanges.filter(
      (e) => e.method === 'GET' && /^\/threads\/[^/]+\/runs\/[^/]+$/.test(e.path),
    );
    // runs.poll and the create/submit-and-poll helpers retrieve runs.
    expect(retrievals.length).toBeGreaterThanOrEqual(5);
    for (const retrieval of retrievals) {
      expect(retrieval.responseHeaders.get('openai-poll-after-ms'), retrieval.path).toMatch(
        /^\d+$/,
      );
    }
  });

  it('every response, and every event of every stream, conforms to the reference schema', async () => {
    await recorder.settled();
    const streams = recorder.exchanges.filter((e) => e.events);
    expect(streams.length).toBe(3);
    expect(
      streams.every((e) => e.responseHeaders.get('content-type')?.startsWith('text/event-stream')),
    ).toBe(true);
    const errors = recorder.exchanges.flatMap(exchangeErrors);
    expect(errors).toEqual([]);
  });
});
