import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import { SseDecoder } from './SseDecoder';

const asIs = (error: unknown) => error;
const ignore = () => undefined;

/** The errors that the SDK's own reader raises, made with the client's classes. */
export interface EventStreamErrors {
  /** An `error` message's `error` object, as the SDK's `APIError`. */
  errorEvent(error: unknown, headers: Headers): unknown;
  /** A response without a body, as the SDK's `OpenAIError`. */
  noBody(): unknown;
}

/**
 * A cold Observable of the server-sent events of one streamed request of the
 * Assistants API, read from its raw `Response` as the SDK's `Stream` reads
 * them, without its layers of async generators: one call per subscription,
 * with its own `AbortController`; each message emitted as `{ event, data }`
 * with its data parsed as JSON, as it arrives.
 *
 * As in the SDK: a message whose data starts with `[DONE]` ends the events
 * (the body is still read to its end); a message whose event is not one of
 * `thread.*` and whose data has an `error` raises that as `errors.errorEvent`
 * makes it; data that is not JSON raises JSON's `SyntaxError`; a body that
 * ends mid-message completes without that message, and one whose read is
 * aborted completes too. The call's error, or the body's, is raised as
 * `onError` makes it. After an error, the body is cancelled.
 *
 * Unsubscribing aborts the call and cancels the body, and nothing is emitted
 * after that; a body read to its end, or failed, is not aborted.
 *
 * It reads with `then`, never `await`: a native `await` drops zone.js's
 * current zone (Angular's), so the events would arrive outside it.
 */
export function fromEventStream<T>(
  call: (signal: AbortSignal) => PromiseLike<Response>,
  errors: EventStreamErrors,
  onError: (error: unknown) => unknown = asIs,
): Observable<T> {
  return new Observable<T>((subscriber) =>
    new EventStreamReader(subscriber, errors, onError).start(call),
  );
}

/**
 * One subscription's reading: its callbacks are made once, not once per
 * chunk or event.
 */
class EventStreamReader<T> {
  private readonly controller = new AbortController();
  private readonly decoder = new SseDecoder((event, data) => this.message(event, data));
  private reader?: ReadableStreamDefaultReader<Uint8Array>;
  private headers?: Headers;
  /** The body has been read to its end, or failed: there is nothing to abort. */
  private ended = false;
  /** Unsubscribed: the signal's `aborted`, without reading the signal on every event. */
  private aborted = false;
  /** `[DONE]` was read: the messages after it are not told. */
  private done = false;
  private readonly onResponse = (response: Response) => this.open(response);
  private readonly onChunk = (result: ReadableStreamReadResult<Uint8Array>) => this.chunk(result);
  private readonly onFailure = (error: unknown) => this.fail(error);
  private readonly onReadFailure = (error: unknown) => this.readFailed(error);

  constructor(
    private readonly subscriber: Subscriber<T>,
    private readonly errors: EventStreamErrors,
    private readonly onError: (error: unknown) => unknown,
  ) {}

  start(call: (signal: AbortSignal) => PromiseLike<Response>): TeardownLogic {
    try {
      call(this.controller.signal).then(this.onResponse, this.onFailure);
    } catch (error) {
      this.fail(error);
    }
    return () => {
      this.aborted = true;
      if (this.ended) return;
      this.controller.abort();
      this.reader?.cancel().then(undefined, ignore);
    };
  }

  private open(response: Response): void {
    const body = response.body;
    if (this.aborted) {
      body?.cancel().then(undefined, ignore);
      return;
    }
    if (!body) return this.fail(this.errors.noBody());
    this.headers = response.headers;
    this.reader = body.getReader();
    this.read();
  }

  private read(): void {
    this.reader!.read().then(this.onChunk, this.onReadFailure);
  }

  private chunk(result: ReadableStreamReadResult<Uint8Array>): void {
    if (this.aborted) return;
    if (result.done) {
      this.ended = true;
      this.subscriber.complete();
      return;
    }
    try {
      this.decoder.write(result.value);
    } catch (error) {
      // Not the body's error: it is read no further.
      this.reader!.cancel().then(undefined, ignore);
      this.fail(error);
      return;
    }
    if (!this.aborted) this.read();
  }

  private message(event: string | null, data: string): void {
    if (this.done || this.aborted) return;
    if (data.startsWith('[DONE]')) {
      this.done = true;
      return;
    }
    const parsed = JSON.parse(data) as { error?: unknown } | null;
    if ((event === null || !event.startsWith('thread.')) && parsed && parsed.error) {
      throw this.errors.errorEvent(parsed.error, this.headers!);
    }
    this.subscriber.next({ event, data: parsed } as T);
  }

  private readFailed(error: unknown): void {
    if (this.aborted) return;
    // The SDK's reader ends quietly on an aborted read.
    if (isAbortError(error)) {
      this.ended = true;
      this.subscriber.complete();
      return;
    }
    this.fail(error);
  }

  private fail(error: unknown): void {
    this.ended = true;
    if (!this.aborted) this.subscriber.error(this.onError(error));
  }
}

/** An aborted fetch's error, as the SDK tells it. */
function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'AbortError' || String(message).includes('FetchRequestCanceledException');
}
