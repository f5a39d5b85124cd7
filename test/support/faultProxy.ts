/**
 * A loopback HTTP proxy that simulates an unreliable network in front of an
 * Assistants server: seeded, so a run of the chaos harness is reproducible.
 *
 * Per request it draws one fault from the mix:
 *
 * - `error500`: answered 500 with an OpenAI-shaped error body, not forwarded;
 * - `rateLimit429`: answered 429 with `Retry-After`, not forwarded;
 * - `reset`: the connection is destroyed, not forwarded;
 * - `replace502`: forwarded, the upstream answer read to its end (an event
 *   stream included) and discarded, then answered 502: the request took
 *   effect but the client cannot know it;
 * - `delay`: forwarded after a delay (0.3 to 1.5 s by default);
 * - `pass`: forwarded untouched.
 *
 * Forwarded answers, event streams included, are piped through as they
 * arrive. Its delays are real timers: it stands for the network, not for
 * library code.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './listen';

/** What the proxy did with one request. */
export type FaultKind = 'error500' | 'rateLimit429' | 'reset' | 'replace502' | 'delay' | 'pass';

/** The probability of each fault; the rest of the requests pass untouched. */
export type FaultMix = Record<Exclude<FaultKind, 'pass'>, number>;

/** The mix of the chaos harness: 10% 500, 5% 429, 2% reset, 3% 502 after forwarding, 5% delayed. */
export const DEFAULT_MIX: FaultMix = {
  error500: 0.1,
  rateLimit429: 0.05,
  reset: 0.02,
  replace502: 0.03,
  delay: 0.05,
};

/** A mix that forwards everything untouched. */
export const PASS_THROUGH: FaultMix = {
  error500: 0,
  rateLimit429: 0,
  reset: 0,
  replace502: 0,
  delay: 0,
};

const FAULT_ORDER = ['error500', 'rateLimit429', 'reset', 'replace502', 'delay'] as const;

/** mulberry32: a small deterministic PRNG; each call returns a number in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws one fault per call from `mix` with the random numbers of `random`. */
export function faultDecider(random: () => number, mix: FaultMix = DEFAULT_MIX): () => FaultKind {
  const total = FAULT_ORDER.reduce((sum, kind) => sum + mix[kind], 0);
  if (!(total <= 1) || FAULT_ORDER.some((kind) => !(mix[kind] >= 0))) {
    throw new RangeError(`a fault mix needs probabilities >= 0 adding up to at most 1`);
  }
  return () => {
    let draw = random();
    for (const kind of FAULT_ORDER) {
      if (draw < mix[kind]) return kind;
      draw -= mix[kind];
    }
    return 'pass';
  };
}

/**
 * The route pattern of a request, for counting: the method, then the path
 * without `/v1` and the query, with ids replaced by `:id`, such as
 * `POST /threads/:id/runs`.
 */
export function routeOf(method: string, url: string): string {
  const path = url.split('?')[0]!.replace(/^\/v1(?=\/|$)/, '');
  const pattern = path
    .split('/')
    .map((part) => (/^[a-z]+_[A-Za-z0-9]+$/.test(part) ? ':id' : part))
    .join('/');
  return `${method} ${pattern || '/'}`;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The server to forward to, on 127.0.0.1 (its path, if any, is ignored: request paths are kept). */
  target: string;
  /** The PRNG seed of the fault draws and the delays. Default 1. */
  seed?: number;
  /** Probabilities overriding {@link DEFAULT_MIX}. */
  mix?: Partial<FaultMix>;
  /** The `Retry-After` of a 429, in seconds. Default 1. */
  retryAfter?: number;
  /** The range of a `delay` fault, in ms. Default `[300, 1500]`. */
  delayMs?: [min: number, max: number];
}

