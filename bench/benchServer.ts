/**
 * The benchmark's server, in a process of its own so that the client's CPU
 * and memory are measured alone: the embedded runtime on a model that takes
 * exactly the time a run asks for ("duration: 2500" in its message), served on
 * loopback without a poll hint (as servers that send none). It prints its URL,
 * then one line `terminal <run id> <epoch ms>` as each run reaches a terminal
 * status, and `connection` as each TCP connection is accepted. A line `drop`
 * on its stdin closes every open connection (so that each strategy starts
 * with an empty pool) and is answered `dropped`.
 */
import { Server } from 'node:http';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { map, tap, timer } from 'rxjs';
import { localBackend, memoryStore, type AssistantsStore, type ModelAdapter } from '../src/local';
import { serve } from '../src/server';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);
const epochNow = () => performance.timeOrigin + performance.now();

/** A model that answers "done" after the duration its last message asks for. */
const timedModel: ModelAdapter = {
  name: 'timed',
  respond: (request, { scheduler }) => {
    const asked = /duration: (\d+)/.exec(request.messages.at(-1)?.content ?? '');
    return timer(Number(asked?.[1] ?? 0), scheduler).pipe(
      map(() => ({ type: 'text' as const, delta: 'done' })),
    );
  },
};

/** The default store, reporting the moment each run becomes terminal. */
function reportingStore(): AssistantsStore {
  const store = memoryStore();
  const reported = new Set<string>();
  return {
    ...store,
    write: (writes) =>
      store.write(writes).pipe(
        tap(() => {
          for (const write of writes) {
            if (write.op !== 'put' || write.kind !== 'run') continue;
            const run = write.record;
            if (TERMINAL.has(run.status) && !reported.has(run.id)) {
              reported.add(run.id);
              process.stdout.write(`terminal ${run.id} ${epochNow().toFixed(1)}\n`);
            }
          }
        }),
      ),
  };
}

// serve() keeps its node:http server to itself: its connections are counted here.
const sockets = new Set<Socket>();
type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
const emit = Server.prototype.emit as Emit;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'connection') {
    const socket = args[0] as Socket;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    process.stdout.write('connection\n');
  }
  return emit.call(this, event, ...args);
} as typeof Server.prototype.emit;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'drop') return;
  for (const socket of sockets) socket.destroy();
  process.stdout.write('dropped\n');
});

const server = await serve(localBackend({ model: timedModel, store: reportingStore() }), {
  port: 0,
  pollAfterMs: null,
});
process.stdout.write(`url ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
