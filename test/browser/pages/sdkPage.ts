// The page script of the browser tests: the official SDK in a web page, as an
// application would use it against `rx-assistants serve --cors <its origin>`.
// Bundled by esbuild; the tests call `globalThis.sdkPage` with page.evaluate.
import OpenAI from 'openai';
import type { Message } from 'openai/resources/beta/threads/messages';

/** How a call failed, as the page saw it. */
export interface Failure {
  ok: false;
  /**
   * `connection`: no answer the page may read (refused by CORS, or no
   * server); `api`: an error answer of the API; `other`: anything else.
   */
  kind: 'connection' | 'api' | 'other';
  message: string;
  /** The HTTP status, when the page could read the answer. */
  status?: number;
  /** The API error's `code`, such as `host_not_allowed`. */
  code?: string | null;
}

/** A call's result, or how it failed (errors do not cross page.evaluate intact). */
export type Outcome<T> = ({ ok: true } & T) | Failure;

/** A finished run, as the page saw it. */
export interface RunResult {
  status: string;
  /** The assistant's reply. */
  text: string;
  /** The `x-request-id` of the assistant's creation, read through the SDK. */
  requestId: string | null | undefined;
}

const client = (baseURL: string, apiKey = 'unused') =>
  new OpenAI({ baseURL, apiKey, dangerouslyAllowBrowser: true, maxRetries: 0 });

function failureOf(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  // A fetch that CORS refuses fails as a TypeError, which the SDK wraps.
  if (error instanceof OpenAI.APIConnectionError || error instanceof TypeError) {
    return { ok: false, kind: 'connection', message };
  }
  if (error instanceof OpenAI.APIError) {
    return { ok: false, kind: 'api', message, status: error.status, code: error.code ?? null };
  }
  return { ok: false, kind: 'other', message };
}

async function attempt<T extends object>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, ...(await work()) };
  } catch (error) {
    return failureOf(error);
  }
}

const textOf = (messages: Message[]) =>
  messages
    .filter((message) => message.role === 'assistant')
    .flatMap((message) => message.content)
    .map((part) => (part.type === 'text' ? part.text.value : ''))
    .join('\n');

/** An assistant on the tutor, and a thread holding `question`. */
async function askOn(openai: OpenAI, question: string) {
  const assistant = await openai.beta.assistants.create({ model: 'tutor', name: 'Browser tutor' });
  const thread = await openai.beta.threads.create();
  await openai.beta.threads.messages.create(thread.id, { role: 'user', content: question });
  return { assistant, thread };
}

export const sdkPage = {
  /** Creates an assistant with the API key given; its id. */
  createAssistant: (baseURL: string, apiKey?: string) =>
    attempt(async () => {
      const assistant = await client(baseURL, apiKey).beta.assistants.create({ model: 'tutor' });
      return { id: assistant.id };
    }),

  /** Asks `question` in a streamed run: the run, and the name of every event in order. */
  streamingRun: (baseURL: string, question: string) =>
    attempt(async (): Promise<RunResult & { events: string[]; deltas: string }> => {
      const openai = client(baseURL);
      const { assistant, thread } = await askOn(openai, question);
      const stream = openai.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
      const events: string[] = [];
      let deltas = '';
      stream.on('textDelta', (delta) => (deltas += delta.value ?? ''));
      for await (const event of stream) events.push(event.event);
      const run = await stream.finalRun();
      const messages = await stream.finalMessages();
      return {
        status: run.status,
        text: textOf(messages),
        requestId: assistant._request_id,
        events,
        deltas,
      };
    }),

  /** Asks `question` in a polled run (`createAndPoll`): the run and the poll hint it read. */
  pollingRun: (baseURL: string, question: string) =>
    attempt(async (): Promise<RunResult & { pollAfterMs: string | null }> => {
      const openai = client(baseURL);
      const { assistant, thread } = await askOn(openai, question);
      const run = await openai.beta.threads.runs.createAndPoll(thread.id, {
        assistant_id: assistant.id,
      });
      const { response } = await openai.beta.threads.runs
        .retrieve(run.id, { thread_id: thread.id })
        .withResponse();
      const messages = await openai.beta.threads.messages.list(thread.id, { order: 'asc' });
      return {
        status: run.status,
        text: textOf(messages.data),
        requestId: assistant._request_id,
        pollAfterMs: response.headers.get('openai-poll-after-ms'),
      };
    }),

  /**
   * A cross-site "simple request" (no preflight): `POST text/plain` with
   * `mode: 'no-cors'`. The page only learns that it went out (an opaque answer).
   */
  postTextPlain: (url: string, body: string) =>
    attempt(async () => {
      const response = await fetch(url, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body,
      });
      return { type: response.type, status: response.status };
    }),

  /** A plain `fetch` of JSON, for same-origin requests whose answer the page may read. */
  fetchJson: (url: string, init: RequestInit = {}) =>
    attempt(async () => {
      const response = await fetch(url, init);
      return { status: response.status, body: (await response.json()) as unknown };
    }),
};

/** The page's API, as the tests see it on `globalThis`. */
export type SdkPage = typeof sdkPage;

(globalThis as typeof globalThis & { sdkPage: SdkPage }).sdkPage = sdkPage;
