// A recording `fetch` for the official SDK: it keeps every request's headers
// and every response (status, headers, JSON body or Server-Sent Events), and
// checks each against the reference schema of its endpoint.
import { schemaErrors } from '../support/schema';

/** One Server-Sent Event as it came over the wire. */
export interface SseEvent {
  event: string;
  data: string;
}

/** One request of the SDK and the server's response. */
export interface Exchange {
  method: string;
  /** The path after `/v1`, such as `/threads/thread_abc/runs`. */
  path: string;
  query: URLSearchParams;
  requestHeaders: Headers;
  status: number;
  responseHeaders: Headers;
  /** The parsed JSON body, for a JSON response. */
  body?: unknown;
  /** The events, for an event stream. */
  events?: SseEvent[];
  /** Why the body could not be read or parsed, if it could not. */
  unreadable?: string;
}

const ID = '[^/]+';
/** The reference schema of each endpoint's 200 response, by method and path. */
const ROUTES: Array<[string, RegExp, string]> = [
  ['GET', /^\/assistants$/, 'ListAssistantsResponse'],
  ['POST', /^\/assistants$/, 'AssistantObject'],
  ['GET', new RegExp(`^/assistants/${ID}$`), 'AssistantObject'],
  ['POST', new RegExp(`^/assistants/${ID}$`), 'AssistantObject'],
  ['DELETE', new RegExp(`^/assistants/${ID}$`), 'DeleteAssistantResponse'],
  ['POST', /^\/threads$/, 'ThreadObject'],
  ['POST', /^\/threads\/runs$/, 'RunObject'],
  ['GET', new RegExp(`^/threads/${ID}$`), 'ThreadObject'],
  ['POST', new RegExp(`^/threads/${ID}$`), 'ThreadObject'],
  ['DELETE', new RegExp(`^/threads/${ID}$`), 'DeleteThreadResponse'],
  ['GET', new RegExp(`^/threads/${ID}/messages$`), 'ListMessagesResponse'],
  ['POST', new RegExp(`^/threads/${ID}/messages$`), 'MessageObject'],
  ['GET', new RegExp(`^/threads/${ID}/messages/${ID}$`), 'MessageObject'],
  ['POST', new RegExp(`^/threads/${ID}/messages/${ID}$`), 'MessageObject'],
  ['DELETE', new RegExp(`^/threads/${ID}/messages/${ID}$`), 'DeleteMessageResponse'],
  ['GET', new RegExp(`^/threads/${ID}/runs$`), 'ListRunsResponse'],
  ['POST', new RegExp(`^/threads/${ID}/runs$`), 'RunObject'],
  ['GET', new RegExp(`^/threads/${ID}/runs/${ID}$`), 'RunObject'],
  ['POST', new RegExp(`^/threads/${ID}/runs/${ID}$`), 'RunObject'],
  ['POST', new RegExp(`^/threads/${ID}/runs/${ID}/cancel$`), 'RunObject'],
  ['POST', new RegExp(`^/threads/${ID}/runs/${ID}/submit_tool_outputs$`), 'RunObject'],
  ['GET', new RegExp(`^/threads/${ID}/runs/${ID}/steps$`), 'ListRunStepsResponse'],
  ['GET', new RegExp(`^/threads/${ID}/runs/${ID}/steps/${ID}$`), 'RunStepObject'],
];

/** The reference schema of a successful response to `method path`, if the API has that endpoint. */
export function schemaOf(method: string, path: string): string | undefined {
  return ROUTES.find(([m, pattern]) => m === method && pattern.test(path))?.[2];
}

/** Parses a whole `text/event-stream` body into its events. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\n+/)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return events;
}

/** The schema violations of one exchange, each line prefixed with its request. */
export function exchangeErrors(exchange: Exchange): string[] {
  const where = `${exchange.method} ${exchange.path} (${exchange.status})`;
  if (exchange.unreadable) return [`${where}: ${exchange.unreadable}`];
  if (exchange.status >= 400) {
    return schemaErrors('ErrorResponse', exchange.body).map((e) => `${where}: ${e}`);
  }
  const schema = schemaOf(exchange.method, exchange.path);
  if (!schema) return [`${where}: no such endpoint in the reference`];
  if (exchange.events) {
    const errors: string[] = [];
    const last = exchange.events.at(-1);
    if (last?.event !== 'done' || last.data !== '[DONE]') {
      errors.push(`${where}: the stream does not end with event: done / data: [DONE]`);
    }
    exchange.events.forEach(({ event, data }, i) => {
      if (event === 'done') {
        errors.push(
          ...schemaErrors('DoneEvent', { event, data }).map((e) => `${where} #${i}: ${e}`),
        );
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        errors.push(`${where} #${i}: event ${event} has data that is not JSON: ${data}`);
        return;
      }
      const name = event === 'error' ? 'ErrorEvent' : 'AssistantStreamEvent';
      errors.push(
        ...schemaErrors(name, { event, data: parsed }).map((e) => `${where} #${i} ${event}: ${e}`),
      );
    });
    return errors;
  }
  return schemaErrors(schema, exchange.body).map((e) => `${where}: ${e}`);
}

/**
 * A `fetch` for `new OpenAI({ fetch })` that records every exchange. Bodies
 * are read from a clone, so the SDK reads its response as usual; call
 * `settled()` before looking at the bodies of streams.
 */
export function recordingFetch(base: typeof fetch = fetch) {
  const exchanges: Exchange[] = [];
  const reading: Array<Promise<void>> = [];
  const record = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const requestHeaders = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, name) => requestHeaders.set(name, value));
    const method = (
      init?.method ?? (input instanceof Request ? input.method : 'GET')
    ).toUpperCase();
    const response = await base(input, init);
    const exchange: Exchange = {
      method,
      path: url.pathname.replace(/^\/v1(?=\/)/, ''),
      query: url.searchParams,
      requestHeaders,
      status: response.status,
      responseHeaders: response.headers,
    };
    exchanges.push(exchange);
    const copy = response.clone();
    reading.push(
      copy.text().then(
        (text) => {
          const type = response.headers.get('content-type') ?? '';
          if (type.startsWith('text/event-stream')) {
            exchange.events = parseSse(text);
            return;
          }
          try {
            exchange.body = JSON.parse(text);
          } catch {
            exchange.unreadable = `a ${type || 'untyped'} body that is not JSON: ${text.slice(0, 200)}`;
          }
        },
        (error: unknown) => {
          exchange.unreadable = `the body could not be read: ${String(error)}`;
        },
      ),
    );
    return response;
  };
  return {
    fetch: record as typeof fetch,
    exchanges,
    /** Resolves when every body read so far is read to its end. */
    settled: async () => {
      for (let done = 0; done < reading.length;) {
        const end = reading.length;
        await Promise.all(reading.slice(done, end));
        done = end;
      }
    },
  };
}
