/**
 * The chaos harness: N runs of one strategy against one target, through a
 * fault-injecting proxy, counted. Used by `npm run chaos` (bench/chaos.ts)
 * with large N and by test/chaos/chaos.spec.ts with small N.
 *
 * Each case gets a fresh target server, a fresh proxy and a fresh assistant,
 * so that its counts are its own. A run is a new thread with one user message
 * `chaos <i> <seed>`, and a run on it; the targets' models answer
 * `echo: <that text>`, so the harness knows which reply each run must see.
 */
import { setMaxListeners } from 'node:events';
import OpenAI from 'openai';
import { concatMap, filter, last, map, Observable, Subscription, timer } from 'rxjs';
import { rxAssistants, type Transport } from '../../src/client';
import { localBackend, memoryStore, type ModelAdapter } from '../../src/local';
import { serve } from '../../src/server';
import { type FaultKind, type FaultMix, mulberry32, startFaultProxy } from './faultProxy';
import { startThirdPartyServer } from './thirdPartyServer';
import { recordsOf } from './storeRecords';

/** The server behind the proxy: the project's `serve(localBackend())`, or a minimal third-party one. */
export type ChaosTargetKind = 'serve' | 'thirdParty';

/**
 * How a run is driven: `rx.run` (after `rx.threads.create`), `rx.ask`,
 * `rx.runs.create` then `rx.runs.watch` (then `rx.messages.list` for the
 * reply), or the bare SDK's `createAndPoll` (then `messages.list`).
 */
export type ChaosStrategy = 'run' | 'ask' | 'watch' | 'sdk';

/** One row of the chaos table. */
export interface ChaosCase {
  target: ChaosTargetKind;
  strategy: ChaosStrategy;
  /** The client's transport (rx strategies only). */
  transport?: Transport;
}

/** Options of {@link runChaosCase}. */
export interface ChaosOptions {
  /** How many runs. */
  runs: number;
  /** How many at a time. */
  concurrency: number;
  /** The seed of the proxy's faults and of the targets' run durations. */
  seed: number;
  /** A run still going after this long (ms) is a hang, and is given up. Default 60 000. */
  watchdogMs?: number;
  /** The fixed poll interval (ms) of the clients. Default 250. */
  pollMs?: number;
  /** Overrides of the proxy's fault mix. */
  mix?: Partial<FaultMix>;
  /** The SDK client's `maxRetries`; default the SDK's own (2). */
  sdkMaxRetries?: number;
  /** How long (ms) to wait after the runs for the client's connections to the proxy to close. Default 0. */
  drainMs?: number;
}

/** What one case did. */
export interface ChaosResult extends ChaosCase {
  label: string;
  runs: number;
  /** Runs that ended with an error surfaced to the caller. */
  failed: number;
  /** Threads that got more than one run. */
  duplicates: number;
  /** Runs the watchdog gave up on. */
  hangs: number;
  /** Runs that ended without an error but without a completed status or without their reply. */
  unfinished: number;
  wallMs: number;
  /** Requests the proxy received, all of them. */
  requests: number;
  requestsPerRun: number;
  /** `POST /threads/:id/runs` that reached the target. */
  runCreatesForwarded: number;
  faults: Record<FaultKind, number>;
  /** The errors surfaced, by `name: status message`, with how often. */
  errors: Record<string, number>;
  /** Requests through the proxy still open once the runs were done. */
  inFlightAfter: number;
  /** Client connections to the proxy still open after `drainMs`. */
  openConnectionsAfter: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);
const TRANSPORTS: Transport[] = ['poll', 'stream', 'auto'];

/** Whether a target can stream runs (the third-party server cannot). */
export const canStream = (target: ChaosTargetKind) => target === 'serve';

/** The cases of the full table, in order: rx strategies by transport, then the SDK. */
export function chaosCases(
  targets: ChaosTargetKind[] = ['serve', 'thirdParty'],
  strategies: ChaosStrategy[] = ['run', 'ask', 'watch', 'sdk'],
): ChaosCase[] {
  return targets.flatMap((target) =>
    strategies.flatMap((strategy): ChaosCase[] =>
      strategy === 'sdk'
        ? [{ target, strategy }]
        : TRANSPORTS.filter((t) => t !== 'stream' || canStream(target)).map((transport) => ({
            target,
            strategy,
            transport,
          })),
    ),
  );
}

const STRATEGY_NAMES: Record<ChaosStrategy, string> = {
  run: '`rx.run`',
  ask: '`rx.ask`',
  watch: '`runs.create` + `runs.watch`',
  sdk: 'SDK `createAndPoll`',
};
const TARGET_NAMES: Record<ChaosTargetKind, string> = {
  serve: '`serve(localBackend())`',
  thirdParty: 'third-party server',
};

