import type OpenAI from 'openai';
import { asyncScheduler, concatMap, map, type Observable } from 'rxjs';
import type {
  AssistantsBackend,
  RunCreateParams,
  StepListParams,
  StepRetrieveParams,
  SubmitToolOutputsParams,
  ThreadCreateAndRunParams,
  MessageUpdateParams,
  RunUpdateParams,
} from '../backend/AssistantsBackend';
import { isAssistantsBackend, openaiBackend } from '../backend/openaiBackend';
import type {
  Assistant,
  AssistantCreateParams,
  AssistantDeleted,
  AssistantListParams,
  AssistantUpdateParams,
  Message,
  MessageCreateParams,
  MessageDeleted,
  MessageListParams,
  Run,
  RunListParams,
  RunStep,
  Thread,
  ThreadCreateParams,
  ThreadDeleted,
  ThreadUpdateParams,
} from '../backend/types';
import { paginate } from './paginate';
import { defaultPoll } from './PollPolicy';
import { pollRunEvents, type RunEvent } from './runEvents';
import { ThreadQueue } from './ThreadQueue';
import { RequestGate } from './RequestGate';
import { resilientBackend, type Resilience } from './resilientBackend';
import { resolveRetry } from './RetryPolicy';
import { watchMessages } from './watchMessages';
import { watchRun, type ResolvedWatchConfig, type WatchRunConfig } from './watchRun';
import { followRun, type FollowConfig } from './followRun';
import type {
  AskOptions,
  RunEventsConfig,
  RunOptions,
  RxAssistants,
  RxAssistantsConfig,
} from './types';

/** The newest run the client knows on each thread, for at most this many threads. */
const KNOWN_THREADS = 10_000;

function createClient(
  source: AssistantsBackend,
  backend: AssistantsBackend,
  config: RxAssistantsConfig,
): RxAssistants {
  const queue = new ThreadQueue();
  const clientScheduler = config.scheduler ?? asyncScheduler;
  const gate = new RequestGate(config.maxInFlight ?? 64, clientScheduler);
  const knownRuns = new Map<string, string>();
  const streaming = { refused: false };
  const resilience = (options: WatchRunConfig = {}, scheduler = clientScheduler): Resilience => ({
    retry: resolveRetry(
      config.retry === false ? { retries: 0 } : { ...config.retry, ...options.retry },
      scheduler,
    ),
    gate,
    rememberRun: (threadId, runId) => {
      knownRuns.delete(threadId);
      knownRuns.set(threadId, runId);
      if (knownRuns.size > KNOWN_THREADS) knownRuns.delete(knownRuns.keys().next().value!);
    },
    knownRun: (threadId) => knownRuns.get(threadId),
  });
  const requests = resilientBackend(backend, resilience());
  const resolve = (options: WatchRunConfig = {}): ResolvedWatchConfig => ({
    scheduler: options.scheduler ?? clientScheduler,
    poll: options.poll ?? config.poll ?? defaultPoll,
    timeout: options.timeout ?? config.timeout,
  });
  /** The settings and the backend of one watch or run: its reads retried without limit, on its scheduler. */
  const watcher = (options: WatchRunConfig = {}) => {
    const watch = resolve(options);
    const r = resilience(options, watch.scheduler);
    const reads = config.retry === false ? 0 : Infinity;
    return { watch, r, backend: resilientBackend(backend, r, reads) };
  };

  const follow = (options: RunOptions): FollowConfig => {
    const { watch, r, backend: watching } = watcher(options);
    return {
      backend: resilientBackend(backend, r),
      watching,
      resilience: r,
      watch,
      transport: options.transport ?? config.transport ?? 'poll',
      handlers: options.tools ?? {},
      onToolError: options.onToolError ?? config.onToolError ?? 'submit',
      cancelOnUnsubscribe: options.cancelOnUnsubscribe ?? config.cancelOnUnsubscribe ?? true,
      streaming,
    };
  };

  const run = (threadId: string, params: RunCreateParams, options: RunOptions = {}) =>
    queue.enqueue(threadId, (lock) => followRun(follow(options), threadId, params, lock));

  const ask = (
    assistantId: string,
    content: MessageCreateParams['content'],
    options: AskOptions = {},
  ): Observable<RunEvent> => {
    const message: MessageCreateParams = { ...options.message, role: 'user', content };
    const params: RunCreateParams = { ...options.run, assistant_id: assistantId };
    if (options.threadId === undefined) {
      return requests.threads
        .create({ messages: [message] })
        .pipe(concatMap((thread) => run(thread.id, params, options)));
    }
    const threadId = options.threadId;
    return queue.enqueue(threadId, (lock) =>
      requests.messages
        .create(threadId, message)
        .pipe(concatMap(() => followRun(follow(options), threadId, params, lock))),
    );
  };

  return {
    /** The port this client drives. */
    backend: source,
    assistants: {
      create: (params: AssistantCreateParams): Observable<Assistant> =>
        requests.assistants.create(params),
      retrieve: (assistantId: string): Observable<Assistant> =>
        requests.assistants.retrieve(assistantId),
      update: (assistantId: string, params: AssistantUpdateParams): Observable<Assistant> =>
        requests.assistants.update(assistantId, params),
      /** Each assistant, following every page. */
      list: (query: AssistantListParams = {}): Observable<Assistant> =>
        paginate((q) => requests.assistants.list(q), query),
      delete: (assistantId: string): Observable<AssistantDeleted> =>
        requests.assistants.delete(assistantId),
    },
    threads: {
      create: (params?: ThreadCreateParams): Observable<Thread> => requests.threads.create(params),
      retrieve: (threadId: string): Observable<Thread> => requests.threads.retrieve(threadId),
      update: (threadId: string, params: ThreadUpdateParams): Observable<Thread> =>
        requests.threads.update(threadId, params),
      delete: (threadId: string): Observable<ThreadDeleted> => requests.threads.delete(threadId),
      createAndRun: (params: ThreadCreateAndRunParams): Observable<Run> =>
        requests.threads.createAndRun(params),
    },
    messages: {
      create: (threadId: string, params: MessageCreateParams): Observable<Message> =>
        requests.messages.create(threadId, params),
      retrieve: (threadId: string, messageId: string): Observable<Message> =>
        requests.messages.retrieve(threadId, messageId),
      update: (
        threadId: string,
        messageId: string,
        params: MessageUpdateParams,
      ): Observable<Message> => requests.messages.update(threadId, messageId, params),
      delete: (threadId: string, messageId: string): Observable<MessageDeleted> =>
        requests.messages.delete(threadId, messageId),
      /** Each message, following every page. */
      list: (threadId: string, query: MessageListParams = {}): Observable<Message> =>
        paginate((q) => requests.messages.list(threadId, q), query),
      /** The thread's messages, then each new one as it appears, until unsubscribed. */
      watch: (threadId, options = {}) => {
        const { watch, backend: watching } = watcher(options);
        return watchMessages(watching, threadId, watch, options.after);
      },
    },
    runs: {
      create: (threadId: string, params: RunCreateParams): Observable<Run> =>
        requests.runs.create(threadId, params),
      retrieve: (threadId: string, runId: string): Observable<Run> =>
        requests.runs.retrieve(threadId, runId).pipe(map(({ run: snapshot }) => snapshot)),
      update: (threadId: string, runId: string, params: RunUpdateParams): Observable<Run> =>
        requests.runs.update(threadId, runId, params),
      /** Each run of the thread, following every page. */
      list: (threadId: string, query: RunListParams = {}): Observable<Run> =>
        paginate((q) => requests.runs.list(threadId, q), query),
      cancel: (threadId: string, runId: string): Observable<Run> =>
        requests.runs.cancel(threadId, runId),
      submitToolOutputs: (
        threadId: string,
        runId: string,
        params: SubmitToolOutputsParams,
      ): Observable<Run> => requests.runs.submitToolOutputs(threadId, runId, params),
      /** The status stream: each change of the run, until a terminal status. */
      watch: (threadId: string, runId: string, options?: WatchRunConfig): Observable<Run> => {
        const { watch, backend: watching } = watcher(options);
        return watchRun(watching, threadId, runId, watch);
      },
      /** The run's events, synthesised by polling, until the terminal run event. */
      events: (
        threadId: string,
        runId: string,
        options: RunEventsConfig = {},
      ): Observable<RunEvent> => {
        if ((options.transport ?? 'poll') === 'stream') {
          throw new TypeError(
            "runs.events cannot stream a run that exists already: the API streams a run only from its creation or a submit. Use transport 'poll' or 'auto', or run() or ask() to stream.",
          );
        }
        const { watch, backend: watching } = watcher(options);
        return pollRunEvents(watching, threadId, runId, watch);
      },
    },
    steps: {
      retrieve: (
        threadId: string,
        runId: string,
        stepId: string,
        query?: StepRetrieveParams,
      ): Observable<RunStep> => requests.steps.retrieve(threadId, runId, stepId, query),
      /** Each step of the run, following every page. */
      list: (threadId: string, runId: string, query: StepListParams = {}): Observable<RunStep> =>
        paginate((q) => requests.steps.list(threadId, runId, q), query),
    },
    run,
    ask,
  };
}

