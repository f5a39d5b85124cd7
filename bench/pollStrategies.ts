/**
 * Side-by-side benchmark of the ways a client can learn that a run ended:
 * rx-assistants' status stream (its default poll policy and the previous one),
 * its runs over SSE (`transport: 'stream'` and `'auto'`), the SDK's own
 * stream (`runs.stream(...).finalRun()`), the SDK's createAndPoll, and the
 * cookbook's 0.5 s loop.
 *
 *   npm run bench                                   # 50 runs at once, 0.2–3 s then 0.2–30 s
 *   npm run bench -- --runs 300 --durations 0.2-3   # one range
 *   npm run bench -- --only "default,stream"        # strategies whose name has a word
 *   npm run bench -- --svg /tmp/chart.svg           # where the chart goes
 *   npm run bench -- --source                       # rx-assistants from src through tsx, not bundled
 *   npm run bench -- --only stream --heap-profiles /tmp/p   # sampled heap at the probe, by allocation site
 *   npm run bench -- --only stream --heap-snapshots /tmp/s  # heap snapshots before the batch and at the probe
 *   npm run bench -- --only stream --cpu-profiles /tmp/c    # a CPU profile of each batch
 *   npm run bench -- --only stream --durations 0.2-3 --rounds 10   # 10 rounds, medians and ranges
 *
 * A server in a child process (bench/benchServer.ts) runs runs of known
 * duration (spread evenly over each range) and reports when each one ends
 * and each TCP connection it accepts. Each strategy first follows one
 * unmeasured batch of short runs (a warm client, server and compiled code).
 * Then for each range, round after round (`--rounds`, 1 by default), each
 * strategy in turn (forward in even rounds, backward in odd ones, so that
 * each is measured first as often as last) follows five short runs to warm
 * up, then starts all runs at once (on an empty connection pool); the
 * benchmark measures per run: HTTP requests, TCP connections, detection latency (when
 * the client saw the terminal status minus when the server reached it),
 * client CPU time, the heap a run holds while in flight, and the wall time
 * of the whole batch. Each figure is its median over the rounds; with more
 * than one round, a second table gives the range of the CPU and the heap and
 * in how many rounds each strategy spent the least.
 * Results go to stdout as Markdown tables, and to docs/performance-latency.svg
 * as a chart of latency against requests (unless `--only` picks strategies
 * and no `--svg` is given).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import OpenAI from 'openai';
import { concatMap, last, lastValueFrom } from 'rxjs';
import type { PollPolicy, Transport } from '../src';
import { bundledLibrary } from './bundled';

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const N = Number(flag('--runs') ?? 50);
const only = flag('--only')?.split(',');
/** How many times each strategy is measured on each range; its figures are the medians. */
const ROUNDS = Number(flag('--rounds') ?? 1);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new TypeError('--rounds: an integer ≥ 1');
/** Ranges of run durations in seconds, such as `0.2-3,0.2-30`. */
const ranges = (flag('--durations') ?? '0.2-3,0.2-30').split(',').map((range) => {
  const [lo, hi] = range.split('-').map(Number) as [number, number];
  if (!(lo >= 0 && hi >= lo)) throw new TypeError(`--durations: bad range ${range}`);
  return { lo, hi };
});
/** A directory for heap snapshots: each strategy's before its batch and at the probe. */
const snapshots = flag('--heap-snapshots');
/** A directory for CPU profiles: each strategy's batch, from its start to its end. */
const profiles = flag('--cpu-profiles');
/** A directory for sampled heap profiles: what each strategy's runs hold at the probe, by allocation site. */
const heapProfiles = flag('--heap-profiles');
const svgPath = flag('--svg') ?? (only ? undefined : 'docs/performance-latency.svg');

// rx-assistants as it is published (bench/bundled.ts); `--source` runs the sources instead.
const library = process.argv.includes('--source')
  ? await import('../src')
  : await bundledLibrary('index');