/** A case's name, such as "`rx.run` (poll)". */
export const caseLabel = ({ strategy, transport }: ChaosCase) =>
  `${STRATEGY_NAMES[strategy]}${transport ? ` (${transport})` : ''}`;

/** A target's name for the table. */
export const targetLabel = (target: ChaosTargetKind) => TARGET_NAMES[target];

interface Target {
  /** The API's base URL, ending in `/v1`. */
  url: string;
  /** Threads that got more than one run. */
  duplicates(direct: OpenAI): Promise<number>;
  close(): Promise<void>;
}

/** The embedded runtime's model for the chaos runs: `echo: <last user text>` after 0.2 to 1.5 s. */
function echoModel(seed: number): ModelAdapter {
  const random = mulberry32(seed);
  return {
    name: 'echo',
    respond: (request, { scheduler }) => {
      const asked = request.messages.filter((message) => message.role === 'user').at(-1);
      return timer(Math.round(200 + random() * 1300), scheduler).pipe(
        map(() => ({ type: 'text' as const, delta: `echo: ${asked?.content ?? ''}` })),
      );
    },
  };
}

async function startTarget(kind: ChaosTargetKind, seed: number): Promise<Target> {
  if (kind === 'thirdParty') {
    const server = await startThirdPartyServer({ seed });
    return { url: server.url, duplicates: async () => server.duplicates(), close: server.close };
  }
  const store = memoryStore();
  const server = await serve(localBackend({ model: echoModel(seed), store }), {
    port: 0,
    pollAfterMs: null,
  });
  return {
    url: server.url,
    // Every thread the runtime holds, its runs listed through the un-proxied client.
    duplicates: async (direct) => {
      const threads = recordsOf(store, 'thread');
      const counts = await pool(threads.length, 20, async (i) => {
        const runs = await direct.beta.threads.runs.list(threads[i]!.id, { limit: 100 });
        return runs.data.length;
      });
      return counts.filter((count) => count > 1).length;
    },
    close: server.close,
  };
}

/** Runs `task(0..n-1)`, `concurrency` at a time; resolves with the results in order. */
export async function pool<T>(
  n: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
  return results;
}

/** What a strategy saw of its run: its terminal status, its reply. */
type Sighting = { status?: string; reply?: string };
type Outcome = { kind: 'ok' | 'failed' | 'hang' | 'unfinished'; error?: unknown };

const messageText = (message: OpenAI.Beta.Threads.Message) =>
  message.content.map((part) => (part.type === 'text' ? part.text.value : '')).join('');

/** A promise of an SDK call as an Observable that aborts the call on unsubscribe. */
const fromSdk = <T>(call: (signal: AbortSignal) => Promise<T>) =>
  new Observable<T>((subscriber) => {
    const aborter = new AbortController();
    // The SDK adds an abort listener to the signal per request (createAndPoll: per poll).
    setMaxListeners(0, aborter.signal);
    call(aborter.signal).then(
      (value) => {
        subscriber.next(value);
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => aborter.abort();
  });

/** Follows one run's sightings until done, an error, or the watchdog. */
function follow(
  sightings$: Observable<Sighting>,
  expected: string,
  watchdogMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const seen: Sighting = {};
    const subscription = new Subscription();
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      subscription.unsubscribe();
      resolve(outcome);
    };
    const watchdog = setTimeout(() => settle({ kind: 'hang' }), watchdogMs);
    // Added to a closed subscription (settled synchronously), it is unsubscribed at once.
    subscription.add(
      sightings$.subscribe({
        next: (sighting) => Object.assign(seen, sighting),
        error: (error: unknown) => settle({ kind: 'failed', error }),
        complete: () =>
          settle({
            kind: seen.status === 'completed' && seen.reply === expected ? 'ok' : 'unfinished',
          }),
      }),
    );
  });
}

const errorKey = (error: unknown) => {
  const { status, message } = (error ?? {}) as { status?: number; message?: string };
  const name = (error as object | null)?.constructor?.name ?? 'Error';
  const text = (message ?? String(error)).replace(/^\d{3} /, '').slice(0, 100);
  return `${name}${status === undefined ? '' : ` ${status}`}: ${text}`;
};

/**
 * Runs one case: starts its target and a fault proxy in front of it, drives
 * `options.runs` runs through the proxy, `options.concurrency` at a time,
 * then counts failures, hangs, duplicates and requests.
 */
