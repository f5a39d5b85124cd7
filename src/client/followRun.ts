import {
  catchError,
  concat,
  concatMap,
  defaultIfEmpty,
  defer,
  EMPTY,
  finalize,
  ignoreElements,
  map,
  mergeMap,
  type Observable,
  of,
  Subject,
  tap,
  throwError,
} from 'rxjs';
import type { RunCreateParams } from '../backend/AssistantsBackend';
import { isRunEvent, terminalRunOf } from '../backend/runStatus';
import type { Run } from '../backend/types';
import { RunTimeoutError } from '../errors/RunTimeoutError';
import { StreamInterruptedError } from '../errors/StreamInterruptedError';
import { andThen } from '../internal/andThen';
import { deadline } from '../internal/deadline';
import { mapThrowingOnRunFailure } from '../operators/throwOnRunFailure';
import type { FollowConfig, NewThread } from './followConfig';
import { lostRun, submitTookEffect } from './reconcile';
import { refusesStreaming } from './RetryPolicy';
import {
  nothingSeen,
  pollRunEvents,
  recordEvent,
  withNamedStatus,
  type RunEvent,
} from './runEvents';
import { streamRequest } from './streamRequest';
import type { QueueLock } from './ThreadQueue';
import type { ToolOutput } from './toolCalls';
import { ToolAnswers } from './ToolAnswers';
import { watchRun } from './watchRun';

/**
 * Creates a run (with a new thread when `newThread` is given: `onThread` is
 * then unused) and follows it to its end: emits its events, answers its tool
 * calls, and owns it: unsubscribing before a terminal status cancels it (and
 * holds the thread's queue until the cancel has settled). A run that does not
 * complete ends the stream with its typed `RunError`. Requests are resilient
 * (see `resilientBackend`); `timeout` is one deadline for the whole run,
 * whatever the transport and its fallbacks.
 */
