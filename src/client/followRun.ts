import {
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  finalize,
  ignoreElements,
  mergeMap,
  type Observable,
  of,
  Subject,
  tap,
  throwError,
} from 'rxjs';
import type { AssistantsBackend, RunCreateParams } from '../backend/AssistantsBackend';
import { isRunEvent, isTerminalStatus } from '../backend/runStatus';
import type { Run } from '../backend/types';
import { RxAssistantsError } from '../errors/RxAssistantsError';
import { throwOnRunFailure } from '../operators/throwOnRunFailure';
import {
  nothingSeen,
  pollRunEvents,
  recordEvent,
  type RunEvent,
  type SeenEvents,
} from './runEvents';
import type { QueueLock } from './ThreadQueue';
import {
  answerToolCalls,
  type ToolErrorPolicy,
  type ToolHandlers,
  type ToolOutput,
} from './toolCalls';
import { watchRun, type ResolvedWatchConfig } from './watchRun';

/**
 * How `run` and `ask` follow a run: `'poll'` synthesises its events by
 * polling; `'stream'` uses the backend's event stream (`stream: true`),
 * deltas included; `'auto'` streams where the backend can and falls back to
 * polling when the stream breaks mid-run.
 */
export type Transport = 'poll' | 'stream' | 'auto';

/**
 * A run's event stream ended before the run did (the connection dropped, or
 * the server closed the stream early), under `transport: 'stream'`. Under
 * `'auto'` the client polls instead of raising it.
 *
 * ## Example
 *
 * ```ts
 * import { StreamInterruptedError } from 'rx-assistants';
 *
 * const retryable = (error: unknown) => error instanceof StreamInterruptedError;
 * ```
 */
export class StreamInterruptedError extends RxAssistantsError {
  override name = 'StreamInterruptedError';
}

/** Everything `followRun` needs, resolved from the call's options and the client's config. */
export interface FollowConfig {
  backend: AssistantsBackend;
  watch: ResolvedWatchConfig;
  transport: Transport;
  handlers: ToolHandlers;
  onToolError: ToolErrorPolicy;
  cancelOnUnsubscribe: boolean;
}

/** An error the server answered (it has a status): a fallback would not help. */
const isApiError = (error: unknown) =>
  typeof (error as { status?: unknown } | null)?.status === 'number';

/**
 * Creates a run and follows it to its end: emits its events, answers its tool
 * calls, and owns it: unsubscribing before a terminal status cancels it (and
 * holds the thread's queue until the cancel has settled). A run that does not
 * complete ends the stream with its typed `RunError`.
 */
export function followRun(
  config: FollowConfig,
  threadId: string,
  params: RunCreateParams,
  lock: QueueLock,
): Observable<RunEvent> {
  const { backend, watch, transport } = config;
  return defer(() => {
    const aborter = new AbortController();
    const answered = new Set<string>();
    const seen = nothingSeen();
    let runId: string | undefined;
    let ended = false;

    /** The outputs of the calls not answered yet, or nothing. */
    const outputsFor = (run: Run): Observable<ToolOutput[]> => {
      const calls = run.required_action?.submit_tool_outputs.tool_calls ?? [];
      if (calls.length === 0 || calls.every((call) => answered.has(call.id))) return EMPTY;
      calls.forEach((call) => answered.add(call.id));
      return answerToolCalls(run, config.handlers, config.onToolError, aborter.signal);
    };

    const byPolling = (id: string, seed?: SeenEvents): Observable<RunEvent> => {
      const kick$ = new Subject<void>();
      const submit = (run: Run) =>
        outputsFor(run).pipe(
          concatMap((tool_outputs) =>
            backend.runs.submitToolOutputs(threadId, id, { tool_outputs }),
          ),
          tap(() => kick$.next()),
          ignoreElements(),
        );
      return pollRunEvents(backend, threadId, id, watch, kick$, seed).pipe(
        mergeMap((event) =>
          event.event === 'thread.run.requires_action'
            ? concat(of(event), submit(event.data))
            : of(event),
        ),
      );
    };

    /** One stream, then the next one after tool outputs, until the run ends. */
    const byStreaming = (events$: Observable<RunEvent>): Observable<RunEvent> =>
      defer(() => {
        let last: RunEvent | undefined;
        return concat(
          events$.pipe(tap((event) => (last = event))),
          defer(() => {
            if (last && isRunEvent(last) && isTerminalStatus(last.data.status)) return EMPTY;
            if (last?.event === 'thread.run.requires_action' && runId) {
              const id = runId;
              return outputsFor(last.data).pipe(
                concatMap((tool_outputs) =>
                  byStreaming(backend.streaming!.submitToolOutputs(threadId, id, { tool_outputs })),
                ),
              );
            }
            return throwError(
              () =>
                new StreamInterruptedError(
                  `The event stream of run ${runId ?? '(not created)'} ended before the run did`,
                ),
            );
          }),
        );
      });

    let events$: Observable<RunEvent>;
    if (transport === 'poll' || (transport === 'auto' && !backend.streaming)) {
      events$ = backend.runs.create(threadId, params).pipe(
        concatMap((run) => {
          runId = run.id;
          return byPolling(run.id);
        }),
      );
    } else if (!backend.streaming) {
      events$ = throwError(
        () => new TypeError("transport 'stream' needs a backend that can stream"),
      );
    } else {
      events$ = byStreaming(backend.streaming.createRun(threadId, params));
      if (transport === 'auto') {
        events$ = events$.pipe(
          catchError((error: unknown) =>
            runId && !isApiError(error) ? byPolling(runId, seen) : throwError(() => error),
          ),
        );
      }
    }

    return events$.pipe(
      tap((event) => {
        recordEvent(seen, event);
        if (!isRunEvent(event)) return;
        runId = event.data.id;
        if (isTerminalStatus(event.data.status)) ended = true;
      }),
      throwOnRunFailure(),
      finalize(() => {
        aborter.abort();
        if (ended || !config.cancelOnUnsubscribe || !runId) return;
        const id = runId;
        lock.releaseAfter(
          backend.runs.cancel(threadId, id).pipe(
            concatMap(() => watchRun(backend, threadId, id, { ...watch, timeout: undefined })),
            catchError(() => EMPTY),
          ),
        );
      }),
    );
  });
}