const { adaptivePoll, rxAssistants } = library;
const epochNow = () => performance.timeOrigin + performance.now();
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A full garbage collection before each measurement, so that no strategy pays
// for the garbage of the one before it (nor its heap start high).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** The heap in use: cheaper than process.memoryUsage(), which also reads the RSS. */
const heapUsed = () => getHeapStatistics().used_heap_size;
const seconds = (s: number) => String(s);
/** The colours of the chart's points, one per strategy. */
const PALETTE = [
  '#d62728',
  '#ff7f0e',
  '#8c564b',
  '#1f77b4',
  '#17becf',
  '#2ca02c',
  '#9467bd',
  '#7f7f7f',
];

// --- the server ---------------------------------------------------------------
const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bench/benchServer.ts'], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const terminalAt = new Map<string, number>();
let connections = 0;
let onDropped: (() => void) | undefined;
const url = await new Promise<string>((resolve) => {
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'url') resolve(a!);
    if (kind === 'terminal') terminalAt.set(a!, Number(b));
    if (kind === 'connection') connections++;
    if (kind === 'dropped') onDropped?.();
  });
});
/** Closes every connection, so that a strategy starts on an empty pool. */
const dropConnections = async () => {
  await new Promise<void>((resolve) => {
    onDropped = resolve;
    child.stdin!.write('drop\n');
  });
  await sleep(300); // the client's pool sees the sockets close
};

// --- the client ---------------------------------------------------------------
const profiler = profiles || heapProfiles ? new Session() : undefined;
profiler?.connect();
await profiler?.post('Profiler.enable');
await profiler?.post('Profiler.setSamplingInterval', { interval: 100 });
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

const rxRun = (transport: Transport): Strategy => {
  const rx = rxAssistants(counted, { transport });
  return async (threadId) => {
    const event = await lastValueFrom(rx.run(threadId, { assistant_id: assistant.id }));
    return { runId: (event.data as { id: string }).id, seenAt: epochNow() };
  };
};

/** Short names for the chart, beside the tables' full ones. */
const strategies: Array<{ name: string; short: string; follow: Strategy }> = [
  {
    name: 'rx-assistants `runs.watch`, default policy (1.1 s, 300 ms to 2.9 s, then ×1.5 to 5 s)',
    short: 'rx watch, default',
    follow: rxWatching(),
  },
  {
    name: 'rx-assistants `runs.watch`, previous default (at once, 1 s ×1.1 to 5 s)',
    short: 'rx watch, previous default',
    follow: rxWatching(
      adaptivePoll({ first: 0, initial: 1000, growAfter: 0, factor: 1.1, max: 5000 }),
    ),
  },
  {
    name: 'rx-assistants `runs.watch`, fixed 1 s (first poll at once)',
    short: 'rx watch, fixed 1 s',
    follow: rxWatching(1000),
  },
  { name: "rx-assistants `run`, transport 'stream'", short: 'rx stream', follow: rxRun('stream') },
  { name: "rx-assistants `run`, transport 'auto'", short: 'rx auto', follow: rxRun('auto') },
  {
    name: 'SDK `runs.stream(...).finalRun()`',
    short: 'SDK stream',
    follow: async (threadId) => {
      const run = await counted.beta.threads.runs
        .stream(threadId, { assistant_id: assistant.id })
        .finalRun();
      return { runId: run.id, seenAt: epochNow() };
    },
  },
  {
    name: 'SDK `createAndPoll` (default interval)',
    short: 'SDK createAndPoll',
    follow: async (threadId) => {
      const run = await counted.beta.threads.runs.createAndPoll(threadId, {
        assistant_id: assistant.id,
      });
      return { runId: run.id, seenAt: epochNow() };
    },
  },
  {
    name: 'cookbook loop (retrieve every 0.5 s)',
    short: 'cookbook 0.5 s loop',
    follow: async (threadId) => {
      let run = await counted.beta.threads.runs.create(threadId, { assistant_id: assistant.id });
      while (!TERMINAL.has(run.status)) {
        await sleep(500);
        run = await counted.beta.threads.runs.retrieve(run.id, { thread_id: threadId });
      }
      return { runId: run.id, seenAt: epochNow() };
    },
  },
];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Result {
  name: string;
  short: string;
  requests: number;
  connections: number;
  p50: number;
  p95: number;
  cpu: number;
  heap: number;
  wall: number;
}

