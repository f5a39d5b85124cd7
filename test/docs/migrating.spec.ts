// The pairs of docs/migrating.md, run: each SDK version and its rx-assistants
// version against the same server (serve(localBackend()) on loopback), with
// the same result. Each block between `// doc:begin` and `// doc:end` appears
// word for word in that page (a test checks it).
import OpenAI from 'openai';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  replyText,
  rxAssistants,
  textDeltas,
  throwOnRunFailure,
  type RxAssistants,
} from '../../src';
import { localBackend } from '../../src/local';
import { serve, type ServerHandle } from '../../src/server';
import { docBlocks, docPage } from './docBlocks';

let server: ServerHandle;
let openai: OpenAI;
let rx: RxAssistants;
let assistantId: string;

beforeAll(async () => {
  server = await serve(localBackend(), { port: 0 });
  openai = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  rx = rxAssistants(openai);
  assistantId = (await openai.beta.assistants.create({ model: 'tutor' })).id;
});
afterAll(() => server.close());

const newThread = async () => (await openai.beta.threads.create()).id;

// doc:begin poll-sdk
async function ask(openai: OpenAI, assistantId: string, question: string): Promise<string> {
  const thread = await openai.beta.threads.create({
    messages: [{ role: 'user', content: question }],
  });
  const run = await openai.beta.threads.runs.createAndPoll(thread.id, {
    assistant_id: assistantId,
  });
  if (run.status !== 'completed') throw new Error(`The run ended ${run.status}.`);
  const messages = await openai.beta.threads.messages.list(thread.id, { run_id: run.id });
  const [reply] = messages.data[0]!.content;
  return reply?.type === 'text' ? reply.text.value : '';
}
// doc:end

// doc:begin poll-rx
const ask$ = (rx: RxAssistants, assistantId: string, question: string) =>
  rx.ask(assistantId, question).pipe(throwOnRunFailure(), replyText());
// doc:end

// doc:begin stream-sdk
async function streamReply(
  openai: OpenAI,
  threadId: string,
  assistantId: string,
  write: (text: string) => void,
): Promise<void> {
  await openai.beta.threads.messages.create(threadId, {
    role: 'user',
    content: 'Solve 2x + 3 = 7',
  });
  const stream = openai.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
  stream.on('textDelta', (delta) => write(delta.value ?? ''));
  await stream.finalRun();
}
// doc:end

// doc:begin stream-rx
const streamReply$ = (rx: RxAssistants, threadId: string, assistantId: string) =>
  rx.ask(assistantId, 'Solve 2x + 3 = 7', { threadId }).pipe(textDeltas());
// doc:end

// doc:begin tools-sdk
const solve = ({ equation }: { equation: string }) => `${equation} holds for x = 2.`;

async function runWithTools(openai: OpenAI, threadId: string, assistantId: string) {
  let run = await openai.beta.threads.runs.createAndPoll(threadId, {
    assistant_id: assistantId,
    tools: [SOLVE_TOOL],
    tool_choice: { type: 'function', function: { name: 'solve' } },
  });
  while (run.status === 'requires_action') {
    const calls = run.required_action!.submit_tool_outputs.tool_calls;
    const tool_outputs = calls.map((call) => ({
      tool_call_id: call.id,
      output: solve(JSON.parse(call.function.arguments) as { equation: string }),
    }));
    run = await openai.beta.threads.runs.submitToolOutputsAndPoll(run.id, {
      thread_id: threadId,
      tool_outputs,
    });
  }
  return run;
}
// doc:end

// doc:begin tools-rx
const runWithTools$ = (rx: RxAssistants, threadId: string, assistantId: string) =>
  rx.run(
    threadId,
    {
      assistant_id: assistantId,
      tools: [SOLVE_TOOL],
      tool_choice: { type: 'function', function: { name: 'solve' } },
    },
    { tools: { solve } },
  );
// doc:end

const SOLVE_TOOL = {
  type: 'function',
  function: {
    name: 'solve',
    parameters: {
      type: 'object',
      properties: { equation: { type: 'string' } },
      required: ['equation'],
    },
  },
} as const;

