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
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const encoder = new TextEncoder();
    const subscription = new Subscription();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let started = false;
    let ended = false;

    const stop = () => {
      ended = true;
      subscription.unsubscribe();
      unregister();
      context.signal?.removeEventListener('abort', end);
    };
    /** Ends the stream from this side: the events ended, the client left or the server closes. */
    function end() {
      if (ended) return;
      stop();
      if (started) controller.close();
      else reject(new HttpError(503, 'The stream ended before it began.'));
    }
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
      // The client went away (node-server cancels the body when the socket closes).
      cancel: () => stop(),
    });
    const write = (name: string, data: string) => {
      if (!started) {
        started = true;
        resolve(new Response(body, { status: 200, headers: HEADERS }));
      }
      if (!ended) controller.enqueue(encoder.encode(`event: ${name}\ndata: ${data}\n\n`));
    };

    /** The server closes: a stream under way is told why before it ends. */
    const shutdown = () => {
      if (started && !ended) {
        write(
          'error',
          JSON.stringify(
            errorResponseOf(
              new HttpError(503, 'The server is shutting down.', { code: 'server_shutdown' }),
            ).body,
          ),
        );
      }
      end();
    };
    const unregister = context.registry.add(shutdown);
    context.signal?.addEventListener('abort', end, { once: true });
    if (context.signal?.aborted) return end();
    subscription.add(
      events$.subscribe({
        next: (event) => write(event.event, JSON.stringify(event.data)),
        error: (error: unknown) => {
          if (!started) {
            stop();
            reject(error);
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
  });
}
