import {
  catchError,
  concat,
  concatMap,
  defaultIfEmpty,
  defer,
  EMPTY,
  ignoreElements,
  map,
  mergeMap,
  Observable,
  type Observer,
  of,
  Subject,
  type Subscriber,
  tap,
  throwError,
  type Unsubscribable,
} from 'rxjs';
import type { RunCreateParams } from '../backend/AssistantsBackend';
import { isRunEvent, isTerminalStatus, terminalRunOf } from '../backend/runStatus';
import type { Run } from '../backend/types';
import { RunTimeoutError } from '../errors/RunTimeoutError';
import { runErrorFor } from '../errors/RunError';
import { StreamInterruptedError } from '../errors/StreamInterruptedError';
import { deadline } from '../internal/deadline';
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
import type { Transport } from './types';
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
  const transport =
    config.transport === 'auto' && (!config.backend.streaming || config.streaming.refused)
      ? 'poll'
      : config.transport;
  return new Observable<RunEvent>((subscriber) =>
    new RunFollowing(config, onThread, params, lock, subscriber, newThread).start(transport),
  );
}

/**
 * One run as it is followed: what it has told, and each way of following it.
 * One object with methods, not a closure for each of them: every run has one.
 * It observes the run's events itself: it records each, passes it on, and
 * ends the stream with a typed error after a run that did not complete (what
 * `throwOnRunFailure` does, and `finalize` for the end, with no subscriber
 * of their own: every event of every run passes through here).
 */
class RunFollowing implements Observer<RunEvent> {
  private readonly seen = nothingSeen();
  private toolAnswers?: ToolAnswers;
  private runId?: string;
  private ended = false;
  /** The terminal run that the event being told carries. */
  private endedWith?: Run;
  private threadId: string;

  constructor(
    private readonly config: FollowConfig,
    onThread: string,
    private readonly params: RunCreateParams,
    private readonly lock: QueueLock,
    private readonly subscriber: Subscriber<RunEvent>,
    private readonly newThread?: NewThread,
  ) {
    this.threadId = newThread ? '' : onThread;
  }

  /** Follows the run over `transport`; the teardown cancels a run still owned. */
  start(transport: Transport): () => void {
    const events: Unsubscribable = this.events$(transport).subscribe(this);
    return () => {
      events.unsubscribe();
      this.finished();
    };
  }

  next(streamed: RunEvent): void {
    let event: RunEvent | undefined;
    try {
      event = this.told(streamed);
    } catch (error) {
      this.subscriber.error(error);
      return;
    }
    if (event === undefined) return;
    const run = this.endedWith;
    this.endedWith = undefined;
    this.subscriber.next(event);
    const error = run && runErrorFor(run);
    if (error) this.subscriber.error(error);
  }

  error(error: unknown): void {
    this.subscriber.error(error);
  }

  complete(): void {
    this.subscriber.complete();
  }

  /** The run's events, created over `transport`, until it ends, as the stream tells them. */
  private events$(transport: Transport): Observable<RunEvent> {
    const { backend, resilience, watch } = this.config;
    const { params, newThread } = this;
    const streaming = backend.streaming;
    let events$: Observable<RunEvent>;
    if (transport === 'poll') {
      events$ = this.polled();
    } else if (!streaming) {
      events$ = throwError(
        () => new TypeError("transport 'stream' needs a backend that can stream"),
      );
    } else {
      events$ = streamRequest(resilience, {
        send: (options) =>
          newThread
            ? streaming.createThreadAndRun({ ...params, thread: newThread.thread }, options)
            : streaming.createRun(this.threadId, params, options),
        // A new thread not created yet has no run to adopt: the request is sent again.
        recover: (startedAt) => (this.threadId === '' ? of(undefined) : this.adopted(startedAt)),
        interrupted: (cause) => this.interrupted(cause),
        then: (last) => this.afterStream(last),
      });
      if (transport === 'auto') {
        events$ = events$.pipe(
          catchError((error: unknown) => {
            if (error instanceof StreamInterruptedError && this.runId) {
              return this.byPolling(this.runId);
            }
            if (this.runId === undefined && refusesStreaming(error)) {
              this.config.streaming.refused = true;
              return this.polled();
            }
            return throwError(() => error);
          }),
        );
      }
    }

    const timeout = watch.timeout;
    if (timeout !== undefined) {
      return events$.pipe(
        deadline(
          timeout,
          watch.scheduler,
          () =>
            new RunTimeoutError({
              threadId: this.threadId,
              runId: this.runId,
              timeout,
              lastRun: this.seen.run,
            }),
        ),
      );
    }
    return events$;
  }

  /**
   * The event as the run's stream tells it, recorded (so that polling can
   * take over); the thread and the run are noted as they are created, and
   * the thread's own event, not one of the run's, is left out.
   */
  private told(streamed: RunEvent): RunEvent | undefined {
    if (!isRunEvent(streamed)) {
      if (streamed.event === 'thread.created') {
        this.created(streamed.data.id);
        return undefined;
      }
      recordEvent(this.seen, streamed);
      return streamed;
    }
    if (streamed.event === 'thread.run.created') {
      this.config.resilience.rememberRun(this.threadId, streamed.data.id);
    }
    const event = withNamedStatus(streamed);
    const run = event.data;
    this.seen.run = run;
    this.runId = run.id;
    // Its status is its name's now: the run ends here if that is terminal.
    if (event.event !== 'thread.run.created' && isTerminalStatus(run.status)) {
      this.ended = true;
      this.endedWith = run;
    }
    return event;
  }