async function measure(
  { lo, hi }: { lo: number; hi: number },
  { name, short, follow }: (typeof strategies)[number],
): Promise<Result> {
  const durationOf = (i: number) => Math.round(1000 * (lo + ((hi - lo) * i) / Math.max(1, N - 1)));
  // A few short runs first, unmeasured, so that no strategy pays for compiling its code.
  const warmUp = await Promise.all(
    Array.from({ length: 5 }, () =>
      setup.beta.threads.create({ messages: [{ role: 'user', content: 'duration: 50' }] }),
    ),
  );
  await Promise.all(warmUp.map((thread) => follow(thread.id)));
  const threads = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      setup.beta.threads.create({
        messages: [{ role: 'user', content: `duration: ${durationOf(i)}` }],
      }),
    ),
  );
  await dropConnections();
  gc();
  requests = 0;
  connections = 0;
  const heapBase = heapUsed();
  const fileName = `${short.replace(/\W+/g, '-')}-${lo}-${hi}`;
  const snapshot = (when: string) => {
    if (snapshots) writeHeapSnapshot(`${snapshots}/${fileName}-${when}.heapsnapshot`);
  };
  snapshot('base');
  // 150 ms in, every run is in flight and none has ended: a full collection
  // then leaves what the runs hold (its own CPU time is not counted).
  let heapInFlight = 0;
  let gcCpu = 0;
  let heapProfile: Promise<{ profile: unknown }> | undefined;
  const probe = setTimeout(() => {
    const before = process.cpuUsage();
    gc();
    heapInFlight = heapUsed() - heapBase;
    const spent = process.cpuUsage(before);
    gcCpu = spent.user + spent.system;
    snapshot('flight');
    // Taken now (the session answers later): what the runs hold, by allocation site.
    if (heapProfiles) heapProfile = profiler!.post('HeapProfiler.getSamplingProfile');
  }, 150);
  if (profiles) await profiler!.post('Profiler.start');
  if (heapProfiles) await profiler!.post('HeapProfiler.startSampling', { samplingInterval: 64 });
  const cpu = process.cpuUsage();
  const started = epochNow();
  const results = await Promise.all(threads.map((thread) => follow(thread.id)));
  const wall = epochNow() - started;
  const cpuUsed = process.cpuUsage(cpu);
  if (heapProfiles) {
    const { profile } = await heapProfile!;
    await profiler!.post('HeapProfiler.stopSampling');
    writeFileSync(`${heapProfiles}/${fileName}.heapprofile`, JSON.stringify(profile));
  }
  if (profiles) {
    const { profile } = await profiler!.post('Profiler.stop');
    writeFileSync(`${profiles}/${fileName}.cpuprofile`, JSON.stringify(profile));
  }
  clearTimeout(probe);
  const opened = connections;
  while (results.some((r) => !terminalAt.has(r.runId))) await sleep(10);
  const latencies = results
    .map((r) => Math.max(0, r.seenAt - terminalAt.get(r.runId)!))
    .sort((a, b) => a - b);
  return {
    name,
    short,
    requests: requests / N,
    connections: opened / N,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    cpu: (cpuUsed.user + cpuUsed.system - gcCpu) / 1000 / N,
    heap: heapInFlight / 1024 / N,
    wall: wall / 1000,
  };
}

const row = (r: Result) =>
  `| ${r.name} | ${r.requests.toFixed(1)} | ${r.connections.toFixed(2)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.cpu.toFixed(2)} | ${r.heap.toFixed(1)} | ${r.wall.toFixed(1)} |`;

