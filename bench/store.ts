/**
 * The stores side by side (`npm run bench -- --store`): `rx-assistants serve`
 * on memory, on PGlite in a directory (`--db <dir>`) and on Postgres
 * (`--db postgres://…`: DATABASE_URL, else a throwaway cluster started by
 * scripts/postgres.mjs), each in a process of its own, in turn, loaded by
 * this process with `rx.ask` (streamed) from `--concurrency` workers
 * (default 50) for `--seconds` (default 10). Per store: runs per second, the
 * p50 and p99 of a run's time, and what the store adds to the p50 of memory.
 *
 * Then, on PGlite and on Postgres, a server is killed with SIGKILL while
 * `--kill-runs` runs (default 20) wait for their model, and started again
 * with `--lease-ttl` (default 3000 ms): the time until every interrupted run
 * is taken up again (from the restart) and completed, against two lease
 * periods.
 *
 *   npm run bench -- --store [--seconds 10] [--concurrency 50] [--only memory,pglite]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { lastValueFrom } from 'rxjs';
import { replyText, rxAssistants } from '../src';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
};
const SECONDS = Number(arg('seconds', '10'));
const CONCURRENCY = Number(arg('concurrency', '50'));
const KILL_RUNS = Number(arg('kill-runs', '20'));
const LEASE_TTL = Number(arg('lease-ttl', '3000'));
const ONLY = arg('only', 'memory,pglite,postgres').split(',');
const DATABASE_URL = process.env['DATABASE_URL'];

interface Server {
  url: string;
  child: ChildProcess;
}

/** `rx-assistants serve` with `args`, from this clone's sources; resolves once it listens. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      'bin/rx-assistants.js',
      'serve',
      '--port',
      '0',
      ...(args.length > 0 ? ['--lease-ttl', String(LEASE_TTL)] : []),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const found = / on (http:\/\/\S+\/v1)/.exec(line);
      if (found) resolve(found[1]!);
    });
  });
  return { url, child };
}

async function stop({ child }: Server, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** Runs per second and run times through `url`, at CONCURRENCY for SECONDS. */
async function load(url: string) {
  const sdk = new OpenAI({ apiKey: 'bench', baseURL: url, maxRetries: 0 });
  const rx = rxAssistants(sdk);
  const tutor = await sdk.beta.assistants.create({ model: 'tutor' });
  const times: number[] = [];
  const ask = () => lastValueFrom(rx.ask(tutor.id, 'Solve 2x + 3 = 7').pipe(replyText()));
  await Promise.all(Array.from({ length: 5 }, ask)); // warm up
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        await ask();
        times.push(performance.now() - at);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    perSecond: times.length / elapsed,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
  };
}

/**
 * Kills the server mid-run and starts it again on the same data: the ms from
 * the restart until it listens, and from then until every interrupted run
 * completed.
 */
async function killAndResume(args: string[]): Promise<{ listening: number; completed: number }> {
  const first = await serve(args);
  const sdk = new OpenAI({ apiKey: 'bench', baseURL: first.url, maxRetries: 0 });
  // A question the tutor answers at length, word by word: runs that last.
  const tutor = await sdk.beta.assistants.create({ model: 'tutor' });
  const runs = await Promise.all(
    Array.from({ length: KILL_RUNS }, () =>
      sdk.beta.threads.createAndRun({
        assistant_id: tutor.id,
        thread: { messages: [{ role: 'user', content: 'Explain how to solve 12x - 7 = 5x + 21' }] },
      }),
    ),
  );
  await stop(first, 'SIGKILL');
  const restarted = performance.now();
  const second = await serve(args);
  const listening = performance.now();
  const again = new OpenAI({ apiKey: 'bench', baseURL: second.url, maxRetries: 2 });
  const finished = await Promise.all(
    runs.map((run) =>
      again.beta.threads.runs.poll(run.id, { thread_id: run.thread_id }, { pollIntervalMs: 100 }),
    ),
  );
  const completed = performance.now() - listening;
  await stop(second);
  const statuses = new Set(finished.map((run) => run.status));
  if (statuses.size !== 1 || !statuses.has('completed')) {
    throw new Error(`interrupted runs ended ${[...statuses].join(', ')}`);
  }
  return { listening: listening - restarted, completed };
}

const stores: Array<{ name: string; args: () => string[] }> = [];
const dirs: string[] = [];
const pglite = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rx-assistants-bench-'));
  dirs.push(dir);
  return ['--db', dir];
};
if (ONLY.includes('memory')) stores.push({ name: 'memory', args: () => [] });
if (ONLY.includes('pglite')) stores.push({ name: 'PGlite (a directory)', args: pglite });
if (ONLY.includes('postgres') && DATABASE_URL) {
  stores.push({ name: 'Postgres (pg pool)', args: () => ['--db', DATABASE_URL] });
}

const rows: string[] = [];
let memoryP50: number | undefined;
for (const store of stores) {
  const server = await serve(store.args());
  const result = await load(server.url);
  await stop(server);
  memoryP50 ??= store.name === 'memory' ? result.p50 : undefined;
  const added = memoryP50 === undefined ? '' : `${(result.p50 - memoryP50).toFixed(0)}`;
  const killed = store.name === 'memory' ? undefined : await killAndResume(store.args());
  const resumed = killed
    ? `${killed.listening.toFixed(0)} + ${killed.completed.toFixed(0)}`
    : 'lost';
  rows.push(
    `| ${store.name} | ${result.perSecond.toFixed(1)} | ${result.p50.toFixed(0)} | ${result.p99.toFixed(0)} | ${added} | ${resumed} |`,
  );
  process.stderr.write(`${rows.at(-1)}\n`);
}
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

console.log(
  `\n\`rx.ask\` through \`rx-assistants serve\`, ${CONCURRENCY} at once for ${SECONDS} s per store (tutor model); ` +
    `then ${KILL_RUNS} runs interrupted by SIGKILL, the server restarted on the same data with a ${LEASE_TTL} ms lease.\n`,
);
console.log(
  '| store | runs / s | run p50 (ms) | run p99 (ms) | added to memory p50 (ms) | after SIGKILL: restart to listening + listening to every interrupted run completed (ms) |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
if (!DATABASE_URL && ONLY.includes('postgres')) {
  console.log(
    '\nPostgres left out: run it as `node scripts/postgres.mjs npm run bench -- --store`.',
  );
}