export function followRun(
  config: FollowConfig,
  onThread: string,
  params: RunCreateParams,
  lock: QueueLock,
  newThread?: NewThread,
): Observable<RunEvent> {
  const { backend, watching, resilience, watch } = config;
  const streaming = backend.streaming;
  const transport =
    config.transport === 'auto' && (!streaming || config.streaming.refused)
      ? 'poll'
      : config.transport;
  return defer(() => {
    const seen = nothingSeen();
    let toolAnswers: ToolAnswers | undefined;
    /** The run's tool outputs, kept from the first time it asks for some. */
    const answers = () => (toolAnswers ??= new ToolAnswers(config.handlers, config.onToolError));
    let runId: string | undefined;
    let ended = false;
    let threadId = newThread ? '' : onThread;
    const created = (id: string) => {
      if (!newThread || threadId === id) return;
      threadId = id;
      newThread.claim(id);
    };

    /** Polls the run from what was seen, submitting outputs on `requires_action`. */
    const byPolling = (id: string, justCreated = false): Observable<RunEvent> =>
      defer(() => {
        const kick$ = new Subject<void>();
        const submit = (run: Run) =>
          answers()
            .for(run)
            .pipe(
              concatMap((tool_outputs) =>
                backend.runs
                  .submitToolOutputs(threadId, id, { tool_outputs })
                  .pipe(tap(() => answers().confirm(tool_outputs))),
              ),
              tap(() => kick$.next()),
              ignoreElements(),
            );
        // Outputs a broken stream did not deliver are submitted again first.
        const pending = seen.run?.status === 'requires_action' ? submit(seen.run) : EMPTY;
        const events$ = pollRunEvents(
          watching,
          threadId,
          id,
          { ...watch, timeout: undefined, justCreated },
          kick$,
          seen,
        ).pipe(
          mergeMap((event) =>
            event.event === 'thread.run.requires_action'
              ? concat(of(event), submit(event.data))
              : of(event),
          ),
        );
        return concat(pending, events$);
      });

    const interrupted = (cause: unknown) => new StreamInterruptedError({ threadId, runId, cause });

    /** One stream, then the stream of each submit, until the run ends. */
    const byStreaming = (events$: Observable<RunEvent>): Observable<RunEvent> =>
      events$.pipe(
        andThen((last) => {
          if (last && terminalRunOf(last)) return EMPTY;
          if (last?.event === 'thread.run.requires_action' && runId) {
            const id = runId;
            return answers()
              .for(last.data)
              .pipe(
                map((toolOutputs) => byStreaming(submitStream(id, toolOutputs))),
                defaultIfEmpty(byPolling(id)),
                concatMap((next$) => next$),
              );
          }
          return throwError(() => interrupted(undefined));
        }),
      );

    const submitStream = (id: string, toolOutputs: ToolOutput[]) =>
      streamRequest(
        resilience,
        (options) =>
          streaming!.submitToolOutputs(threadId, id, { tool_outputs: toolOutputs }, options),
        () =>
          backend.runs.retrieve(threadId, id).pipe(
            map(({ run }) => {
              if (!submitTookEffect(run, { tool_outputs: toolOutputs })) return undefined;
              answers().confirm(toolOutputs);
              return byPolling(id);
            }),
          ),
        interrupted,
      ).pipe(tap({ next: () => answers().confirm(toolOutputs) }));

    /** A run created by an attempt whose answer was lost, followed by polling. */
    const adopted = (startedAt: number) =>
      lostRun(backend.runs, threadId, {
        assistantId: params.assistant_id,
        startedAt,
        known: resilience.knownRun(threadId),
      }).pipe(
        map((run) => {
          if (!run) return undefined;
          runId = run.id;
          resilience.rememberRun(threadId, run.id);
          return byPolling(run.id);
        }),
      );

    /** The run created without a stream, then polled. */
    const polled = () =>
      (newThread
        ? backend.threads.createAndRun({ ...params, thread: newThread.thread })
        : backend.runs.create(threadId, params)
      ).pipe(
        concatMap((run) => {
          created(run.thread_id);
          runId = run.id;
          return byPolling(run.id, true);
        }),
      );
    let events$: Observable<RunEvent>;
    if (transport === 'poll') {
      events$ = polled();
    } else if (!streaming) {
      events$ = throwError(
        () => new TypeError("transport 'stream' needs a backend that can stream"),
      );
    } else {
      const created$ = streamRequest(
        resilience,
        (options) =>
          newThread
            ? streaming.createThreadAndRun({ ...params, thread: newThread.thread }, options)
            : streaming.createRun(threadId, params, options),
        // A new thread not created yet has no run to adopt: the request is sent again.
        (startedAt) => (threadId === '' ? of(undefined) : adopted(startedAt)),
        interrupted,
      );
      events$ = byStreaming(created$);
      if (transport === 'auto') {
        events$ = events$.pipe(
          catchError((error: unknown) => {
            if (error instanceof StreamInterruptedError && runId) return byPolling(runId);
            if (runId === undefined && refusesStreaming(error)) {
              config.streaming.refused = true;
              return polled();
            }
            return throwError(() => error);
          }),
        );
      }
    }

    const timeout = watch.timeout;
    if (timeout !== undefined) {
      events$ = events$.pipe(
        deadline(
          timeout,
          watch.scheduler,
          () => new RunTimeoutError({ threadId, runId, timeout, lastRun: seen.run }),
        ),
      );
    }

    /**
     * The event as the run's stream tells it, recorded (so that polling can
     * take over); the thread and the run are noted as they are created, and
     * the thread's own event, not one of the run's, is left out.
     */
    const told = (streamed: RunEvent): RunEvent | undefined => {
      if (streamed.event === 'thread.created') {
        created(streamed.data.id);
        return undefined;
      }
      if (streamed.event === 'thread.run.created') {
        resilience.rememberRun(threadId, streamed.data.id);
      }
      const event = withNamedStatus(streamed);
      recordEvent(seen, event);
      if (isRunEvent(event)) {
        runId = event.data.id;
        if (terminalRunOf(event)) ended = true;
      }
      return event;
    };

    return events$.pipe(
      mapThrowingOnRunFailure(told),
      finalize(() => {
        toolAnswers?.abort();
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