const selected = strategies.filter(
  (strategy) => !only || only.some((word) => strategy.name.includes(word)),
);
// One batch of short runs per strategy first, unmeasured, so that none pays
// for a cold client, a cold server or code not compiled yet.
for (const strategy of selected) await measure({ lo: 0.05, hi: 0.05 }, strategy);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? (sorted[middle - 1]! + sorted[middle]!) / 2
    : sorted[Math.floor(middle)]!;
};
/** A strategy's rounds as one result: the median of each figure. */
const medianOf = (rounds: Result[]): Result => ({
  name: rounds[0]!.name,
  short: rounds[0]!.short,
  requests: median(rounds.map((r) => r.requests)),
  connections: median(rounds.map((r) => r.connections)),
  p50: median(rounds.map((r) => r.p50)),
  p95: median(rounds.map((r) => r.p95)),
  cpu: median(rounds.map((r) => r.cpu)),
  heap: median(rounds.map((r) => r.heap)),
  wall: median(rounds.map((r) => r.wall)),
});
/** How a figure spread over the rounds: median, range, and the rounds where it was the least. */
const spread = (all: Result[][], i: number, figure: 'cpu' | 'heap', digits: number) => {
  const values = all[i]!.map((r) => r[figure]);
  const least = values.filter((value, round) =>
    all.every((rounds) => value <= rounds[round]![figure]),
  ).length;
  return `${median(values).toFixed(digits)} | ${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)} | ${least} of ${values.length}`;
};

const panels: Array<{ title: string; results: Result[] }> = [];
for (const range of ranges) {
  const title = `${N} concurrent runs per strategy, lasting ${seconds(range.lo)} to ${seconds(range.hi)} s (evenly spread); no poll hint from the server${ROUNDS > 1 ? `; medians of ${ROUNDS} rounds, each strategy measured first in half of them` : ''}.`;
  const rounds: Result[][] = selected.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // Forward, then backward: each strategy is measured first as often as last.
    const order = selected.map((_, i) => (round % 2 === 0 ? i : selected.length - 1 - i));
    for (const i of order) {
      const result = await measure(range, selected[i]!);
      rounds[i]!.push(result);
      process.stderr.write(`${ROUNDS > 1 ? `round ${round + 1}: ` : ''}${row(result)}\n`);
    }
  }
  const results = rounds.map(medianOf);
  panels.push({ title: `${seconds(range.lo)}–${seconds(range.hi)} s runs, ${N} at once`, results });
  console.log(`\n${title}\n`);
  console.log(
    '| strategy | requests / run | connections / run | latency p50 (ms) | latency p95 (ms) | client CPU / run (ms) | heap in flight / run (KiB) | wall (s) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const result of results) console.log(row(result));
  if (ROUNDS > 1) {
    console.log(`\nThe same ${ROUNDS} rounds: client CPU and heap in flight per run.\n`);
    console.log(
      '| strategy | CPU / run (ms): median | range | least CPU in | heap / run (KiB): median | range | least heap in |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    selected.forEach((strategy, i) => {
      console.log(
        `| ${strategy.name} | ${spread(rounds, i, 'cpu', 2)} | ${spread(rounds, i, 'heap', 1)} |`,
      );
    });
  }
}
child.kill('SIGTERM');

if (svgPath) {
  writeFileSync(svgPath, chart(panels, new Date().toISOString().slice(0, 10)));
  process.stderr.write(`chart written to ${svgPath}\n`);
}

// --- the chart ----------------------------------------------------------------

/** Round numbers for an axis from 0 to at least `max`: about five ticks. */
function ticks(max: number): number[] {
  const raw = Math.max(max, 1) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const count = Math.ceil(max / step);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(6)));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * An SVG of detection latency (p50 as a dot, p95 as the top of a whisker)
 * against requests per run, one panel per range of durations, one numbered
 * point per strategy; the legend names the numbers.
 */
