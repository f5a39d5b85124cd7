/**
 * Side-by-side benchmark of the ways a client can learn that a run ended:
 * rx-assistants' status stream (adaptive polling, a few policies), its event
 * stream over SSE, the SDK's createAndPoll, and the cookbook's 0.5 s loop.
 *
 *   npm run bench                 # 40 concurrent runs per strategy
 *   npm run bench -- --runs 2000 --only "default,stream"
 *
 * A server in a child process (bench/benchServer.ts) runs runs of known
 * duration (1 to 6 s, spread evenly) and reports when each one ends. For each
 * strategy, in turn, the client starts all runs at once and measures per run:
 * HTTP requests, detection latency (when the client saw the terminal status
 * minus when the server reached it), client CPU time and peak heap, and the
 * wall time of the whole batch. Results go to stdout as a Markdown table.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { concatMap, last, lastValueFrom } from 'rxjs';
import { adaptivePoll, rxAssistants, type PollPolicy } from '../src';

const runsArg = process.argv.indexOf('--runs');
const N = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 40;
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? process.argv[onlyArg + 1]!.split(',') : undefined;
const durationOf = (i: number) => Math.round(1000 + (5000 * i) / Math.max(1, N - 1));
const epochNow = () => performance.timeOrigin + performance.now();
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- the server ---------------------------------------------------------------
const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bench/benchServer.ts'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const terminalAt = new Map<string, number>();
const url = await new Promise<string>((resolve) => {
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'url') resolve(a!);
    if (kind === 'terminal') terminalAt.set(a!, Number(b));
  });
});

// --- the client ---------------------------------------------------------------
let requests = 0;
const counted = new OpenAI({
  apiKey: 'bench',
  baseURL: url,
  maxRetries: 0,
  fetch: (input, init) => {
    requests++;
    return fetch(input, init);
  },
});
const setup = new OpenAI({ apiKey: 'bench', baseURL: url, maxRetries: 0 });
const assistant = await setup.beta.assistants.create({ model: 'timed' });

/** Follows one run to its end; returns its id and when the client saw it end. */
type Strategy = (threadId: string) => Promise<{ runId: string; seenAt: number }>;

const rxWatching = (poll?: PollPolicy): Strategy => {
  const rx = rxAssistants(counted, poll === undefined ? {} : { poll });
  return async (threadId) => {
    const run = await lastValueFrom(
      rx.runs.create(threadId, { assistant_id: assistant.id }).pipe(
        concatMap((created) => rx.runs.watch(threadId, created.id)),
        last(),
      ),
    );
    return { runId: run.id, seenAt: epochNow() };
  };
};

const strategies: Array<[string, Strategy]> = [
  ['rx-assistants `runs.watch`, default policy (1 s ×1.1 to 5 s)', rxWatching()],
  [
    'rx-assistants `runs.watch`, adaptive 250 ms ×1.5 to 2 s',
    rxWatching(adaptivePoll({ initial: 250, factor: 1.5, max: 2000 })),
  ],
  [
    'rx-assistants `runs.watch`, adaptive 100 ms ×1.5 to 1 s',
    rxWatching(adaptivePoll({ initial: 100, factor: 1.5, max: 1000 })),
  ],
  [
    'rx-assistants `runs.watch`, adaptive 500 ms ×1.2 to 1.5 s',
    rxWatching(adaptivePoll({ initial: 500, factor: 1.2, max: 1500 })),
  ],
  [
    'rx-assistants `runs.watch`, adaptive 800 ms ×1.15 to 4 s',
    rxWatching(adaptivePoll({ initial: 800, factor: 1.15, max: 4000 })),
  ],
  [
    'rx-assistants `runs.watch`, adaptive 500 ms ×2 to 5 s',
    rxWatching(adaptivePoll({ initial: 500, factor: 2, max: 5000 })),
  ],
  ['rx-assistants `runs.watch`, fixed 1 s', rxWatching(1000)],
  [
    "rx-assistants `run`, transport 'stream'",
    async (threadId) => {
      const rx = rxAssistants(counted, { transport: 'stream' });
      const event = await lastValueFrom(rx.run(threadId, { assistant_id: assistant.id }));
      return { runId: (event.data as { id: string }).id, seenAt: epochNow() };
    },
  ],
  [
    'SDK `createAndPoll` (default interval)',
    async (threadId) => {
      const run = await counted.beta.threads.runs.createAndPoll(threadId, {
        assistant_id: assistant.id,
      });
      return { runId: run.id, seenAt: epochNow() };
    },
  ],
  [
    'cookbook loop (retrieve every 0.5 s)',
    async (threadId) => {
      let run = await counted.beta.threads.runs.create(threadId, { assistant_id: assistant.id });
      while (!TERMINAL.has(run.status)) {
        await sleep(500);
        run = await counted.beta.threads.runs.retrieve(run.id, { thread_id: threadId });
      }
      return { runId: run.id, seenAt: epochNow() };
    },
  ],
];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const rows: string[] = [];
for (const [name, follow] of strategies) {
  if (only && !only.some((word) => name.includes(word))) continue;
  const threads = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      setup.beta.threads.create({
        messages: [{ role: 'user', content: `duration: ${durationOf(i)}` }],
      }),
    ),
  );
  globalThis.gc?.();
  requests = 0;
  const heapBase = process.memoryUsage().heapUsed;
  let heapPeak = heapBase;
  const sampler = setInterval(
    () => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)),
    10,
  );
  const cpu = process.cpuUsage();
  const started = epochNow();
  const results = await Promise.all(threads.map((thread) => follow(thread.id)));
  const wall = epochNow() - started;
  const cpuUsed = process.cpuUsage(cpu);
  clearInterval(sampler);
  while (results.some((r) => !terminalAt.has(r.runId))) await sleep(10);
  const latencies = results
    .map((r) => Math.max(0, r.seenAt - terminalAt.get(r.runId)!))
    .sort((a, b) => a - b);
  rows.push(
    `| ${name} | ${(requests / N).toFixed(1)} | ${percentile(latencies, 50).toFixed(0)} | ${percentile(latencies, 95).toFixed(0)} | ${((cpuUsed.user + cpuUsed.system) / 1000 / N).toFixed(2)} | ${((heapPeak - heapBase) / 1024 / N).toFixed(1)} | ${(wall / 1000).toFixed(1)} |`,
  );
  process.stderr.write(`${rows.at(-1)}\n`);
}

console.log(
  `${N} concurrent runs per strategy, lasting 1 to 6 s (evenly spread); no poll hint from the server.\n`,
);
console.log(
  '| strategy | requests / run | latency p50 (ms) | latency p95 (ms) | client CPU / run (ms) | peak heap / run (KiB) | wall (s) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
child.kill('SIGTERM');