const isOpenAIClient = (source: unknown): source is OpenAI =>
  typeof (source as OpenAI | null)?.beta?.threads?.runs?.retrieve === 'function';

function invalidSource(source: unknown): never {
  throw new TypeError(
    `rxAssistants: the source must be an OpenAI client or an AssistantsBackend, got ${
      source === null ? 'null' : typeof source
    }`,
  );
}

/**
 * The reactive client: assistants, threads, messages, runs and run steps as
 * cold, cancellable, scheduler-aware Observables, over an `openai` client or
 * any {@link AssistantsBackend}.
 *
 * - Single resources (`create`, `retrieve`, ...) emit one value and complete.
 * - Lists (`list`) emit each item and follow every page.
 * - `runs.watch` is the status stream of a run; `runs.events` its event stream.
 * - `run` and `ask` create a run, stream its events, answer its tool calls,
 *   own it (cancel it when unsubscribed early) and end with a typed
 *   `RunError` when it does not complete. Runs on one thread are queued.
 *
 * ## Example
 *
 * ```ts
 * import { rxAssistants, replyText } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.assistants
 *   .create({ model: 'tutor', name: 'Math Tutor', instructions: 'You are a personal math tutor.' })
 *   .subscribe((assistant) =>
 *     rx.ask(assistant.id, 'Solve 3x + 11 = 14').pipe(replyText()).subscribe(console.log),
 *   );
 * ```
 *
 * @param source An `OpenAI` client (any Assistants-compatible server) or a requests.
 * @param config Client-wide defaults: scheduler, poll policy, deadline, tool-error policy.
 * @returns The client.
 */
export function rxAssistants(
  source: OpenAI | AssistantsBackend,
  config: RxAssistantsConfig = {},
): RxAssistants {
  const backend = isAssistantsBackend(source)
    ? source
    : isOpenAIClient(source)
      ? openaiBackend(source)
      : invalidSource(source);
  // The client retries requests itself: the SDK's own retries would multiply them.
  const port =
    isOpenAIClient(source) && config.retry !== false
      ? openaiBackend(source.withOptions({ maxRetries: 0 }))
      : backend;
  return createClient(backend, port, config);
}
