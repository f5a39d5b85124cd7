import type { Observable, SchedulerLike } from 'rxjs';
import {
  catchError,
  concat,
  concatMap,
  defer,
  finalize,
  forkJoin,
  from,
  map,
  of,
  takeWhile,
} from 'rxjs';
import type { RequestOptions, StreamingBackend } from '../backend/AssistantsBackend';
import { runEvent } from '../backend/runEvent';
import type { AssistantStreamEvent, Message, Run } from '../backend/types';
import { type Held, holdFromNow } from '../internal/holdFromNow';
import type { Finders } from './finders';
import { requestOf, type IdempotencyKeys, type RequestParts } from './idempotency';
import type { RunEngine } from './RunEngine';
import { joinedEvents, type RunSnapshot } from './runJoin';
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
  /** When a repeated request looks again for text the store did not have yet. */
  scheduler: SchedulerLike;
}

/** How the stream of a run just created (or submitted to) begins: its first events, then the engine's. */
interface StreamStart {
  threadId: string;
  runId: string;
  first: AssistantStreamEvent[];
  /** The engine's events, held from the start: none is missed while the response is kept. */
  live: Held<AssistantStreamEvent>;
}

/**
 * The streaming requests of the embedded runtime, in process: each streams
 * its run's events from the engine, deltas included, until the run ends or
 * asks for tool outputs. A repeated request (same `Idempotency-Key`) streams
 * the run the first one started: its stored state as a poller would see it,
 * then its live events, also when another process that shares the store
 * executes it.
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
  const { store, engine, keys, writes, scheduler } = config;
  const { thread, runOf } = config.finders;
  const all = { order: 'asc' } as const;

  const created = (run: Run): StreamStart => ({
    threadId: run.thread_id,
    runId: run.id,
    first: [runEvent('thread.run.created', run), runEvent('thread.run.queued', run)],
    live: holdFromNow(engine.events(run.id)),
  });

  /**
   * The stream of a repeated streaming request: the run's stored state, as a
   * poller would see it, then its live events, wherever it executes (see
   * {@link joinedEvents}).
   */
  const replayed = (runId: string, snapshot$: Observable<RunSnapshot>) =>
    joinedEvents({
      live$: store.events ? store.events.listen(runId) : engine.live(runId),
      snapshot$,
      message: (id) => store.get('message', id),
      scheduler,
    });

  /** A run as stored, with its steps and their messages. */
  const snapshotOf = (threadId: string, runId: string): Observable<RunSnapshot> =>
    forkJoin([runOf(threadId, runId), store.list('step', { parentId: runId, ...all })]).pipe(
      concatMap(([run, { data: steps }]) => {
        const ids = steps.flatMap(({ step_details: details }) =>
          details.type === 'message_creation' ? [details.message_creation.message_id] : [],
        );
        return forkJoin([of(undefined), ...ids.map((id) => store.get('message', id))]).pipe(
          map(([, ...found]): RunSnapshot => {
            const messages = new Map<string, Message>();
            for (const message of found) if (message) messages.set(message.id, message);
            return { run, steps, messages };
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
          if (fresh) return concat(from(fresh.first), fresh.live.events$);
          const events = replayed(kept.runId, snapshotOf(kept.threadId, kept.runId));
          if (!withThread) return events;
          return thread(kept.threadId).pipe(
            concatMap((t) => concat(of(runEvent('thread.created', t)), events)),
          );
        }),
        takeWhile((event) => event.event !== 'thread.run.requires_action', true),
        finalize(() => fresh?.live.drop()),
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
            // The submit itself emits the first events: hold them.
            const live = holdFromNow(engine.events(runId));
            return engine.submit(run, fieldsOf(params)['tool_outputs']).pipe(
              map((): StreamStart => ({ threadId, runId, first: [], live })),
              catchError((error: unknown) => {
                live.drop();
                throw error;
              }),
            );
          }),
        ),
      ),
  };
}
