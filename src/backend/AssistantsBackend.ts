import type { Observable } from 'rxjs';
import type { ThreadCreateAndRunParamsNonStreaming } from 'openai/resources/beta/threads/threads';
import type { MessageUpdateParams as SdkMessageUpdateParams } from 'openai/resources/beta/threads/messages';
import type {
  RunCreateParamsNonStreaming,
  RunUpdateParams as SdkRunUpdateParams,
  RunSubmitToolOutputsParamsNonStreaming,
} from 'openai/resources/beta/threads/runs/runs';
import type {
  StepListParams as SdkStepListParams,
  StepRetrieveParams as SdkStepRetrieveParams,
} from 'openai/resources/beta/threads/runs/steps';
import type {
  Assistant,
  AssistantCreateParams,
  AssistantStreamEvent,
  AssistantDeleted,
  AssistantListParams,
  AssistantUpdateParams,
  Message,
  MessageCreateParams,
  MessageDeleted,
  MessageListParams,
  Run,
  RunListParams,
  RunStep,
  Thread,
  ThreadCreateParams,
  ThreadDeleted,
  ThreadUpdateParams,
} from './types';

/** One page of a cursor-paginated list, as the REST API returns it. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** A run snapshot, with the server's `openai-poll-after-ms` hint when it sent one. */
export interface RunRetrieval {
  run: Run;
  /** Milliseconds the server asks the client to wait before polling again. */
  pollAfterMs?: number;
}

/** Parameters of a run's creation; streaming is the transport's business, not the caller's. */
export type RunCreateParams = Omit<RunCreateParamsNonStreaming, 'stream'>;
/** Parameters of creating a thread and running it in one call. */
export type ThreadCreateAndRunParams = Omit<ThreadCreateAndRunParamsNonStreaming, 'stream'>;
/** Tool outputs for a run waiting in `requires_action`. */
export type SubmitToolOutputsParams = Omit<
  RunSubmitToolOutputsParamsNonStreaming,
  'stream' | 'thread_id'
>;
/** Fields of a message update; the thread is positional. */
export type MessageUpdateParams = Omit<SdkMessageUpdateParams, 'thread_id'>;
/** Fields of a run update; the thread is positional. */
export type RunUpdateParams = Omit<SdkRunUpdateParams, 'thread_id'>;
/** Query of a run-step list; the thread and run are positional. */
export type StepListParams = Omit<SdkStepListParams, 'thread_id'>;
/** Query of a run-step retrieval; the thread and run are positional. */
export type StepRetrieveParams = Omit<SdkStepRetrieveParams, 'thread_id' | 'run_id'>;

/**
 * Options of one write request (a `POST`) to the port.
 *
 * ## Example
 *
 * ```ts
 * import type { AssistantsBackend } from 'rx-assistants';
 *
 * declare const backend: AssistantsBackend;
 * const key = crypto.randomUUID();
 * // Sent twice (say, after a lost answer), a backend that honours the key creates one run.
 * backend.runs.create('thread_abc', { assistant_id: 'asst_abc' }, { idempotencyKey: key });
 * ```
 */
export interface RequestOptions {
  /**
   * Sent as the `Idempotency-Key` header. A backend that honours it (the
   * embedded runtime, `rx-assistants serve`) answers a repeated request with
   * the same key and body with the first response instead of acting twice,
   * and refuses the same key with another body (409).
   */
  idempotencyKey?: string;
}

/**
 * Event streams of runs (the API's `stream: true`), for backends that can
 * stream. Each method returns a cold Observable that makes its request on
 * subscribe and emits the run's `AssistantStreamEvent`s, deltas included, in
 * the API's order. It completes after the run's terminal event, or after
 * `thread.run.requires_action` (the stream of `submitToolOutputs` goes on from
 * there). Unsubscribing aborts the request; it does not cancel the run.
 */
export interface StreamingBackend {
  /** Creates a run on the thread and streams its events. */
  createRun(
    threadId: string,
    params: RunCreateParams,
    options?: RequestOptions,
  ): Observable<AssistantStreamEvent>;
  /** Creates a thread and a run on it; the stream begins with `thread.created`. */
  createThreadAndRun(
    params: ThreadCreateAndRunParams,
    options?: RequestOptions,
  ): Observable<AssistantStreamEvent>;
  /** Submits tool outputs and streams the run's events from there. */
  submitToolOutputs(
    threadId: string,
    runId: string,
    params: SubmitToolOutputsParams,
    options?: RequestOptions,
  ): Observable<AssistantStreamEvent>;
}

