import { concatMap, defer, map, type Observable } from 'rxjs';
import type { RequestOptions } from '../backend/AssistantsBackend';
import type { Thread } from '../backend/types';
import { notFound } from '../internal/apiLists';
import { omit } from './finders';
import { requestOf, type RequestParts } from './idempotency';
import { type LocalBackend, type LocalBackendConfig, localRuntime } from './localRuntime';
import { assistantFrom, messageFrom } from './requests';
import { runStreams } from './runStreams';
import { putWrite, type StoredKind, type StoredRecords } from './storePort';
import { fieldsOf, invalid, metadataField, stringField } from './validation';

export type { LocalBackend, LocalBackendConfig } from './localRuntime';

/**
 * The embedded runtime: the Assistants API in process, with its exact
 * semantics (status machine, steps, `requires_action`, cancel, expiry,
 * pagination, errors), on a pluggable model. Offline by default, with the
 * deterministic {@link tutorModel}.
 *
 * It implements `AssistantsBackend`, so `rxAssistants(localBackend())`
 * works as it does over a server. Every time it reads comes from its
 * scheduler: under `TestScheduler.run()` the whole stack is deterministic in
 * virtual time. It returns a {@link LocalBackend}: its `close()` stops the
 * runs executed here and, on a store that processes share, hands their
 * leases back.
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
export function localBackend(config: LocalBackendConfig = {}): LocalBackend {
  const parts = localRuntime(config);
  const { store, runtime, keys, writes } = parts;
  const { find, thread, runOf, messageOf, page } = parts.finders;
  const { createThread, deleteThread, refuseIfActive } = writes;

  /** Stores `record`, then emits it. */
  const save = <K extends StoredKind>(kind: K, record: StoredRecords[K]) =>
    store.write([putWrite(kind, record)]).pipe(map(() => record));
  /** Deletes a record, then emits the API's answer for it. */
  const remove = <O extends string>(kind: StoredKind, id: string, object: O) =>
    store
      .write([{ op: 'delete', kind, id }])
      .pipe(map(() => ({ id, object, deleted: true as const })));

  /**
   * With a key, a repeat of the same request answers its first response
   * instead of acting. `what` (the operation and its arguments) is read only
   * with a key, once its depth is checked (a body nested too deep is a 400).
   */
  const write = <T>(
    options: RequestOptions | undefined,
    what: RequestParts,
    act: () => Observable<T>,
  ) =>
    defer(() => {
      const key = options?.idempotencyKey;
      return key ? keys.once(key, requestOf(...what), act) : act();
    });

  /** The thread's record, checked to exist and to have no run that has not ended. */
  const idleThread = (threadId: string) =>
    thread(threadId).pipe(concatMap(() => refuseIfActive(threadId)));

  return {
    close: parts.close,
    assistants: {
      create: (params, options) =>
        write(options, ['assistants.create', params], () =>
          defer(() => save('assistant', assistantFrom(runtime, fieldsOf(params)))),
        ),
      retrieve: (assistantId) => find('assistant', assistantId, 'assistant_id'),
      update: (assistantId, params, options) =>
        write(options, ['assistants.update', assistantId, params], () =>
          find('assistant', assistantId, 'assistant_id').pipe(
            concatMap((base) => save('assistant', assistantFrom(runtime, fieldsOf(params), base))),
          ),
        ),
      list: (query) => page('assistant', query),
      delete: (assistantId) =>
        find('assistant', assistantId, 'assistant_id').pipe(
          concatMap(() => remove('assistant', assistantId, 'assistant.deleted')),
        ),
    },
    threads: {
      create: (params, options) =>
        write(options, ['threads.create', params], () => createThread(params)),
      retrieve: (threadId) => thread(threadId),
      update: (threadId, params, options) =>
        write(options, ['threads.update', threadId, params], () =>
          thread(threadId).pipe(
            concatMap((base) => {
              const fields = fieldsOf(params);
              return save('thread', {
                ...base,
                metadata: metadataField(fields) ?? base.metadata,
                tool_resources:
                  (fields['tool_resources'] as Thread['tool_resources']) ?? base.tool_resources,
              });
            }),
          ),
        ),
      delete: (threadId) =>
        thread(threadId).pipe(
          concatMap(() => deleteThread(threadId)),
          map(() => ({ id: threadId, object: 'thread.deleted' as const, deleted: true as const })),
        ),
      createAndRun: (params, options) =>
        write(options, ['threads.createAndRun', params], () => writes.createThreadAndRun(params)),
    },
    messages: {
      create: (threadId, params, options) =>
        write(options, ['messages.create', threadId, params], () =>
          idleThread(threadId).pipe(
            concatMap(() => save('message', messageFrom(runtime, threadId, params))),
          ),
        ),
      retrieve: (threadId, messageId) => messageOf(threadId, messageId),
      update: (threadId, messageId, params, options) =>
        write(options, ['messages.update', threadId, messageId, params], () =>
          messageOf(threadId, messageId).pipe(
            concatMap((base) =>
              save('message', {
                ...base,
                metadata: metadataField(fieldsOf(params)) ?? base.metadata,
              }),
            ),
          ),
        ),
      list: (threadId, query) =>
        thread(threadId).pipe(
          concatMap(() => {
            const runId = stringField(fieldsOf(query, 'query'), 'run_id', { optional: true });
            return page('message', omit(query, 'run_id'), {
              parentId: threadId,
              ...(runId && { runId }),
            });
          }),
        ),
      delete: (threadId, messageId) =>
        messageOf(threadId, messageId).pipe(
          concatMap((message) => {
            // The open message of an active run is the engine's until the run ends.
            if (message.status === 'in_progress') {
              throw invalid(
                'message_id',
                `Message ${messageId} is being written by an active run.`,
              );
            }
            return remove('message', messageId, 'thread.message.deleted');
          }),
        ),
    },
    runs: {
      create: (threadId, params, options) =>
        write(options, ['runs.create', threadId, params], () =>
          idleThread(threadId).pipe(concatMap(() => writes.createRun(threadId, params))),
        ),
      retrieve: (threadId, runId) => runOf(threadId, runId).pipe(map((run) => ({ run }))),
      update: (threadId, runId, params, options) =>
        write(options, ['runs.update', threadId, runId, params], () =>
          runOf(threadId, runId).pipe(
            concatMap((base) =>
              save('run', { ...base, metadata: metadataField(fieldsOf(params)) ?? base.metadata }),
            ),
          ),
        ),
      list: (threadId, query) =>
        thread(threadId).pipe(concatMap(() => page('run', query, { parentId: threadId }))),
      cancel: (threadId, runId, options) =>
        write(options, ['runs.cancel', threadId, runId], () =>
          runOf(threadId, runId).pipe(concatMap((run) => parts.cancel(run))),
        ),
      submitToolOutputs: (threadId, runId, params, options) =>
        write(options, ['runs.submitToolOutputs', threadId, runId, params], () =>
          runOf(threadId, runId).pipe(
            concatMap((run) => parts.submit(run, fieldsOf(params)['tool_outputs'])),
          ),
        ),
    },
    streaming: runStreams({ ...parts, finders: parts.finders }),
    steps: {
      retrieve: (threadId, runId, stepId) =>
        runOf(threadId, runId).pipe(
          concatMap(() => find('step', stepId, 'step_id', 'run step')),
          map((step) => {
            if (step.run_id !== runId) throw notFound('run step', stepId, 'step_id');
            return step;
          }),
        ),
      list: (threadId, runId, query) =>
        runOf(threadId, runId).pipe(
          concatMap(() => page('step', omit(query, 'include'), { parentId: runId })),
        ),
    },
  };
}
