/**
 * Side-by-side benchmark of the server (`npm run bench -- --server`):
 *
 * 1. `GET /v1/assistants/{id}` through `serve(localBackend())` against a bare
 *    `node:http` server answering the same JSON, each in a process of its own,
 *    loaded in turn (rounds alternate) by this process over keep-alive
 *    connections. Per server: requests per second, and the server's own CPU
 *    per request (which does not depend on how fast this load generator is).
 * 2. `--streams N` (default 500) simultaneous `stream: true` runs on the
 *    tutor model, which starts writing each reply 3 s after its run starts:
 *    the longest the server's event loop was blocked
 *    (`monitorEventLoopDelay`) and its p99, while the streams open (a burst
 *    of N requests) and while the text of all N flows; events received.
 *
 *   npm run bench -- --server [--seconds 3] [--rounds 3] [--connections 16] [--depth 8] [--streams 500]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { createInterface, type Interface } from 'node:readline';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const SECONDS = arg('seconds', 3);
const ROUNDS = arg('rounds', 3);
const CONNECTIONS = arg('connections', 16);
const DEPTH = arg('depth', 8);
const STREAMS = arg('streams', 500);
const f = (n: number, digits = 0) => n.toFixed(digits);
/** How long after its run starts the tutor begins each reply: the streams open meanwhile. */
const REPLY_DELAY = 3000;

interface Target {
  name: string;
  child: ChildProcess;
  lines: Interface;
  base: string;
  assistantId: string;
}

const nextLine = (lines: Interface, prefix: string) =>
  new Promise<string[]>((resolve) => {
    const onLine = (line: string) => {
      if (!line.startsWith(`${prefix} `)) return;
      lines.off('line', onLine);
      resolve(line.split(' ').slice(1));
    };
    lines.on('line', onLine);
  });

async function start(name: string): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['node_modules/tsx/dist/cli.mjs', 'bench/serverTarget.ts', name, String(REPLY_DELAY)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const [base, assistantId] = await nextLine(lines, 'url');
  return { name, child, lines, base: base!, assistantId: assistantId! };
}

/** The target's CPU time so far (µs) and its loop delay since the last reading (ms). */
async function reading(target: Target) {
  const answer = nextLine(target.lines, 'cpu');
  target.child.stdin!.write('cpu\n');
  const [cpu, max, p99] = (await answer).map(Number);
  return { cpu: cpu!, max: max!, p99: p99! };
}

/**
 * `CONNECTIONS` keep-alive connections, each with `DEPTH` pipelined GETs in
 * flight, for `SECONDS`; the count of 200s. The load generator only writes
 * fixed bytes and counts status lines, so that the server, not this process,
 * is what limits the rate.
 */
async function load(target: Target): Promise<number> {
  const url = new URL(`${target.base}/assistants/${target.assistantId}`);
  const head =
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    'Authorization: Bearer bench\r\nAccept: application/json\r\n\r\n';
  const end = performance.now() + SECONDS * 1000;
  let ok = 0;
  const connection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let [inFlight, tail, stopping] = [0, '', false];
      const send = (n: number) => {
        inFlight += n;
        socket.write(head.repeat(n));
      };
      socket.setEncoding('latin1');
      socket.on('connect', () => send(DEPTH));
      socket.on('data', (chunk: string) => {
        const text = tail + chunk;
        let answered = 0;
        for (let at = text.indexOf('HTTP/1.1 '); at >= 0; at = text.indexOf('HTTP/1.1 ', at + 9)) {
          if (text.length < at + 12) break;
          if (text.slice(at + 9, at + 12) !== '200') {
            return reject(new Error(`${target.name}: ${text.slice(at, at + 12)}`));
          }
          answered++;
          tail = text.slice(at + 12);
        }
        if (answered === 0) tail = text.slice(-11);
        ok += answered;
        inFlight -= answered;
        if (performance.now() < end) send(answered);
        else if (!stopping || inFlight === 0) {
          stopping = true;
          if (inFlight === 0) socket.end(resolve);
        }
      });
      socket.on('error', reject);
    });
  await Promise.all(Array.from({ length: CONNECTIONS }, connection));
  return ok;
}

