import {
  asyncScheduler,
  concat,
  EMPTY,
  from,
  Observable,
  type SchedulerLike,
  takeWhile,
} from 'rxjs';
import type { AssistantsBackend, Page, RequestOptions } from '../backend/AssistantsBackend';
import { isTerminalStatus } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run, Thread } from '../backend/types';
import { nothingSeen, snapshotEvents } from '../client/runEvents';
import { notFound, paginate } from '../internal/apiLists';
import { idempotencyKeys } from './idempotency';
import { randomId } from './ids';
import type { ModelAdapter } from './ModelAdapter';
import { tutorModel } from './models/tutorModel';
import type { Runtime } from './records';
import { RunEngine } from './RunEngine';
import { assistantFrom, messageFrom, runFrom, threadFrom } from './requests';
import { memoryStore, type AssistantsStore, type StoredKind } from './store';
import {
  enumField,
  fieldsOf,
  invalid,
  metadataField,
  numberField,
  stringField,
} from './validation';

/** Limits of the embedded runtime. */
export interface LocalLimits {
  /** How long after creation a run expires, in ms. Default 600 000 (10 minutes, as the API). */
  runExpiresAfter?: number;
  /**
   * How many `Idempotency-Key`s are remembered at most; past that, the oldest
   * is forgotten first. Default 10 000.
   */
  idempotencyKeys?: number;
  /** How long an `Idempotency-Key` is remembered after its first response, in ms. Default 86 400 000 (24 h). */
  idempotencyTtl?: number;
}

/** Configuration of {@link localBackend}. */
export interface LocalBackendConfig {
  /** The model of every run whose model name is not in `models`. Default {@link tutorModel}`()`. */
  model?: ModelAdapter;
  /** Models by the name a run (or its assistant) asks for, such as `{ 'gpt-4o': chatCompletionsModel(...) }`. */
  models?: Record<string, ModelAdapter>;
  /** The clock of every timestamp, delay and expiry. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Where objects are kept. Default {@link memoryStore}`()`. */
  store?: AssistantsStore;
  limits?: LocalLimits;
  /** Makes ids (for tests); the default is random and unguessable. */
  ids?: (prefix: string) => string;
}

/** One request: runs `handle` on subscribe, emits its result and completes (or errors). */
const request = <T>(handle: () => T): Observable<T> =>
  new Observable<T>((subscriber) => {
    let result: T;
    try {
      result = handle();
    } catch (error) {
      subscriber.error(error);
      return;
    }
    subscriber.next(result);
    subscriber.complete();
  });

const LIST_ORDER = ['asc', 'desc'] as const;

/** How a run's event stream begins: its first events, and whether the engine's live events follow. */
interface StreamStart {
  threadId: string;
  runId: string;
  first: AssistantStreamEvent[];
  live: boolean;
}

const threadCreated = (thread: Thread) =>
  ({ event: 'thread.created', data: thread }) as AssistantStreamEvent;

/** The request an `Idempotency-Key` stands for: its operation, path ids and params, as JSON text. */
const requestOf = (operation: string, ...args: unknown[]) => JSON.stringify([operation, ...args]);

function positiveLimit(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    const what = integer ? 'a positive integer' : 'a positive number of ms';
    throw new TypeError(`limits.${name} must be ${what}, got ${value}`);
  }
  return value;
}

/**
 * The embedded runtime: the Assistants API in process, with its exact
 * semantics (status machine, steps, `requires_action`, cancel, expiry,
 * pagination, errors), on a pluggable model. Offline by default, with the
 * deterministic {@link tutorModel}.
 *
 * It implements {@link AssistantsBackend}, so `rxAssistants(localBackend())`
 * works as it does over a server. Every time it reads comes from its
 * scheduler: under `TestScheduler.run()` the whole stack is deterministic in
 * virtual time.
 *
 * ## Example
 *
 * ```ts
 * import { concatMap } from 'rxjs';
 * import { rxAssistants, replyText } from 'rx-assistants';
 * import { localBackend } from 'rx-assistants/local';
 *
 * const rx = rxAssistants(localBackend());
 * rx.assistants
 *   .create({ model: 'tutor', name: 'Math Tutor' })
 *   .pipe(
 *     concatMap((tutor) => rx.ask(tutor.id, 'Solve 3x + 11 = 14')),
 *     replyText(),
 *   )
 *   .subscribe(console.log); // x = 1 ...
 * ```
 *
 * @param config The model(s), scheduler, store and limits; all optional.
 * @returns A backend for {@link rxAssistants} (or `serve()`).
 */
