/**
 * What a streamed run holds and costs in process, without the network:
 * `npm run bench -- --overhead`. An `openai` client whose `fetch` answers
 * every run with the stream of a real run, as the embedded runtime's server
 * sends it: its first events (`thread.run.created`, `queued`,
 * `in_progress`) at once, then, once released, the rest (a message
 * creation step, its message, one delta, `thread.run.completed`, `done`).
 * 500 runs at once are followed by rx-assistants' `run` (`transport:
 * 'stream'`, the library bundled as published), by the SDK's
 * `runs.stream(...).finalRun()`, and by reading the SDK's bare event stream
 * (`runs.create({ stream: true })`, what rx-assistants reads). After a full
 * garbage collection, the heap per run is taken while the streams are held;
 * then they are released, and the CPU per run of the whole batch is taken.
 * Each strategy is warmed up first; round after round, the strategies go in
 * turn, forward in even rounds and backward in odd ones (each is measured
 * first as often as last), and each is reported by its median and range. No
 * sockets, no server: the heap is steady to within about 0.5 KiB from one
 * round to the next, where `npm run bench` varies by several KiB.
 *
 *   npm run bench -- --overhead                 # 6 rounds of 500 runs
 *   npm run bench -- --overhead --runs 2000 --rounds 10
 *   npm run bench -- --overhead --only rx-assistants   # strategies whose name has a word
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import OpenAI from 'openai';
import { lastValueFrom } from 'rxjs';
import { bundledLibrary } from './bundled';

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const N = Number(flag('--runs') ?? 500);
const ROUNDS = Number(flag('--rounds') ?? 6);
/** Only the strategies whose name has one of these words. */
const only = flag('--only')?.split(',');