/** What a proxy did, as counts. */
export interface FaultProxyStats {
  /** Requests received. */
  requests: number;
  /** Requests by what was done with them. */
  faults: Record<FaultKind, number>;
  /** By route pattern ({@link routeOf}): requests received, and those that reached the upstream. */
  routes: Record<string, { received: number; forwarded: number }>;
  /** Requests whose answer has not ended yet. */
  inFlight: number;
  /** Client connections open now. */
  openConnections: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** Its origin, such as `http://127.0.0.1:41234` (append `/v1` for the SDK). */
  url: string;
  readonly stats: FaultProxyStats;
  /** How many requests of a route pattern reached the upstream. */
  forwarded(route: string): number;
  /**
   * Resolves `true` when no client connection is open (at once if none is),
   * or `false` if one is still open after `withinMs`: a bounded wait for the
   * close event, not a poll.
   */
  idle(withinMs: number): Promise<boolean>;
  /** Stops listening, ends every open connection (both sides), resolves once closed. */
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'];

const errorBody = (message: string, type: string, code: string | null) =>
  JSON.stringify({ error: { message, type, param: null, code } });

function answerJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: OutgoingHttpHeaders = {},
) {
  if (res.destroyed || res.headersSent) return void res.destroy();
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * Starts a fault-injecting proxy on 127.0.0.1 (a free port) in front of
 * `options.target`, which must be on 127.0.0.1 as well.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' || target.protocol !== 'http:') {
    throw new TypeError(`the fault proxy forwards to http://127.0.0.1 only, not ${target.origin}`);
  }
  const random = mulberry32(options.seed ?? 1);
  const decide = faultDecider(random, { ...DEFAULT_MIX, ...options.mix });
  const [delayMin, delayMax] = options.delayMs ?? [300, 1500];
  const retryAfter = String(options.retryAfter ?? 1);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const stats: FaultProxyStats = {
    requests: 0,
    faults: { error500: 0, rateLimit429: 0, reset: 0, replace502: 0, delay: 0, pass: 0 },
    routes: {},
    inFlight: 0,
    openConnections: 0,
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    onAnswer: (upstream: IncomingMessage) => void,
  ) => {
    if (res.destroyed) return;
    stats.routes[route]!.forwarded += 1;
    const headers: Record<string, string | string[] | undefined> = {
      ...req.headers,
      host: target.host,
    };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      onAnswer,
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : answerBadGateway(res)));
    // The client went away first: so does the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const pipeAnswer = (res: ServerResponse) => (upstream: IncomingMessage) => {
    const headers = { ...upstream.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    res.writeHead(upstream.statusCode ?? 502, headers);
    res.flushHeaders();
    upstream.on('error', () => res.destroy());
    upstream.on('aborted', () => res.destroy());
    upstream.pipe(res);
  };

  const answerBadGateway = (res: ServerResponse) =>
    answerJson(
      res,
      502,
      errorBody('Bad gateway (injected by the fault proxy).', 'server_error', null),
    );

  const server = createServer((req, res) => {
    stats.requests += 1;
    stats.inFlight += 1;
    res.on('close', () => (stats.inFlight -= 1));
    const route = routeOf(req.method ?? 'GET', req.url ?? '/');
    const counts = (stats.routes[route] ??= { received: 0, forwarded: 0 });
    counts.received += 1;
    const kind = decide();
    stats.faults[kind] += 1;
    switch (kind) {
      case 'error500':
        req.resume();
        return answerJson(
          res,
          500,
          errorBody('The server had an error (injected by the fault proxy).', 'server_error', null),
        );
      case 'rateLimit429':
        req.resume();
        return answerJson(
          res,
          429,
          errorBody(
            'Rate limit reached (injected by the fault proxy).',
            'requests',
            'rate_limit_exceeded',
          ),
          { 'retry-after': retryAfter },
        );
      case 'reset':
        req.socket.destroy();
        return void res.destroy();
      case 'replace502':
        return forward(req, res, route, (upstream) => {
          upstream.resume();
          upstream.on('error', () => answerBadGateway(res));
          upstream.on('end', () => answerBadGateway(res));
        });
      case 'delay': {
        const ms = Math.round(delayMin + random() * (delayMax - delayMin));
        const timer = setTimeout(() => {
          timers.delete(timer);
          forward(req, res, route, pipeAnswer(res));
        }, ms);
        timers.add(timer);
        return;
      }
      case 'pass':
        return forward(req, res, route, pipeAnswer(res));
    }
  });
  /** Told once the last open connection closes. */
  const idlers: Array<() => void> = [];
  server.on('connection', (socket) => {
    sockets.add(socket);
    stats.openConnections += 1;
    socket.once('close', () => {
      sockets.delete(socket);
      stats.openConnections -= 1;
      if (sockets.size === 0) idlers.splice(0).forEach((idle) => idle());
    });
  });
  const port = await listenOnLoopback(server);
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    forwarded: (route) => stats.routes[route]?.forwarded ?? 0,
    idle: (withinMs) =>
      new Promise<boolean>((resolve) => {
        if (sockets.size === 0) return resolve(true);
        const giveUp = setTimeout(() => resolve(false), withinMs);
        idlers.push(() => {
          clearTimeout(giveUp);
          resolve(true);
        });
      }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        timers.forEach((timer) => clearTimeout(timer));
        timers.clear();
        sockets.forEach((socket) => socket.destroy());
        agent.destroy();
      })),
  };
}