export function localBackend(config: LocalBackendConfig = {}): AssistantsBackend {
  const scheduler = config.scheduler ?? asyncScheduler;
  const store = config.store ?? memoryStore();
  const defaultModel = config.model ?? tutorModel();
  const limits = config.limits ?? {};
  const expiresAfter = positiveLimit('runExpiresAfter', limits.runExpiresAfter ?? 600_000);
  const keys = idempotencyKeys({
    maxKeys: positiveLimit('idempotencyKeys', limits.idempotencyKeys ?? 10_000, true),
    ttl: positiveLimit('idempotencyTtl', limits.idempotencyTtl ?? 86_400_000),
    now: () => scheduler.now(),
  });
  const runtime: Runtime = {
    store,
    now: () => Math.floor(scheduler.now() / 1000),
    newId: config.ids ?? randomId,
  };
  const engine = new RunEngine({
    runtime,
    scheduler,
    expiresAfter,
    modelFor: (run) => config.models?.[run.model] ?? defaultModel,
  });

  const find = <K extends StoredKind>(
    kind: K,
    id: unknown,
    param: string,
    label: string = kind,
  ) => {
    const record = typeof id === 'string' ? store.get(kind, id) : undefined;
    if (!record) throw notFound(label, String(id), param);
    return record;
  };
  const thread = (threadId: string) => find('thread', threadId, 'thread_id');
  const runOf = (threadId: string, runId: string) => {
    thread(threadId);
    const run = find('run', runId, 'run_id');
    if (run.thread_id !== threadId) throw notFound('run', runId, 'run_id');
    return run;
  };
  const refuseIfActive = (threadId: string) => {
    const active = engine.activeRunOf(threadId);
    if (active) {
      throw invalid('thread_id', `Thread ${threadId} already has an active run ${active}.`);
    }
  };
  const listPage = <T extends { id: string }>(items: T[], query: unknown): Page<T> => {
    const q = fieldsOf(query, 'query');
    const limit = numberField(q, 'limit', { integer: true, min: 1, max: 100 }) ?? undefined;
    const order = enumField(q, 'order', LIST_ORDER);
    const after = stringField(q, 'after', { optional: true }) ?? undefined;
    const before = stringField(q, 'before', { optional: true }) ?? undefined;
    return paginate(items, { limit, order, after, before });
  };

  const createThread = (body: unknown, param = ''): Thread => {
    const { thread: created, messages } = threadFrom(runtime, body, param);
    store.put('thread', created);
    for (const message of messages) store.put('message', message);
    return created;
  };

  const deleteThread = (threadId: string) => {
    engine.forget(threadId);
    for (const run of store.list('run', threadId)) {
      for (const step of store.list('step', run.id)) store.delete('step', step.id);
      store.delete('run', run.id);
    }
    for (const message of store.list('message', threadId)) store.delete('message', message.id);
    store.delete('thread', threadId);
  };

  const createRun = (threadId: string, body: unknown): Run => {
    const fields = fieldsOf(body);
    const assistant = find('assistant', stringField(fields, 'assistant_id'), 'assistant_id');
    const expiresAt = Math.floor((scheduler.now() + expiresAfter) / 1000);
    const { run, messages: extra } = runFrom(runtime, threadId, fields, assistant, expiresAt);
    // Every check is done: from here on, nothing fails.
    for (const message of extra) store.put('message', message);
    store.put('run', run);
    engine.start(run);
    return store.get('run', run.id)!;
  };

  /** A run's events from its creation (or a submit) until it ends or asks for tool outputs. */
  const runEvents = (start: () => StreamStart) =>
    new Observable<AssistantStreamEvent>((subscriber) => {
      let started: StreamStart;
      try {
        started = start();
      } catch (error) {
        subscriber.error(error);
        return;
      }
      const live = started.live ? engine.events(started.runId) : EMPTY;
      return concat(from(started.first), live)
        .pipe(takeWhile((event) => event.event !== 'thread.run.requires_action', true))
        .subscribe(subscriber);
    });
  const created = (run: Run): StreamStart => ({
    threadId: run.thread_id,
    runId: run.id,
    first: [
      { event: 'thread.run.created', data: run },
      { event: 'thread.run.queued', data: run },
    ],
    live: true,
  });

  /**
   * The stream of a repeated streaming request: the events of the run's
   * stored state, as a poller would synthesise them, then its live events if
   * it has not ended nor stopped for tool outputs.
   */
  const replayed = ({ threadId, runId }: { threadId: string; runId: string }): StreamStart => {
    const run = runOf(threadId, runId);
    const steps = store.list('step', runId);
    const messages = new Map<string, Message>();
    for (const { step_details: details } of steps) {
      if (details.type !== 'message_creation') continue;
      const message = store.get('message', details.message_creation.message_id);
      if (message) messages.set(message.id, message);
    }
    const first = snapshotEvents(run, steps, messages, nothingSeen());
    const live = !isTerminalStatus(run.status) && run.status !== 'requires_action';
    return { threadId, runId, first, live };
  };

  /** With a key, a repeat of the same request answers its first response instead of acting. */
  const write = <T>(options: RequestOptions | undefined, what: string, act: () => T) =>
    request(() => keys.once(options?.idempotencyKey, what, act));

  /** {@link write} for streams: a repeat streams the run that the first request started. */
  const writeStream = (
    options: RequestOptions | undefined,
    what: string,
    start: () => StreamStart,
    withThread = false,
  ) =>
    runEvents(() => {
      let fresh: StreamStart | undefined;
      const kept = keys.once(options?.idempotencyKey, what, () => {
        fresh = start();
        return { threadId: fresh.threadId, runId: fresh.runId };
      });
      if (fresh) return fresh;
      const again = replayed(kept);
      if (withThread) again.first.unshift(threadCreated(thread(kept.threadId)));
      return again;
    });

  const createThreadAndRun = (params: unknown): Run => {
    const fields = fieldsOf(params);
    find('assistant', stringField(fields, 'assistant_id'), 'assistant_id');
    const created = createThread(fields['thread'], 'thread.');
    const { thread: _thread, ...runFields } = fields;
    try {
      return createRun(created.id, runFields);
    } catch (error) {
      // A bad run parameter leaves no thread behind.
      deleteThread(created.id);
      throw error;
    }
  };

  return {
    assistants: {
      create: (params, options) =>
        write(options, requestOf('assistants.create', params), () =>
          save('assistant', assistantFrom(runtime, fieldsOf(params))),
        ),
      retrieve: (assistantId) => request(() => find('assistant', assistantId, 'assistant_id')),
      update: (assistantId, params, options) =>
        write(options, requestOf('assistants.update', assistantId, params), () =>
          save(
            'assistant',
            assistantFrom(
              runtime,
              fieldsOf(params),
              find('assistant', assistantId, 'assistant_id'),
            ),
          ),
        ),
      list: (query) => request(() => listPage(store.list('assistant'), query)),
      delete: (assistantId) =>
        request(() => {
          find('assistant', assistantId, 'assistant_id');
          store.delete('assistant', assistantId);
          return { id: assistantId, object: 'assistant.deleted' as const, deleted: true };
        }),
    },
    threads: {
      create: (params, options) =>
        write(options, requestOf('threads.create', params), () => createThread(params)),
      retrieve: (threadId) => request(() => thread(threadId)),
      update: (threadId, params, options) =>
        write(options, requestOf('threads.update', threadId, params), () => {
          const fields = fieldsOf(params);
          const base = thread(threadId);
          return save('thread', {
            ...base,
            metadata: metadataField(fields) ?? base.metadata,
            tool_resources:
              (fields['tool_resources'] as Thread['tool_resources']) ?? base.tool_resources,
          });
        }),
      delete: (threadId) =>
        request(() => {
          thread(threadId);
          deleteThread(threadId);
          return { id: threadId, object: 'thread.deleted' as const, deleted: true };
        }),
      createAndRun: (params, options) =>
        write(options, requestOf('threads.createAndRun', params), () => createThreadAndRun(params)),
    },
    messages: {
      create: (threadId, params, options) =>
        write(options, requestOf('messages.create', threadId, params), () => {
          thread(threadId);
          refuseIfActive(threadId);
          return save('message', messageFrom(runtime, threadId, params));
        }),
      retrieve: (threadId, messageId) => request(() => messageOf(threadId, messageId)),
      update: (threadId, messageId, params, options) =>
        write(options, requestOf('messages.update', threadId, messageId, params), () => {
          const base = messageOf(threadId, messageId);
          return save('message', {
            ...base,
            metadata: metadataField(fieldsOf(params)) ?? base.metadata,
          });
        }),
      list: (threadId, query) =>
        request(() => {
          thread(threadId);
          const runId = stringField(fieldsOf(query, 'query'), 'run_id', { optional: true });
          const all = store.list('message', threadId);
          return listPage(
            runId ? all.filter((m) => m.run_id === runId) : all,
            omit(query, 'run_id'),
          );
        }),
      delete: (threadId, messageId) =>
        request(() => {
          // The open message of an active run is the engine's until the run ends.
          if (messageOf(threadId, messageId).status === 'in_progress') {
            throw invalid('message_id', `Message ${messageId} is being written by an active run.`);
          }
          store.delete('message', messageId);
          return { id: messageId, object: 'thread.message.deleted' as const, deleted: true };
        }),
    },
    runs: {
      create: (threadId, params, options) =>
        write(options, requestOf('runs.create', threadId, params), () => {
          thread(threadId);
          refuseIfActive(threadId);
          return createRun(threadId, params);
        }),
      retrieve: (threadId, runId) => request(() => ({ run: runOf(threadId, runId) })),
      update: (threadId, runId, params, options) =>
        write(options, requestOf('runs.update', threadId, runId, params), () => {
          const base = runOf(threadId, runId);
          return save('run', {
            ...base,
            metadata: metadataField(fieldsOf(params)) ?? base.metadata,
          });
        }),
      list: (threadId, query) =>
        request(() => (thread(threadId), listPage(store.list('run', threadId), query))),
      cancel: (threadId, runId, options) =>
        write(
          options,
          requestOf('runs.cancel', threadId, runId),
          () => (runOf(threadId, runId), engine.cancel(runId)),
        ),
      submitToolOutputs: (threadId, runId, params, options) =>
        write(
          options,
          requestOf('runs.submitToolOutputs', threadId, runId, params),
          () => (runOf(threadId, runId), engine.submit(runId, fieldsOf(params)['tool_outputs'])),
        ),
    },
    streaming: {
      createRun: (threadId, params, options) =>
        writeStream(options, requestOf('streaming.createRun', threadId, params), () => {
          thread(threadId);
          refuseIfActive(threadId);
          return created(createRun(threadId, params));
        }),
      createThreadAndRun: (params, options) =>
        writeStream(
          options,
          requestOf('streaming.createThreadAndRun', params),
          () => {
            const start = created(createThreadAndRun(params));
            start.first.unshift(threadCreated(thread(start.threadId)));
            return start;
          },
          true,
        ),
      submitToolOutputs: (threadId, runId, params, options) =>
        writeStream(
          options,
          requestOf('streaming.submitToolOutputs', threadId, runId, params),
          () => {
            runOf(threadId, runId);
            // The submit itself emits the first events: listen to them.
            const first: AssistantStreamEvent[] = [];
            const listening = engine.events(runId).subscribe((event) => first.push(event));
            try {
              engine.submit(runId, fieldsOf(params)['tool_outputs']);
            } finally {
              listening.unsubscribe();
            }
            return { threadId, runId, first, live: true };
          },
        ),
    },
    steps: {
      retrieve: (threadId, runId, stepId) =>
        request(() => {
          runOf(threadId, runId);
          const step = find('step', stepId, 'step_id', 'run step');
          if (step.run_id !== runId) throw notFound('run step', stepId, 'step_id');
          return step;
        }),
      list: (threadId, runId, query) =>
        request(
          () => (
            runOf(threadId, runId),
            listPage(store.list('step', runId), omit(query, 'include'))
          ),
        ),
    },
  };

  function save<K extends StoredKind>(
    kind: K,
    record: Parameters<AssistantsStore['put']>[1] & { id: string },
  ) {
    store.put(kind, record as never);
    return record as never;
  }

  function messageOf(threadId: string, messageId: string): Message {
    thread(threadId);
    const message = find('message', messageId, 'message_id');
    if (message.thread_id !== threadId) throw notFound('message', messageId, 'message_id');
    return message;
  }
}

function omit(query: unknown, key: string): unknown {
  if (query === undefined || query === null || typeof query !== 'object') return query;
  const { [key]: _omitted, ...rest } = query as Record<string, unknown>;
  return rest;
}