/**
 * The port: everything rx-assistants needs of an Assistants server.
 *
 * Every method returns a **cold** Observable that performs one request per
 * subscription, emits its one result and completes. Unsubscribing before the
 * result arrives aborts the request. Ids are positional, in REST path order.
 * List methods return one page; pagination lives above the port.
 *
 * Errors keep the API's shape: an error with `status`, `code`, `type`, `param`
 * and `message` (the SDK's `APIError` in the OpenAI adapter, a
 * {@link BackendError} elsewhere).
 *
 * Implementations: {@link openaiBackend} (any `openai` v6 client) and
 * `localBackend()` from `rx-assistants/local`.
 */
export interface AssistantsBackend {
  readonly assistants: {
    /** Creates an assistant. */
    create(params: AssistantCreateParams, options?: RequestOptions): Observable<Assistant>;
    /** Retrieves an assistant. */
    retrieve(assistantId: string): Observable<Assistant>;
    /** Updates an assistant's fields. */
    update(
      assistantId: string,
      params: AssistantUpdateParams,
      options?: RequestOptions,
    ): Observable<Assistant>;
    /** Lists assistants: one page here; the client emits each assistant of every page. */
    list(query?: AssistantListParams): Observable<Page<Assistant>>;
    /** Deletes an assistant. */
    delete(assistantId: string): Observable<AssistantDeleted>;
  };
  readonly threads: {
    /** Creates a thread, with its first messages if given. */
    create(params?: ThreadCreateParams, options?: RequestOptions): Observable<Thread>;
    /** Retrieves a thread. */
    retrieve(threadId: string): Observable<Thread>;
    /** Updates a thread's fields. */
    update(
      threadId: string,
      params: ThreadUpdateParams,
      options?: RequestOptions,
    ): Observable<Thread>;
    /** Deletes a thread. */
    delete(threadId: string): Observable<ThreadDeleted>;
    /** Creates a thread and a run on it; emits the run. */
    createAndRun(params: ThreadCreateAndRunParams, options?: RequestOptions): Observable<Run>;
  };
  readonly messages: {
    /** Adds a message to the thread. */
    create(
      threadId: string,
      params: MessageCreateParams,
      options?: RequestOptions,
    ): Observable<Message>;
    /** Retrieves a message. */
    retrieve(threadId: string, messageId: string): Observable<Message>;
    /** Updates a message's metadata. */
    update(
      threadId: string,
      messageId: string,
      params: MessageUpdateParams,
      options?: RequestOptions,
    ): Observable<Message>;
    /**
     * Lists the thread's messages (`order`, `after`, `before`, `run_id` as the
     * API has them): one page here; the client emits each message of every page.
     */
    list(threadId: string, query?: MessageListParams): Observable<Page<Message>>;
    /** Deletes a message. */
    delete(threadId: string, messageId: string): Observable<MessageDeleted>;
  };
  readonly runs: {
    /** Creates a run of an assistant on the thread. */
    create(threadId: string, params: RunCreateParams, options?: RequestOptions): Observable<Run>;
    /**
     * Retrieves a run, with the server's poll hint when it sent one; the client
     * emits the run alone.
     */
    retrieve(threadId: string, runId: string): Observable<RunRetrieval>;
    /** Updates a run's metadata. */
    update(
      threadId: string,
      runId: string,
      params: RunUpdateParams,
      options?: RequestOptions,
    ): Observable<Run>;
    /** Lists the thread's runs: one page here; the client emits each run of every page. */
    list(threadId: string, query?: RunListParams): Observable<Page<Run>>;
    /** Asks to cancel a run; emits the run as the server then has it (usually `cancelling`). */
    cancel(threadId: string, runId: string, options?: RequestOptions): Observable<Run>;
    /** Answers the tool calls of a run in `requires_action`; emits the run. */
    submitToolOutputs(
      threadId: string,
      runId: string,
      params: SubmitToolOutputsParams,
      options?: RequestOptions,
    ): Observable<Run>;
  };
  readonly steps: {
    /** Retrieves a step of a run. */
    retrieve(
      threadId: string,
      runId: string,
      stepId: string,
      query?: StepRetrieveParams,
    ): Observable<RunStep>;
    /** Lists the run's steps: one page here; the client emits each step of every page. */
    list(threadId: string, runId: string, query?: StepListParams): Observable<Page<RunStep>>;
  };
  /** Event streams, where the backend can stream; absent, clients poll. */
  readonly streaming?: StreamingBackend;
}
