import type { Observable } from 'rxjs';
import { concat, defer, EMPTY, from, takeWhile } from 'rxjs';
import type { RequestOptions, StreamingBackend } from '../backend/AssistantsBackend';
import { runEvent } from '../backend/runEvent';
import { isTerminalStatus } from '../backend/runStatus';
import type { AssistantStreamEvent, Message, Run } from '../backend/types';
import { nothingSeen, snapshotEvents } from '../client/runEvents';
import type { Finders } from './finders';
import { requestOf, type IdempotencyKeys, type RequestParts } from './idempotency';
import type { RunEngine } from './RunEngine';
import type { AssistantsStore } from './store';
import type { ThreadsAndRuns } from './threadsAndRuns';
import { fieldsOf } from './validation';

/** What {@link runStreams} works with. */
export interface RunStreamsConfig {
  store: AssistantsStore;
  engine: RunEngine;
  keys: IdempotencyKeys;
  finders: Finders;
  writes: ThreadsAndRuns;
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

  /** A run's events from its creation (or a submit) until it ends or asks for tool outputs. */
  const runEvents = (start: () => StreamStart): Observable<AssistantStreamEvent> =>
    defer(() => {
      const started = start();
      const live = started.live ? engine.events(started.runId) : EMPTY;
      return concat(from(started.first), live).pipe(
        takeWhile((event) => event.event !== 'thread.run.requires_action', true),
      );
    });

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

  /** With a key, a repeat streams the run that the first request started. */
  const writeStream = (
    options: RequestOptions | undefined,
    what: RequestParts,
    start: () => StreamStart,
    withThread = false,
  ) =>
    runEvents(() => {
      let fresh: StreamStart | undefined;
      const key = options?.idempotencyKey;
      const kept = keys.once(key, key ? requestOf(...what) : '', () => {
        fresh = start();
        return { threadId: fresh.threadId, runId: fresh.runId };
      });
      if (fresh) return fresh;
      const again = replayed(kept);
      if (withThread) again.first.unshift(runEvent('thread.created', thread(kept.threadId)));
      return again;
    });

  return {
    createRun: (threadId, params, options) =>
      writeStream(options, ['streaming.createRun', threadId, params], () => {
        thread(threadId);
        writes.refuseIfActive(threadId);
        return created(writes.createRun(threadId, params));
      }),
    createThreadAndRun: (params, options) =>
      writeStream(
        options,
        ['streaming.createThreadAndRun', params],
        () => {
          const start = created(writes.createThreadAndRun(params));
          start.first.unshift(runEvent('thread.created', thread(start.threadId)));
          return start;
        },
        true,
      ),
    submitToolOutputs: (threadId, runId, params, options) =>
      writeStream(options, ['streaming.submitToolOutputs', threadId, runId, params], () => {
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
      }),
  };
}
