/**
 * What a streamed run holds in process, without the network:
 * `npm run bench -- --overhead`. An `openai` client whose `fetch` answers
 * every run with the first events of a real run's stream (`thread.run.created`,
 * `queued`, `in_progress`) and holds it open; 500 runs at once are followed
 * by rx-assistants' `run` (`transport: 'stream'`, the library bundled as
 * published), by the SDK's `runs.stream(...).finalRun()`, and by reading the
 * SDK's bare event stream (`runs.create({ stream: true })`, what
 * rx-assistants reads). After a full garbage collection, the heap per run is
 * printed, then the streams are released and the CPU per run of the whole
 * batch. No sockets, no server: the heap is steady to within about 0.5 KiB
 * from one round to the next, where `npm run bench` varies by several KiB.
 *
 *   npm run bench -- --overhead                 # 3 rounds of 500 runs
 *   npm run bench -- --overhead --runs 2000 --rounds 5
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
const ROUNDS = Number(flag('--rounds') ?? 3);

const { rxAssistants } = await bundledLibrary('overhead');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => getHeapStatistics().used_heap_size;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- a run's stream, as the embedded runtime's server sends it ---------------
const run = (status: string) => ({
  id: 'run_1',
  object: 'thread.run',
  created_at: 1,
  thread_id: 'thread_1',
  assistant_id: 'asst_1',
  status,
  required_action: null,
  last_error: null,
  model: 'timed',
  instructions: '',
  tools: [],
  metadata: {},
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
const last = [block('thread.run.completed', run('completed')), block('done', '[DONE]')];

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

const strategies: Record<string, (threadId: string) => Promise<unknown>> = {
  "rx-assistants `run`, transport 'stream'": (threadId) =>
    lastValueFrom(rx.run(threadId, { assistant_id: 'asst_1' })),
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

// Warm up each strategy, then measure them in turn, round after round.
for (const follow of Object.values(strategies)) for (let i = 0; i < 3; i++) await batch(follow, 50);
const results = new Map<string, Array<{ heap: number; cpu: number }>>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, follow] of Object.entries(strategies)) {
    results.set(name, [...(results.get(name) ?? []), await batch(follow, N)]);
  }
}
const range = (values: number[], digits: number) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
console.log(`\n${N} runs at once, ${ROUNDS} rounds; no network.\n`);
console.log('| strategy | heap held / run (KiB) | CPU / run (ms) |');
console.log('| --- | --- | --- |');
for (const [name, rows] of results) {
  const heap = range(
    rows.map((r) => r.heap),
    1,
  );
  const cpu = range(
    rows.map((r) => r.cpu),
    2,
  );
  console.log(`| ${name} | ${heap} | ${cpu} |`);
}