  /** The stream ended (or was unsubscribed): a run this client still owns is cancelled. */
  private finished(): void {
    this.toolAnswers?.abort();
    const { runId, threadId } = this;
    if (this.ended || !this.config.cancelOnUnsubscribe || !runId) return;
    const { backend, watch } = this.config;
    this.lock.releaseAfter(
      backend.runs.cancel(threadId, runId).pipe(
        concatMap(() => watchRun(backend, threadId, runId, { ...watch, timeout: undefined })),
        catchError(() => EMPTY),
      ),
    );
  }

  /** The run's tool outputs, kept from the first time it asks for some. */
  private answers(): ToolAnswers {
    return (this.toolAnswers ??= new ToolAnswers(this.config.handlers, this.config.onToolError));
  }

  private created(id: string): void {
    if (!this.newThread || this.threadId === id) return;
    this.threadId = id;
    this.newThread.claim(id);
  }

  private interrupted(cause: unknown): StreamInterruptedError {
    return new StreamInterruptedError({ threadId: this.threadId, runId: this.runId, cause });
  }

  /** Polls the run from what was seen, submitting outputs on `requires_action`. */
  private byPolling(id: string, justCreated = false): Observable<RunEvent> {
    return defer(() => {
      const { backend, watching, watch } = this.config;
      const threadId = this.threadId;
      const kick$ = new Subject<void>();
      const submit = (run: Run) =>
        this.answers()
          .for(run)
          .pipe(
            concatMap((tool_outputs) =>
              backend.runs
                .submitToolOutputs(threadId, id, { tool_outputs })
                .pipe(tap(() => this.answers().confirm(tool_outputs))),
            ),
            tap(() => kick$.next()),
            ignoreElements(),
          );
      // Outputs a broken stream did not deliver are submitted again first.
      const seenRun = this.seen.run;
      const pending = seenRun?.status === 'requires_action' ? submit(seenRun) : EMPTY;
      const events$ = pollRunEvents(
        watching,
        threadId,
        id,
        { ...watch, timeout: undefined, justCreated },
        kick$,
        this.seen,
      ).pipe(
        mergeMap((event) =>
          event.event === 'thread.run.requires_action'
            ? concat(of(event), submit(event.data))
            : of(event),
        ),
      );
      return concat(pending, events$);
    });
  }

  /** What follows a stream that ended with `last`: the stream of a submit, until the run ends. */
  private afterStream(last: RunEvent | undefined): Observable<RunEvent> {
    if (last && terminalRunOf(last)) return EMPTY;
    const id = this.runId;
    if (last?.event === 'thread.run.requires_action' && id) {
      return this.answers()
        .for(last.data)
        .pipe(
          map((toolOutputs) => this.submitStream(id, toolOutputs)),
          defaultIfEmpty(this.byPolling(id)),
          concatMap((next$) => next$),
        );
    }
    return throwError(() => this.interrupted(undefined));
  }

  private submitStream(id: string, toolOutputs: ToolOutput[]): Observable<RunEvent> {
    const { backend, resilience } = this.config;
    return streamRequest(resilience, {
      send: (options) =>
        backend
          .streaming!.submitToolOutputs(this.threadId, id, { tool_outputs: toolOutputs }, options)
          .pipe(tap({ next: () => this.answers().confirm(toolOutputs) })),
      recover: () =>
        backend.runs.retrieve(this.threadId, id).pipe(
          map(({ run }) => {
            if (!submitTookEffect(run, { tool_outputs: toolOutputs })) return undefined;
            this.answers().confirm(toolOutputs);
            return this.byPolling(id);
          }),
        ),
      interrupted: (cause) => this.interrupted(cause),
      then: (last) => this.afterStream(last),
    });
  }

  /** A run created by an attempt whose answer was lost, followed by polling. */
  private adopted(startedAt: number): Observable<Observable<RunEvent> | undefined> {
    const { backend, resilience } = this.config;
    const threadId = this.threadId;
    return lostRun(backend.runs, threadId, {
      assistantId: this.params.assistant_id,
      startedAt,
      known: resilience.knownRun(threadId),
    }).pipe(
      map((run) => {
        if (!run) return undefined;
        this.runId = run.id;
        resilience.rememberRun(threadId, run.id);
        return this.byPolling(run.id);
      }),
    );
  }

  /** The run created without a stream, then polled. */
  private polled(): Observable<RunEvent> {
    const { backend } = this.config;
    const { params, newThread } = this;
    return (
      newThread
        ? backend.threads.createAndRun({ ...params, thread: newThread.thread })
        : backend.runs.create(this.threadId, params)
    ).pipe(
      concatMap((run) => {
        this.created(run.thread_id);
        this.runId = run.id;
        return this.byPolling(run.id, true);
      }),
    );
  }
}
