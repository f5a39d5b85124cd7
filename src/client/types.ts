import type { Observable, SchedulerLike } from 'rxjs';
import type { AssistantsBackend, RunCreateParams } from '../backend/AssistantsBackend';
import type { Message, MessageCreateParams, Run } from '../backend/types';
import type { Reactive } from './Reactive';
import type { PollPolicy } from './PollPolicy';
import type { RetryConfig } from './RetryPolicy';
import type { RunEvent } from './runEvents';
import type { ToolErrorPolicy, ToolHandlers } from './toolCalls';
import type { WatchRunConfig } from './watchRun';

/**
 * How `run` and `ask` follow a run: `'poll'` synthesises its events by
 * polling; `'stream'` uses the backend's event stream (`stream: true`),
 * deltas included; `'auto'` streams where the backend can, polls where it
 * cannot, and polls when a stream breaks mid-run.
 */
export type Transport = 'poll' | 'stream' | 'auto';

/** Client-wide defaults; every one can be overridden per call. */
export interface RxAssistantsConfig {
  /** The scheduler of every poll, delay and deadline. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** The poll interval policy. Default `adaptivePoll()`. */
  poll?: PollPolicy;
  /** A default overall deadline (ms) for `watch`, `events`, `run` and `ask`. Default none. */
  timeout?: number;
  /** What a failed tool call does; default `'submit'`. */
  onToolError?: ToolErrorPolicy;
  /** Whether `run` and `ask` cancel their run when unsubscribed early; default `true`. */
  cancelOnUnsubscribe?: boolean;
  /** How `run` and `ask` follow their runs; default `'auto'` (stream where the backend can). */
  transport?: Transport;
  /**
   * How failed requests are retried (see {@link RetryConfig}); `false` turns
   * retries off (then a failed poll fails its watch). Over an `openai`
   * client, the SDK's own retries are turned off unless this is `false`, so
   * that retries do not multiply.
   */
  retry?: RetryConfig | false;
  /** The most requests this client has in flight at once; the others wait. Default 64. */
  maxInFlight?: number;
}

/** Options of `run`: the watch options, the tool handlers and the ownership rules. */
export interface RunOptions extends WatchRunConfig {
  /** Function tool handlers by name, called on `requires_action`. */
  tools?: ToolHandlers;
  /** What a failed tool call does; default: the client's, else `'submit'`. */
  onToolError?: ToolErrorPolicy;
  /** Whether unsubscribing before a terminal status cancels the run; default `true`. */
  cancelOnUnsubscribe?: boolean;
  /**
   * `'poll'` synthesises the events by polling; `'stream'` uses the backend's
   * event stream, deltas included; `'auto'` streams where the backend can and
   * falls back to polling if the stream breaks. Default: the client's, else `'auto'`.
   */
  transport?: Transport;
}

/** Options of `ask`. */
export interface AskOptions extends RunOptions {
  /** The thread to continue; a new thread is created when absent. */
  threadId?: string;
  /** More parameters of the run (instructions, model, tools...). */
  run?: Omit<RunCreateParams, 'assistant_id'>;
  /** More fields of the user message (attachments, metadata). */
  message?: Omit<MessageCreateParams, 'role' | 'content'>;
}

/** Options of `messages.watch`. */
export interface WatchMessagesConfig extends Omit<WatchRunConfig, 'timeout'> {
  /** Start after this message id instead of at the beginning of the thread. */
  after?: string;
}

/** The port's resources as the client serves them (see `Reactive`). */
type Resources = Reactive<Omit<AssistantsBackend, 'streaming'>>;

/**
 * The reactive client that `rxAssistants()` returns. Every method returns a
 * cold Observable: nothing is sent until subscribe, and unsubscribing aborts.
 *
 * The resource methods are the port's ({@link AssistantsBackend}), derived
 * by `Reactive`: single resources emit one value; `list` methods emit
 * each item of every page; `runs.retrieve` emits the run; the client sends
 * the request options (idempotency keys) itself. Declared here are only the
 * methods the port does not have.
 */
export interface RxAssistants extends Resources {
  /** The port this client drives. */
  readonly backend: AssistantsBackend;
  readonly messages: Resources['messages'] & {
    /**
     * The thread's messages in ascending order, then each new one as it
     * appears, until unsubscribed. A message still `in_progress` is held back
     * (with those after it) until it is done, so each is emitted once, final.
     */
    watch(threadId: string, options?: WatchMessagesConfig): Observable<Message>;
  };
  readonly runs: Resources['runs'] & {
    /**
     * The status stream: the first snapshot, then each change of `status` (or
     * of `required_action`), until a terminal status, which is emitted before
     * completing. Never cancels the run.
     */
    watch(threadId: string, runId: string, options?: WatchRunConfig): Observable<Run>;
    /**
     * The run's `AssistantStreamEvent`s, synthesised by polling the run, its
     * steps and their messages, until the terminal run event. Never cancels the
     * run. It always polls: the API streams a run only from its creation or a
     * tool-output submit (`run` and `ask` stream).
     */
    events(threadId: string, runId: string, options?: WatchRunConfig): Observable<RunEvent>;
  };
  /**
   * Creates a run on the thread and emits its events to the end, answering
   * its tool calls with `options.tools`. The subscriber owns the run:
   * unsubscribing early cancels it. A run that does not complete ends the
   * stream with a typed `RunError` after its terminal event. Runs on one
   * thread through one client are queued.
   */
  run(threadId: string, params: RunCreateParams, options?: RunOptions): Observable<RunEvent>;
  /**
   * Asks an assistant: adds `content` as a user message to the given thread
   * (or a new one) and runs it, as {@link RxAssistants.run} does. A new
   * thread is created with its run in one request (`threads.createAndRun`),
   * so a run refused (an unknown assistant) leaves no thread behind.
   */
  ask(
    assistantId: string,
    content: MessageCreateParams['content'],
    options?: AskOptions,
  ): Observable<RunEvent>;
}