export async function runChaosCase(c: ChaosCase, options: ChaosOptions): Promise<ChaosResult> {
  const watchdogMs = options.watchdogMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const target = await startTarget(c.target, options.seed);
  const proxy = await startFaultProxy({
    target: target.url,
    seed: options.seed,
    ...(options.mix && { mix: options.mix }),
  });
  const direct = new OpenAI({ baseURL: target.url, apiKey: 'test', maxRetries: 0 });
  try {
    const assistant = await direct.beta.assistants.create({ model: 'echo', name: 'chaos' });
    const client = new OpenAI({
      baseURL: `${proxy.url}/v1`,
      apiKey: 'test',
      ...(options.sdkMaxRetries !== undefined && { maxRetries: options.sdkMaxRetries }),
    });
    const rx = rxAssistants(client, { transport: c.transport ?? 'poll', poll: pollMs });
    const assistant_id = assistant.id;

    const fromEvents = (events$: ReturnType<typeof rx.ask>): Observable<Sighting> =>
      events$.pipe(
        map((event): Sighting => {
          if (TERMINAL.has(event.event.replace('thread.run.', '')) && 'status' in event.data) {
            return { status: event.data.status };
          }
          if (event.event === 'thread.message.completed' && event.data.role === 'assistant') {
            return { reply: messageText(event.data) };
          }
          return {};
        }),
      );

    const sightingsOf = (content: string): Observable<Sighting> => {
      const messages = [{ role: 'user' as const, content }];
      switch (c.strategy) {
        case 'run':
          return rx.threads
            .create({ messages })
            .pipe(concatMap((thread) => fromEvents(rx.run(thread.id, { assistant_id }))));
        case 'ask':
          return fromEvents(rx.ask(assistant_id, content));
        case 'watch':
          return rx.threads.create({ messages }).pipe(
            concatMap((thread) =>
              rx.runs.create(thread.id, { assistant_id }).pipe(
                concatMap((created) => rx.runs.watch(thread.id, created.id)),
                last(),
                concatMap((run) =>
                  rx.messages.list(thread.id, { run_id: run.id }).pipe(
                    filter((message) => message.role === 'assistant'),
                    map((message): Sighting => ({ reply: messageText(message) })),
                    (reply$) =>
                      new Observable<Sighting>((subscriber) => {
                        subscriber.next({ status: run.status });
                        return reply$.subscribe(subscriber);
                      }),
                  ),
                ),
              ),
            ),
          );
        case 'sdk':
          return fromSdk(async (signal): Promise<Sighting> => {
            const thread = await client.beta.threads.create({ messages }, { signal });
            const run = await client.beta.threads.runs.createAndPoll(
              thread.id,
              { assistant_id },
              { pollIntervalMs: pollMs, signal },
            );
            const list = await client.beta.threads.messages.list(
              thread.id,
              { run_id: run.id },
              { signal },
            );
            const reply = list.data.find((message) => message.role === 'assistant');
            return { status: run.status, ...(reply && { reply: messageText(reply) }) };
          });
      }
    };

    const started = performance.now();
    const outcomes = await pool(options.runs, options.concurrency, (i) => {
      const content = `chaos ${i} ${options.seed}`;
      return follow(sightingsOf(content), `echo: ${content}`, watchdogMs);
    });
    const wallMs = performance.now() - started;
    const inFlightAfter = proxy.stats.inFlight;
    await proxy.idle(options.drainMs ?? 0);
    const errors: Record<string, number> = {};
    for (const { error } of outcomes.filter((outcome) => outcome.kind === 'failed')) {
      const key = errorKey(error);
      errors[key] = (errors[key] ?? 0) + 1;
    }
    const count = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
    return {
      ...c,
      label: caseLabel(c),
      runs: options.runs,
      failed: count('failed'),
      duplicates: await target.duplicates(direct),
      hangs: count('hang'),
      unfinished: count('unfinished'),
      wallMs,
      requests: proxy.stats.requests,
      requestsPerRun: proxy.stats.requests / options.runs,
      runCreatesForwarded: proxy.forwarded('POST /threads/:id/runs'),
      faults: { ...proxy.stats.faults },
      errors,
      inFlightAfter,
      openConnectionsAfter: proxy.stats.openConnections,
    };
  } finally {
    await proxy.close();
    await target.close();
  }
}

/** The results as a Markdown table, its columns padded as Prettier pads them. */
export function chaosTable(results: ChaosResult[]): string {
  const header = ['target', 'strategy', 'runs', 'failed', 'duplicates', 'hangs', 'unfinished'];
  const rows = [
    [...header, 'wall (s)', 'requests / run'],
    ...results.map((r) => [
      targetLabel(r.target),
      r.label,
      ...[r.runs, r.failed, r.duplicates, r.hangs, r.unfinished].map(String),
      (r.wallMs / 1000).toFixed(1),
      r.requestsPerRun.toFixed(1),
    ]),
  ];
  const widths = rows[0]!.map((_, column) =>
    Math.max(3, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.slice(1).map(line),
  ].join('\n');
}
