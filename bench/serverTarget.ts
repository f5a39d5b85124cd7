/**
 * A server of the server benchmark, in a process of its own: `rx` is
 * `serve(localBackend())` with one assistant, on the tutor model made to
 * start writing each reply the ms given as second argument after the run
 * starts (so that many streams can all be open before their text flows); `bare` is a plain `node:http`
 * server answering that assistant's JSON at the same path, the floor any
 * server on Node pays. It prints `url <base> <assistant id>`, then answers
 * `cpu` on stdin with `cpu <user+system µs> <max loop delay ms> <p99 ms>` and
 * resets its loop-delay histogram.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { firstValueFrom } from 'rxjs';
import { localBackend, tutorModel } from '../src/local';
import { serve } from '../src/server';

const kind = process.argv[2];
const backend = localBackend({ model: tutorModel({ delay: Number(process.argv[3] ?? 0) }) });
const assistant = await firstValueFrom(
  backend.assistants.create({ model: 'tutor', name: 'Math tutor', instructions: 'Teach.' }),
);
let base: string;
if (kind === 'rx') {
  base = (await serve(backend, { port: 0 })).url;
} else {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/v1/assistants/${assistant.id}`) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-request-id': `req_${crypto.randomUUID().replace(/-/g, '')}`,
      });
      res.end(JSON.stringify(assistant));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  const max = delay.max / 1e6;
  const p99 = delay.percentile(99) / 1e6;
  delay.reset();
  process.stdout.write(`cpu ${user + system} ${max.toFixed(1)} ${p99.toFixed(1)}\n`);
});
process.stdout.write(`url ${base} ${assistant.id}\n`);
