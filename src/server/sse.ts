import type { ServerResponse } from 'node:http';
import { Subscription, type Observable } from 'rxjs';
import type { AssistantStreamEvent } from '../backend/types';
import { errorResponseOf, HttpError } from './errors';

/** The open event streams of one app, so that closing the server can end them. */
export interface StreamRegistry {
  /** Registers a stream's `end`; returns its unregistration. */
  add(end: () => void): () => void;
  /** Ends every open stream. */
  endAll(): void;
}

/** A new, empty {@link StreamRegistry}. */
export function streamRegistry(): StreamRegistry {
  const ends = new Set<() => void>();
  return {
    add: (end) => (ends.add(end), () => void ends.delete(end)),
    endAll: () => [...ends].forEach((end) => end()),
  };
}

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** How an event stream is tied to its request and its server. */
export interface SseContext {
  /** Aborts when the client goes away: the stream unsubscribes. */
  signal?: AbortSignal;
  registry: StreamRegistry;
  /** Told of an error that ended a stream after it began. */
  onError?: (error: unknown) => void;
}

/** Where an event stream's text goes: opened at its first event, then written, then ended. */
interface SseSink {
  open(): void;
  write(text: string): void;
  end(): void;
}

/**
 * Answers with `events$` as Server-Sent Events in the API's format: one
 * `event: <name>` / `data: <json>` per event, then `event: done` /
 * `data: [DONE]`. An error after the first event becomes `event: error` with
 * `data: {"error": {...}}`, and the stream closes.
 *
 * The Observable is subscribed at once. The promise resolves with the
 * response at the first event, or rejects with the error that came before
 * any event, so that it can be answered as a plain JSON error. The client
 * going away, or the registry ending every stream, unsubscribes.
 */
export function sseResponse(
  events$: Observable<AssistantStreamEvent>,
  context: SseContext,
  headers: Record<string, string> = {},
): Promise<Response> {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    // The client went away (node-server cancels the body when the socket closes).
    cancel: () => stop(),
  });
  const response = new Response(body, { status: 200, headers: { ...HEADERS, ...headers } });
  const sink: SseSink = {
    open: () => {},
    write: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
  const streaming = pipeEvents(events$, context, sink);
  stop = streaming.stop;
  return streaming.started.then(() => response);
}

/**
 * {@link sseResponse} written straight to Node's response: no web stream
 * between the events and the socket, and the events of one moment (a run's
 * creation, its end) leave in one write. Resolves once the first event is
 * written, or rejects with the error that came before any event (nothing
 * has been written then).
 */
export function sseToNode(
  events$: Observable<AssistantStreamEvent>,
  context: SseContext,
  response: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const streaming = pipeEvents(events$, context, {
    open: () => {
      response.writeHead(200, { ...HEADERS, ...headers });
      response.flushHeaders();
    },
    write: (text) => response.write(text),
    end: () => response.end(),
  });
  response.once('close', streaming.stop);
  return streaming.started;
}

/** Subscribes `events$` into `sink`; `started` settles at the first event or the first error. */
function pipeEvents(
  events$: Observable<AssistantStreamEvent>,
  context: SseContext,
  sink: SseSink,
): { started: Promise<void>; stop: () => void } {
  const subscription = new Subscription();
  let started = false;
  let ended = false;
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const start = new Promise<void>((yes, no) => ([resolve, reject] = [yes, no]));

  /** Stops without a word; a stream that had not begun settles as a closed request. */
  const stop = () => {
    if (!started) reject(new HttpError(499, 'The client closed the request.'));
    ended = true;
    subscription.unsubscribe();
    unregister();
    context.signal?.removeEventListener('abort', end);
  };
  /** Ends the stream from this side: the events ended, the client left or the server closes. */
  function end() {
    if (ended) return;
    if (!started) reject(new HttpError(503, 'The stream ended before it began.'));
    stop();
    if (started) sink.end();
  }
  const write = (name: string, data: string) => {
    if (ended) return;
    if (!started) {
      started = true;
      sink.open();
      resolve();
    }
    sink.write(`event: ${name}\ndata: ${data}\n\n`);
  };

  /** The server closes: a stream under way is told why before it ends. */
  const shutdown = () => {
    if (started && !ended) {
      const error = new HttpError(503, 'The server is shutting down.', { code: 'server_shutdown' });
      write('error', JSON.stringify(errorResponseOf(error).body));
    }
    end();
  };
  const unregister = context.registry.add(shutdown);
  context.signal?.addEventListener('abort', end, { once: true });
  if (context.signal?.aborted) {
    end();
    return { started: start, stop };
  }
  subscription.add(
    events$.subscribe({
      next: (event) => write(event.event, JSON.stringify(event.data)),
      error: (error: unknown) => {
        if (!started) {
          reject(error);
          stop();
          return;
        }
        context.onError?.(error);
        write('error', JSON.stringify(errorResponseOf(error).body));
        end();
      },
      complete: () => {
        write('done', '[DONE]');
        end();
      },
    }),
  );
  return { started: start, stop };
}