/**
 * `STREAMS` simultaneous streamed runs: the server's loop delay while they
 * open (until each has sent its first events) and while their text flows
 * (from then until the last ends), events received and the wall time.
 */
async function streams(target: Target) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const body = JSON.stringify({
    assistant_id: target.assistantId,
    stream: true,
    thread: { messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }] },
  });
  await reading(target); // resets the loop-delay histogram
  const started = performance.now();
  let events = 0;
  let completed = 0;
  const opened: Array<Promise<void>> = [];
  const ended = Array.from(
    { length: STREAMS },
    () =>
      new Promise<void>((resolve, reject) => {
        let open!: () => void;
        opened.push(new Promise<void>((yes) => (open = yes)));
        const req = request(
          `${target.base}/threads/runs`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.setEncoding('utf8');
            let tail = '';
            res.on('data', (chunk: string) => {
              open();
              const parts = (tail + chunk).split('\n');
              tail = parts.pop()!;
              for (const line of parts) {
                if (line.startsWith('event: ')) events++;
                if (line === 'event: thread.run.completed') completed++;
              }
            });
            res.on('end', resolve);
          },
        );
        req.on('error', reject).end(body);
      }),
  );
  await Promise.all(opened);
  const openedAfter = performance.now() - started;
  if (openedAfter > REPLY_DELAY) console.warn(`The streams took ${f(openedAfter)} ms to open.`);
  const opening = await reading(target);
  await Promise.all(ended);
  const flowing = await reading(target);
  return { events, completed, openedAfter, opening, flowing };
}

const rx = await start('rx');
const bare = await start('bare');
const totals = new Map<Target, { requests: number; seconds: number; cpu: number }>();
for (const target of [rx, bare]) totals.set(target, { requests: 0, seconds: 0, cpu: 0 });
await load(rx); // warm-up of both: JIT, connections
await load(bare);
for (let round = 0; round < ROUNDS; round++) {
  for (const target of round % 2 === 0 ? [rx, bare] : [bare, rx]) {
    const before = await reading(target);
    const t0 = performance.now();
    const requests = await load(target);
    const seconds = (performance.now() - t0) / 1000;
    const after = await reading(target);
    const total = totals.get(target)!;
    total.requests += requests;
    total.seconds += seconds;
    total.cpu += after.cpu - before.cpu;
  }
}
const rate = (t: Target) => totals.get(t)!.requests / totals.get(t)!.seconds;
const cpuPer = (t: Target) => totals.get(t)!.cpu / totals.get(t)!.requests;

await streams(rx); // warm-up: the first wave compiles the streaming path
const sse = await streams(rx);
for (const target of [rx, bare]) target.child.kill();

console.log(
  `\nGET /v1/assistants/{id}: ${ROUNDS} alternating rounds of ${SECONDS} s per server, ` +
    `${CONNECTIONS} keep-alive connections with ${DEPTH} pipelined requests each, one load process.\n`,
);
console.log('| server | requests/s | server CPU / request (µs) |');
console.log('| ------ | ---------- | ------------------------- |');
console.log(`| rx-assistants \`serve\` | ${f(rate(rx))} | ${f(cpuPer(rx), 1)} |`);
console.log(`| bare \`node:http\` | ${f(rate(bare))} | ${f(cpuPer(bare), 1)} |`);
console.log(
  `\nratio (serve / bare): requests/s ${f(rate(rx) / rate(bare), 2)}, ` +
    `CPU per request ${f(cpuPer(bare) / cpuPer(rx), 2)}`,
);
console.log(
  `\n${STREAMS} simultaneous streamed runs (tutor model): ${sse.completed} completed, ` +
    `${sse.events} events. The server's event loop was blocked at most ` +
    `${f(sse.opening.max, 1)} ms (p99 ${f(sse.opening.p99, 1)} ms) while the ${STREAMS} ` +
    `requests arrived and their streams opened (in ${f(sse.openedAfter)} ms), and at most ` +
    `${f(sse.flowing.max, 1)} ms (p99 ${f(sse.flowing.p99, 1)} ms) while the text of all ` +
    `${STREAMS} flowed.`,
);
