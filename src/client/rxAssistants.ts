import type OpenAI from 'openai';
import {
  AsyncSubject,
  asyncScheduler,
  catchError,
  concatMap,
  defer,
  finalize,
  map,
  type Observable,
  of,
  throwError,
} from 'rxjs';
import type { AssistantsBackend, RunCreateParams } from '../backend/AssistantsBackend';
import { isAssistantsBackend, openaiBackend } from '../backend/openaiBackend';
import type { MessageCreateParams } from '../backend/types';
import { paginate } from './paginate';
import { defaultPoll } from './PollPolicy';
import { pollRunEvents, type RunEvent } from './runEvents';
import { ThreadQueue, type QueueLock } from './ThreadQueue';
import { RequestGate } from './RequestGate';
import { resilientBackend, type Resilience } from './resilientBackend';
import { resolveRetry, statusOf } from './RetryPolicy';
import { watchMessages } from './watchMessages';
import { watchRun, type ResolvedWatchConfig, type WatchRunConfig } from './watchRun';
import type { FollowConfig } from './followConfig';
import { followRun } from './followRun';
import type { RunOptions, RxAssistants, RxAssistantsConfig } from './types';

/** The newest run the client knows on each thread, for at most this many threads. */
const KNOWN_THREADS = 10_000;

/** A server without `POST /threads/runs` (404 on the route itself, 405, 501), not an unknown id. */
const lacksCreateAndRun = (error: unknown) =>
  [404, 405, 501].includes(statusOf(error) ?? 0) &&
  !/found with id/i.test(String((error as Error).message));

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
  const createAndRun = { refused: false };
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
  const clientResilience = resilience();
  const requests = resilientBackend(backend, clientResilience);
  let clientWatching: AssistantsBackend | undefined;
  /** A watch's reads are retried without limit (unless the client never retries). */
  const watchReads = config.retry === false ? 0 : Infinity;
  // The client's request layers serve every call that keeps its retries and
  // scheduler; a call that changes either has layers of its own.
  const requestsWith = (r: Resilience) =>
    r === clientResilience ? requests : resilientBackend(backend, r);
  const watchingWith = (r: Resilience) =>
    r === clientResilience
      ? (clientWatching ??= resilientBackend(backend, r, watchReads))
      : resilientBackend(backend, r, watchReads);
  const resolve = (options: WatchRunConfig = {}): ResolvedWatchConfig => ({
    scheduler: options.scheduler ?? clientScheduler,
    poll: options.poll ?? config.poll ?? defaultPoll,
    timeout: options.timeout ?? config.timeout,
  });
  /** The settings and the resilience of one watch or run, on its scheduler. */
  const watcher = (options: WatchRunConfig = {}) => {
    const watch = resolve(options);
    const own = options.retry !== undefined || options.scheduler !== undefined;
    return { watch, r: own ? resilience(options, watch.scheduler) : clientResilience };
  };

  let followDefaults: FollowConfig | undefined;
  /** The settings of one run: the client's own, made once, for a run without options. */
  const follow = (options: RunOptions): FollowConfig =>
    Object.values(options).every((value) => value === undefined)
      ? (followDefaults ??= followWith({}))
      : followWith(options);
  const followWith = (options: RunOptions): FollowConfig => {
    const { watch, r } = watcher(options);
    return {
      backend: requestsWith(r),
      watching: watchingWith(r),
      resilience: r,
      watch,
      transport: options.transport ?? config.transport ?? 'auto',
      handlers: options.tools ?? {},
      onToolError: options.onToolError ?? config.onToolError ?? 'submit',
      cancelOnUnsubscribe: options.cancelOnUnsubscribe ?? config.cancelOnUnsubscribe ?? true,
      streaming,
    };
  };

  const run: RxAssistants['run'] = (threadId, params, options = {}) =>
    queue.enqueue(threadId, (lock) => followRun(follow(options), threadId, params, lock));

  /**
   * `ask` on a new thread: one `threads.createAndRun`, so that a run refused
   * (an unknown assistant, a bad parameter) leaves no thread behind. The run
   * holds the new thread's queue from the moment its id is known. Run
   * parameters that `createAndRun` does not take, and servers without it, go
   * through `threads.create` and `run`, as before.
   */
  const askOnNewThread = (
    message: MessageCreateParams,
    params: RunCreateParams,
    options: RunOptions,
  ): Observable<RunEvent> => {
    const { additional_messages, ...rest } = params;
    const inTwoSteps$ = requests.threads
      .create({ messages: [message] })
      .pipe(concatMap((thread) => run(thread.id, params, options)));
    const { additional_instructions: more, include, reasoning_effort: effort } = rest;
    const twoSteps = [more, include, effort].some((v) => v != null);
    return defer(() => {
      if (twoSteps || createAndRun.refused) return inTwoSteps$;
      let claimed = false;
      const held = new AsyncSubject<void>();
      let settle$: Observable<unknown> = of(undefined);
      const lock: QueueLock = { releaseAfter: (work$) => (settle$ = work$) };
      const release = () => held.complete();
      const thread = { messages: [message, ...(additional_messages ?? [])] };
      return followRun(follow(options), '', rest, lock, {
        thread,
        claim: (threadId) => {
          claimed = true;
          queue.enqueue(threadId, () => held).subscribe();
        },
      }).pipe(
        finalize(() => settle$.subscribe({ complete: release, error: release })),
        catchError((error: unknown) => {
          if (claimed || !lacksCreateAndRun(error)) return throwError(() => error);
          createAndRun.refused = true;
          return inTwoSteps$;
        }),
      );
    });
  };

  const ask: RxAssistants['ask'] = (assistantId, content, options = {}) => {
    const message: MessageCreateParams = { ...options.message, role: 'user', content };
    const params: RunCreateParams = { ...options.run, assistant_id: assistantId };
    if (options.threadId === undefined) return askOnNewThread(message, params, options);
    const threadId = options.threadId;
    return queue.enqueue(threadId, (lock) =>
      requests.messages
        .create(threadId, message)
        .pipe(concatMap(() => followRun(follow(options), threadId, params, lock))),
    );
  };

  // The port's methods as they are, but lists (every page) and runs.retrieve (the run).
  return {
    backend: source,
    assistants: {
      ...requests.assistants,
      list: (query = {}) => paginate((q) => requests.assistants.list(q), query),
    },
    threads: { ...requests.threads },
    messages: {
      ...requests.messages,
      list: (threadId, query = {}) => paginate((q) => requests.messages.list(threadId, q), query),
      watch: (threadId, options = {}) => {
        const { watch, r } = watcher(options);
        return watchMessages(watchingWith(r), threadId, watch, options.after);
      },
    },
    runs: {
      ...requests.runs,
      retrieve: (threadId, runId) =>
        requests.runs.retrieve(threadId, runId).pipe(map(({ run: snapshot }) => snapshot)),
      list: (threadId, query = {}) => paginate((q) => requests.runs.list(threadId, q), query),
      watch: (threadId, runId, options) => {
        const { watch, r } = watcher(options);
        const justCreated = knownRuns.get(threadId) === runId;
        return watchRun(watchingWith(r), threadId, runId, { ...watch, justCreated });
      },
      events: (threadId, runId, options) => {
        const { watch, r } = watcher(options);
        const justCreated = knownRuns.get(threadId) === runId;
        return pollRunEvents(watchingWith(r), threadId, runId, { ...watch, justCreated });
      },
    },
    steps: {
      ...requests.steps,
      list: (threadId, runId, query = {}) =>
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
 * @param source An `OpenAI` client (any Assistants-compatible server) or an {@link AssistantsBackend}.
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