const { rxAssistants } = await bundledLibrary('overhead');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => getHeapStatistics().used_heap_size;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- a run's stream, as the embedded runtime's server sends it ---------------
const ids = { id: 'run_1', thread_id: 'thread_1', assistant_id: 'asst_1', created_at: 1 };
const run = (status: string) => ({
  ...ids,
  object: 'thread.run',
  status,
  required_action: null,
  last_error: null,
  expires_at: null,
  started_at: status === 'queued' ? null : 1,
  cancelled_at: null,
  failed_at: null,
  completed_at: status === 'completed' ? 1 : null,
  model: 'timed',
  instructions: '',
  tools: [],
  metadata: {},
  usage:
    status === 'completed' ? { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } : null,
  incomplete_details: null,
  temperature: 1,
  top_p: 1,
  max_prompt_tokens: null,
  max_completion_tokens: null,
  truncation_strategy: { type: 'auto', last_messages: null },
  tool_choice: 'auto',
  parallel_tool_calls: true,
  response_format: 'auto',
});
const step = (status: string) => ({
  id: 'step_1',
  object: 'thread.run.step',
  created_at: 1,
  assistant_id: 'asst_1',
  thread_id: 'thread_1',
  run_id: 'run_1',
  type: 'message_creation',
  status,
  step_details: { type: 'message_creation', message_creation: { message_id: 'msg_1' } },
  last_error: null,
  expired_at: null,
  cancelled_at: null,
  failed_at: null,
  completed_at: status === 'completed' ? 1 : null,
  metadata: {},
  usage:
    status === 'completed' ? { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } : null,
});
const text = { type: 'text', text: { value: 'done', annotations: [] } };
const message = (status: string) => ({
  id: 'msg_1',
  object: 'thread.message',
  created_at: 1,
  status,
  incomplete_details: null,
  completed_at: status === 'completed' ? 1 : null,
  incomplete_at: null,
  assistant_id: 'asst_1',
  run_id: 'run_1',
  attachments: [],
  metadata: {},
  thread_id: 'thread_1',
  role: 'assistant',
  content: status === 'completed' ? [text] : [],
});
const block = (event: string, data: unknown) =>
  new TextEncoder().encode(
    `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
  );
const first = [
  block('thread.run.created', run('queued')),
  block('thread.run.queued', run('queued')),
  block('thread.run.in_progress', run('in_progress')),
];
const last = [
  block('thread.run.step.created', step('in_progress')),
  block('thread.run.step.in_progress', step('in_progress')),
  block('thread.message.created', message('in_progress')),
  block('thread.message.in_progress', message('in_progress')),
  block('thread.message.delta', {
    id: 'msg_1',
    object: 'thread.message.delta',
    delta: { content: [{ index: 0, ...text }] },
  }),
  block('thread.message.completed', message('completed')),
  block('thread.run.step.completed', step('completed')),
  block('thread.run.completed', run('completed')),
  block('done', '[DONE]'),
];

/** The streams held open, released by `release()`. */
const held: Array<() => void> = [];
const release = () => {
  for (const end of held.splice(0)) end();
};
const fetch = async (_url: unknown, init?: RequestInit) => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of first) controller.enqueue(chunk);
      held.push(() => {
        for (const chunk of last) controller.enqueue(chunk);
        controller.close();
      });
      init?.signal?.addEventListener('abort', () => controller.error(init.signal!.reason));
    },
  });
  await Promise.resolve();
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
};
const client = new OpenAI({
  apiKey: 'bench',
  baseURL: 'http://overhead.invalid/v1',
  maxRetries: 0,
  fetch: fetch as typeof globalThis.fetch,
});
const rx = rxAssistants(client, { transport: 'stream' });
const rxAuto = rxAssistants(client);

const strategies: Record<string, (threadId: string) => Promise<unknown>> = {
  "rx-assistants `run`, transport 'stream'": (threadId) =>
    lastValueFrom(rx.run(threadId, { assistant_id: 'asst_1' })),
  "rx-assistants `run`, transport 'auto' (the default)": (threadId) =>
    lastValueFrom(rxAuto.run(threadId, { assistant_id: 'asst_1' })),
  'SDK `runs.stream(...).finalRun()`': (threadId) =>
    client.beta.threads.runs.stream(threadId, { assistant_id: 'asst_1' }).finalRun(),
  'SDK `runs.create({ stream: true })`, read to its end': async (threadId) => {
    const stream = await client.beta.threads.runs.create(threadId, {
      assistant_id: 'asst_1',
      stream: true,
    });
    for await (const event of stream) void event;
  },
};

let threads = 0;
/** Follows `n` runs at once: the heap per run while they are held, then the CPU per run. */
async function batch(follow: (threadId: string) => Promise<unknown>, n: number) {
  gc();
  const base = heapUsed();
  const cpu = process.cpuUsage();
  const runs = Array.from({ length: n }, () => follow(`thread_${threads++}`));
  await sleep(30);
  gc();
  const heap = (heapUsed() - base) / 1024 / n;
  release();
  await Promise.all(runs);
  const used = process.cpuUsage(cpu);
  return { heap, cpu: (used.user + used.system) / 1000 / n };
}

// Warm up each strategy; then, round after round, measure them in turn,
// forward, then backward: each is measured first as often as last.
const entries = Object.entries(strategies).filter(
  ([name]) => !only || only.some((word) => name.includes(word)),
);
for (const [, follow] of entries) for (let i = 0; i < 3; i++) await batch(follow, 50);
const results = new Map<string, Array<{ heap: number; cpu: number }>>(
  entries.map(([name]) => [name, []]),
);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, follow] of round % 2 === 0 ? entries : [...entries].reverse()) {
    results.get(name)!.push(await batch(follow, N));
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? (sorted[middle - 1]! + sorted[middle]!) / 2
    : sorted[Math.floor(middle)]!;
};
const spread = (values: number[], digits: number) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
console.log(`\n${N} runs at once, ${ROUNDS} rounds; no network. Median (range).\n`);
console.log('| strategy | heap held / run (KiB) | CPU / run (ms) |');
console.log('| --- | --- | --- |');
for (const [name, rows] of results) {
  const heap = spread(
    rows.map((r) => r.heap),
    1,
  );
  const cpu = spread(
    rows.map((r) => r.cpu),
    2,
  );
  console.log(`| ${name} | ${heap} | ${cpu} |`);
}