function chart(panels: Array<{ title: string; results: Result[] }>, date: string): string {
  const panelWidth = 460;
  const panelHeight = 330;
  const margin = { left: 64, right: 16, top: 40, bottom: 48 };
  const names = panels[0]?.results.map((r) => r.short) ?? [];
  const legendHeight = 20 + 18 * Math.ceil(names.length / 2);
  const width = panels.length * (panelWidth + margin.left + margin.right);
  const height = panelHeight + margin.top + margin.bottom + legendHeight + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">When does the client see a run end, and at what cost? (no poll hint, ${date})</text>`,
  ];
  panels.forEach((panel, p) => {
    const x0 = p * (panelWidth + margin.left + margin.right) + margin.left;
    const y0 = margin.top + 20;
    const xMax = Math.max(...panel.results.map((r) => r.requests)) * 1.08;
    const yMax = Math.max(...panel.results.map((r) => r.p95)) * 1.05;
    const xTicks = ticks(xMax);
    const yTicks = ticks(yMax);
    const xTop = xTicks.at(-1)!;
    const yTop = yTicks.at(-1)!;
    const sx = (v: number) => x0 + (v / xTop) * panelWidth;
    const sy = (v: number) => y0 + panelHeight - (v / yTop) * panelHeight;
    out.push(
      `<text x="${x0 + panelWidth / 2}" y="${y0 - 10}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`,
    );
    for (const t of yTicks) {
      out.push(
        `<line x1="${x0}" x2="${x0 + panelWidth}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`,
        `<text x="${x0 - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`,
      );
    }
    for (const t of xTicks) {
      out.push(
        `<line x1="${sx(t)}" x2="${sx(t)}" y1="${y0}" y2="${y0 + panelHeight}" stroke="#f0f0f0"/>`,
        `<text x="${sx(t)}" y="${y0 + panelHeight + 16}" text-anchor="middle">${t}</text>`,
      );
    }
    out.push(
      `<line x1="${x0}" x2="${x0 + panelWidth}" y1="${y0 + panelHeight}" y2="${y0 + panelHeight}" stroke="#333"/>`,
      `<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 + panelHeight}" stroke="#333"/>`,
      `<text x="${x0 + panelWidth / 2}" y="${y0 + panelHeight + 36}" text-anchor="middle">HTTP requests per run (creation included)</text>`,
      `<text transform="translate(${x0 - 48} ${y0 + panelHeight / 2}) rotate(-90)" text-anchor="middle">detection latency (ms): dot p50, whisker to p95</text>`,
    );
    // Points that would overlap share one label.
    const labels: Array<{ x: number; y: number; numbers: number[] }> = [];
    panel.results.forEach((r, i) => {
      const x = sx(r.requests);
      const color = PALETTE[i % PALETTE.length]!;
      out.push(
        `<line x1="${x}" x2="${x}" y1="${sy(r.p50)}" y2="${sy(r.p95)}" stroke="${color}" stroke-width="2"/>`,
        `<line x1="${x - 5}" x2="${x + 5}" y1="${sy(r.p95)}" y2="${sy(r.p95)}" stroke="${color}" stroke-width="2"/>`,
        `<circle cx="${x}" cy="${sy(r.p50)}" r="5" fill="${color}"><title>${escapeXml(r.name)}: ${r.requests.toFixed(1)} requests, p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms</title></circle>`,
      );
      const near = labels.find((l) => Math.abs(l.x - x) < 24 && Math.abs(l.y - sy(r.p50)) < 14);
      if (near) near.numbers.push(i + 1);
      else labels.push({ x, y: sy(r.p50), numbers: [i + 1] });
    });
    for (const label of labels) {
      out.push(
        `<text x="${label.x + 8}" y="${label.y - 6}" font-weight="bold">${label.numbers.join(', ')}</text>`,
      );
    }
  });
  const legendY = margin.top + 20 + panelHeight + margin.bottom + 10;
  const perColumn = Math.ceil(names.length / 2);
  names.forEach((name, i) => {
    const column = Math.floor(i / perColumn);
    const x = margin.left + column * (width / 2);
    const y = legendY + 18 * (i % perColumn);
    out.push(
      `<circle cx="${x}" cy="${y - 4}" r="5" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${x + 10}" y="${y}"><tspan font-weight="bold">${i + 1}</tspan> ${escapeXml(name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
