import type { Observable } from 'rxjs';
import {
  concat,
  concatMap,
  defer,
  EMPTY,
  finalize,
  forkJoin,
  from,
  map,
  of,
  takeWhile,
} from 'rxjs';
import type { RequestOptions, StreamingBackend } from '../backend/AssistantsBackend';
import { runEvent } from '../backend/runEvent';
import { isTerminalStatus } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run } from '../backend/types';
import { nothingSeen, snapshotEvents } from '../client/runEvents';
import type { Finders } from './finders';
import { requestOf, type IdempotencyKeys, type RequestParts } from './idempotency';
import type { RunEngine } from './RunEngine';
import type { AssistantsStore } from './storePort';
import type { ThreadsAndRuns } from './threadsAndRuns';
import { fieldsOf } from './validation';

/** What {@link runStreams} works with. */
export interface RunStreamsConfig {
  store: AssistantsStore;
  engine: RunEngine;
  keys: IdempotencyKeys;
  finders: Finders;
  writes: ThreadsAndRuns;
  /** Makes a run (as stored) execute here if no live process holds it. */
  takeUp(run: Run): Observable<boolean>;
}

/** How a run's event stream begins: its first events, and whether the engine's live events follow. */
interface StreamStart {
  threadId: string;
  runId: string;
  first: AssistantStreamEvent[];
  live: boolean;
}

/**
 * The streaming requests of the embedded runtime, in process: each streams
 * its run's events from the engine, deltas included, until the run ends or
 * asks for tool outputs. A repeated request (same `Idempotency-Key`) streams
 * the run the first one started: its stored state as a poller would see it,
 * then its live events if it is still going.
 *
 * ## Example
 *
 * ```ts
 * import type { StreamingBackend } from 'rx-assistants';
 *
 * declare const streaming: StreamingBackend;
 * streaming
 *   .createRun('thread_1', { assistant_id: 'asst_1' })
 *   .subscribe((event) => console.log(event.event)); // thread.run.created, thread.run.queued...
 * ```
 *
 * @param config The store, engine, idempotency keys, finders and writes of the runtime.
 * @returns The `streaming` part of the port.
 */
export function runStreams(config: RunStreamsConfig): StreamingBackend {
  const { store, engine, keys, writes } = config;
  const { thread, runOf } = config.finders;
  const all = { order: 'asc' } as const;

  const created = (run: Run): StreamStart => ({
    threadId: run.thread_id,
    runId: run.id,
    first: [runEvent('thread.run.created', run), runEvent('thread.run.queued', run)],
    live: true,
  });

  /**
   * The stream of a repeated streaming request: the events of the run's
   * stored state, as a poller would synthesise them, then its live events if
   * it has not ended nor stopped for tool outputs.
   */
  const replayed = ({ threadId, runId }: { threadId: string; runId: string }) =>
    forkJoin([runOf(threadId, runId), store.list('step', { parentId: runId, ...all })]).pipe(
      concatMap(([run, { data: steps }]) => {
        const ids = steps.flatMap(({ step_details: details }) =>
          details.type === 'message_creation' ? [details.message_creation.message_id] : [],
        );
        return forkJoin([of(undefined), ...ids.map((id) => store.get('message', id))]).pipe(
          map(([, ...found]): StreamStart => {
            const messages = new Map<string, Message>();
            for (const message of found) if (message) messages.set(message.id, message);
            const first = snapshotEvents(run, steps, messages, nothingSeen());
            const live = !isTerminalStatus(run.status) && run.status !== 'requires_action';
            return { threadId, runId, first, live };
          }),
        );
      }),
    );

  /**
   * A run's events from its creation (or a submit) until it ends or asks for
   * tool outputs. With a key, a repeat streams the run that the first request
   * started.
   */
  const writeStream = (
    options: RequestOptions | undefined,
    what: RequestParts,
    start: () => Observable<StreamStart>,
    withThread = false,
  ): Observable<AssistantStreamEvent> =>
    defer(() => {
      let fresh: StreamStart | undefined;
      const key = options?.idempotencyKey;
      const act = () =>
        start().pipe(
          map((started) => {
            fresh = started;
            return { threadId: started.threadId, runId: started.runId };
          }),
        );
      return keys.once(key, key ? requestOf(...what) : '', act).pipe(
        concatMap((kept) => {
          if (fresh) return of(fresh);
          return replayed(kept).pipe(
            concatMap((again) =>
              withThread
                ? thread(kept.threadId).pipe(
                    map((t) => ({
                      ...again,
                      first: [runEvent('thread.created', t), ...again.first],
                    })),
                  )
                : of(again),
            ),
          );
        }),
        concatMap((started) =>
          concat(from(started.first), started.live ? engine.events(started.runId) : EMPTY),
        ),
        takeWhile((event) => event.event !== 'thread.run.requires_action', true),
      );
    });

  return {
    createRun: (threadId, params, options) =>
      writeStream(options, ['streaming.createRun', threadId, params], () =>
        thread(threadId).pipe(
          concatMap(() => writes.refuseIfActive(threadId)),
          concatMap(() => writes.createRun(threadId, params)),
          map(created),
        ),
      ),
    createThreadAndRun: (params, options) =>
      writeStream(
        options,
        ['streaming.createThreadAndRun', params],
        () =>
          writes.createThreadAndRun(params).pipe(
            concatMap((run) => thread(run.thread_id).pipe(map((t) => ({ run, t })))),
            map(({ run, t }) => {
              const start = created(run);
              start.first.unshift(runEvent('thread.created', t));
              return start;
            }),
          ),
        true,
      ),
    submitToolOutputs: (threadId, runId, params, options) =>
      writeStream(options, ['streaming.submitToolOutputs', threadId, runId, params], () =>
        runOf(threadId, runId).pipe(
          concatMap((run) => config.takeUp(run).pipe(map(() => run))),
          concatMap((run) => {
            // The submit itself emits the first events: listen to them.
            const first: AssistantStreamEvent[] = [];
            const listening = engine.events(runId).subscribe((event) => first.push(event));
            return engine.submit(run, fieldsOf(params)['tool_outputs']).pipe(
              map((): StreamStart => ({ threadId, runId, first, live: true })),
              finalize(() => listening.unsubscribe()),
            );
          }),
        ),
      ),
  };
}
