import { asyncScheduler, defer, type Observable, of, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend, RequestOptions } from '../backend/AssistantsBackend';
import type { Thread } from '../backend/types';
import { notFound } from '../internal/apiLists';
import { finders, omit } from './finders';
import { idempotencyKeys, requestOf, type RequestParts } from './idempotency';
import { randomId } from './ids';
import { limitsOf, type LocalLimits } from './limits';
import type { ModelAdapter } from './ModelAdapter';
import { tutorModel } from './models/tutorModel';
import type { Runtime } from './records';
import { assistantFrom, messageFrom } from './requests';
import { RunEngine } from './RunEngine';
import type { RunTiming } from './RunStatusMachine';
import { runStreams } from './runStreams';
import { memoryStore, type AssistantsStore, type StoredKind, type StoredRecords } from './store';
import { threadsAndRuns } from './threadsAndRuns';
import { fieldsOf, invalid, metadataField, stringField } from './validation';

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
  /** How long runs wait in `queued` and `cancelling`, and when they expire. Default: no waits. */
  timing?: RunTiming;
}

/** One request: runs `handle` on subscribe, emits its result and completes (or errors). */
const request = <T>(handle: () => T): Observable<T> => defer(() => of(handle()));

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
 * @returns A backend for `rxAssistants` (or `serve()`).
 */
export function localBackend(config: LocalBackendConfig = {}): AssistantsBackend {
  const scheduler = config.scheduler ?? asyncScheduler;
  const store = config.store ?? memoryStore();
  const defaultModel = config.model ?? tutorModel();
  const limits = limitsOf(config.limits);
  const expiresAfter = limits.runExpiresAfter;
  const keys = idempotencyKeys({
    maxKeys: limits.idempotencyKeys,
    ttl: limits.idempotencyTtl,
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
    ...(config.timing && { timing: config.timing }),
  });
  const found = finders(store);
  const { find, thread, runOf, messageOf, listPage } = found;
  const writes = threadsAndRuns({ runtime, scheduler, engine, finders: found, expiresAfter });
  const { createThread, deleteThread, refuseIfActive } = writes;

  const save = <K extends StoredKind>(kind: K, record: StoredRecords[K]): StoredRecords[K] => {
    store.put(kind, record);
    return record;
  };

  /**
   * With a key, a repeat of the same request answers its first response
   * instead of acting. `what` (the operation and its arguments) is read only
   * with a key, once its depth is checked (a body nested too deep is a 400).
   */
  const write = <T>(options: RequestOptions | undefined, what: RequestParts, act: () => T) =>
    request(() => {
      const key = options?.idempotencyKey;
      return key ? keys.once(key, requestOf(...what), act) : act();
    });

  return {
    assistants: {
      create: (params, options) =>
        write(options, ['assistants.create', params], () =>
          save('assistant', assistantFrom(runtime, fieldsOf(params))),
        ),
      retrieve: (assistantId) => request(() => find('assistant', assistantId, 'assistant_id')),
      update: (assistantId, params, options) =>
        write(options, ['assistants.update', assistantId, params], () =>
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
        write(options, ['threads.create', params], () => createThread(params)),
      retrieve: (threadId) => request(() => thread(threadId)),
      update: (threadId, params, options) =>
        write(options, ['threads.update', threadId, params], () => {
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
        write(options, ['threads.createAndRun', params], () => writes.createThreadAndRun(params)),
    },
    messages: {
      create: (threadId, params, options) =>
        write(options, ['messages.create', threadId, params], () => {
          thread(threadId);
          refuseIfActive(threadId);
          return save('message', messageFrom(runtime, threadId, params));
        }),
      retrieve: (threadId, messageId) => request(() => messageOf(threadId, messageId)),
      update: (threadId, messageId, params, options) =>
        write(options, ['messages.update', threadId, messageId, params], () => {
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
        write(options, ['runs.create', threadId, params], () => {
          thread(threadId);
          refuseIfActive(threadId);
          return writes.createRun(threadId, params);
        }),
      retrieve: (threadId, runId) => request(() => ({ run: runOf(threadId, runId) })),
      update: (threadId, runId, params, options) =>
        write(options, ['runs.update', threadId, runId, params], () => {
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
          ['runs.cancel', threadId, runId],
          () => (runOf(threadId, runId), engine.cancel(runId)),
        ),
      submitToolOutputs: (threadId, runId, params, options) =>
        write(
          options,
          ['runs.submitToolOutputs', threadId, runId, params],
          () => (runOf(threadId, runId), engine.submit(runId, fieldsOf(params)['tool_outputs'])),
        ),
    },
    streaming: runStreams({ store, engine, keys, finders: found, writes }),
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
}