describe('docs/migrating.md: each pair gives the same result', () => {
  it('createAndPoll and ask', async () => {
    const sdk = await ask(openai, assistantId, 'Solve 2x + 3 = 7');
    const ours = await lastValueFrom(ask$(rx, assistantId, 'Solve 2x + 3 = 7'));
    expect(sdk).toMatch(/^x = 2\./);
    expect(ours).toBe(sdk);
  });

  it("stream().on('textDelta') and textDeltas()", async () => {
    const sdk: string[] = [];
    await streamReply(openai, await newThread(), assistantId, (text) => sdk.push(text));
    const ours = await lastValueFrom(
      streamReply$(rx, await newThread(), assistantId).pipe(toArray()),
    );
    expect(sdk.length).toBeGreaterThan(5);
    expect(ours).toEqual(sdk);
  });

  it('the submitToolOutputsAndPoll loop and a tools option', async () => {
    const sdkThread = await newThread();
    await openai.beta.threads.messages.create(sdkThread, {
      role: 'user',
      content: 'Solve 2x + 3 = 7',
    });
    const sdk = await runWithTools(openai, sdkThread, assistantId);
    const oursThread = await newThread();
    await openai.beta.threads.messages.create(oursThread, {
      role: 'user',
      content: 'Solve 2x + 3 = 7',
    });
    const events = await lastValueFrom(runWithTools$(rx, oursThread, assistantId).pipe(toArray()));
    expect(sdk.status).toBe('completed');
    expect(events.map((e) => e.event)).toContain('thread.run.requires_action');
    expect(events.at(-1)?.event).toBe('thread.run.completed');
    const steps = await openai.beta.threads.runs.steps.list(sdk.id, { thread_id: sdkThread });
    expect(steps.data.map((step) => step.type)).toContain('tool_calls');
    const replies = async (threadId: string) =>
      (await openai.beta.threads.messages.list(threadId)).data.map((m) => m.content);
    expect(await replies(oursThread)).toEqual(await replies(sdkThread));
    expect(JSON.stringify(await replies(oursThread))).toContain('holds for x = 2');
  });

  it('AbortController with a cancel, and unsubscribe', async () => {
    // doc:begin abort-sdk
    const controller = new AbortController();
    const { id: threadId } = await openai.beta.threads.create();
    const stream = openai.beta.threads.runs.stream(
      threadId,
      { assistant_id: assistantId },
      { signal: controller.signal },
    );
    stream.on('abort', () => {}); // else the abort is an unhandled rejection
    const run = await new Promise<OpenAI.Beta.Threads.Run>((resolve) =>
      stream.on('runStepCreated', () => resolve(stream.currentRun()!)),
    );
    controller.abort(); // stops reading; the run goes on on the server...
    await openai.beta.threads.runs.cancel(run.id, { thread_id: threadId }); // ...until cancelled
    // doc:end
    const after = await openai.beta.threads.runs.retrieve(run.id, { thread_id: threadId });
    expect(['cancelling', 'cancelled']).toContain(after.status);

    const rxThreadId = await newThread();
    const left = new Promise<void>((resolve) => {
      const threadId = rxThreadId;
      // doc:begin abort-rx
      const subscription = rx.run(threadId, { assistant_id: assistantId }).subscribe((event) => {
        if (event.event === 'thread.run.step.created') {
          subscription.unsubscribe(); // stops following the run, and cancels it
          resolve();
        }
      });
      // doc:end
    });
    await left;
    const [cancelled] = (await openai.beta.threads.runs.list(rxThreadId)).data;
    const final = await lastValueFrom(rx.runs.watch(rxThreadId, cancelled!.id, { poll: 50 }));
    expect(final.status).toBe('cancelled');
  });
});

describe('docs/migrating.md itself', () => {
  it('shows each example of this file word for word', () => {
    const blocks = docBlocks(__filename);
    expect(blocks).toHaveLength(8);
    const page = docPage('migrating.md');
    for (const block of blocks) expect(page).toContain(block);
  });
});
