import type { SchedulerLike } from 'rxjs';
import type { RunCreateParams } from '../backend/AssistantsBackend';
import { isTerminalStatus } from '../backend/runStatus';
import type {
  Assistant,
  Message,
  MessageContent,
  MessageCreateParams,
  Run,
  RunStatus,
  RunStep,
  Thread,
} from '../backend/types';
import { badRequest, notFound } from '../internal/apiLists';

/** One status change of a run's timeline, `frame` ms after the run's creation. */
export interface TimelineEvent {
  frame: number;
  status: RunStatus;
}

/** A run and the part of its timeline still to play. Internal to the timeline backend. */
export interface RunRecord {
  run: Run;
  steps: RunStep[];
  /** The order of creation among all runs. */
  seq: number;
  /** Status changes still to come, in frame order, frames counted from `origin`. */
  timeline: TimelineEvent[];
  /** Scheduler time (ms) of frame 0: the creation, or the last submit of tool outputs. */
  origin: number;
  /** The rest of the timeline while paused in `requires_action`, frames counted from the submit. */
  waiting: TimelineEvent[];
  /** How many times tool outputs were submitted. */
  round: number;
  messageStep?: { step: RunStep; message: Message };
  toolStep?: RunStep;
}

/** A thread with its messages and runs, in creation order. */
export interface ThreadRecord {
  thread: Thread;
  messages: Message[];
  runs: RunRecord[];
}

export { badRequest, notFound, paginate, type ListQuery } from '../internal/apiLists';

/** The API's tool resources, keeping only the fields the resource objects carry. */
export function toolResourcesOf(
  resources:
    | {
        code_interpreter?: { file_ids?: string[] };
        file_search?: { vector_store_ids?: string[] };
      }
    | null
    | undefined,
): Thread.ToolResources {
  const result: Thread.ToolResources = {};
  if (resources?.code_interpreter) {
    result.code_interpreter = { file_ids: [...(resources.code_interpreter.file_ids ?? [])] };
  }
  if (resources?.file_search) {
    result.file_search = {
      vector_store_ids: [...(resources.file_search.vector_store_ids ?? [])],
    };
  }
  return result;
}

/** A message's content as the API stores it: text parts become text blocks. */
function contentOf(content: MessageCreateParams['content']): MessageContent[] {
  const text = (value: string): MessageContent => ({
    type: 'text',
    text: { value, annotations: [] },
  });
  if (typeof content === 'string') return [text(content)];
  return content.map((part) => (part.type === 'text' ? text(part.text) : part));
}

/** The run parameters shared by `runs.create` and `threads.createAndRun`. */
export type RunParams = Omit<RunCreateParams, 'additional_messages' | 'include'>;

/** The fields a new message may carry. */
export type NewMessage = Pick<MessageCreateParams, 'role' | 'content' | 'attachments' | 'metadata'>;

/**
 * The in-memory state of a timeline backend: resources by id, deterministic
 * ids (`asst_1`, `thread_1`, ...), and lookups that raise the API's 404s.
 */
export class TimelineStore {
  readonly assistants = new Map<string, Assistant>();
  readonly threads = new Map<string, ThreadRecord>();
  /** Runs created so far, across threads. */
  runCount = 0;
  private readonly counters = new Map<string, number>();

  constructor(readonly scheduler: SchedulerLike) {}

  /** The next id of a kind: `asst_1`, `asst_2`, ... */
  id(prefix: string): string {
    const count = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, count);
    return `${prefix}_${count}`;
  }

  /** A scheduler time (default now) in unix seconds, as the API writes timestamps. */
  seconds(ms = this.scheduler.now()): number {
    return Math.floor(ms / 1000);
  }

  assistant(assistantId: string): Assistant {
    const assistant = this.assistants.get(assistantId);
    if (!assistant) throw notFound('assistant', assistantId, 'assistant_id');
    return assistant;
  }

  thread(threadId: string): ThreadRecord {
    const record = this.threads.get(threadId);
    if (!record) throw notFound('thread', threadId, 'thread_id');
    return record;
  }

  run(threadId: string, runId: string): RunRecord {
    const record = this.thread(threadId).runs.find(({ run }) => run.id === runId);
    if (!record) throw notFound('run', runId, 'run_id');
    return record;
  }

  message(threadId: string, messageId: string): Message {
    const message = this.thread(threadId).messages.find(({ id }) => id === messageId);
    if (!message) throw notFound('message', messageId, 'message_id');
    return message;
  }

  step(threadId: string, runId: string, stepId: string): RunStep {
    const step = this.run(threadId, runId).steps.find(({ id }) => id === stepId);
    if (!step) throw notFound('run step', stepId, 'step_id');
    return step;
  }

  /** Throws the API's 400 when the thread has a run that is not terminal yet. */
  assertIdle(record: ThreadRecord): void {
    const active = record.runs.find(({ run }) => !isTerminalStatus(run.status));
    if (active) {
      throw badRequest(
        `Thread ${record.thread.id} already has an active run ${active.run.id}.`,
        'thread_id',
      );
    }
  }

  /** Validates new messages before anything is stored, so a bad one changes nothing. */
  validateMessages(messages: readonly NewMessage[] | null | undefined, param: string): void {
    for (const message of messages ?? []) {
      if (message.role !== 'user' && message.role !== 'assistant') {
        throw badRequest(`Invalid 'role': expected 'user' or 'assistant'.`, `${param}role`);
      }
      if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
        throw badRequest(`Invalid 'content': expected a string or an array.`, `${param}content`);
      }
    }
  }

  createThread(params: {
    messages?: NewMessage[];
    metadata?: Thread['metadata'];
    tool_resources?: Parameters<typeof toolResourcesOf>[0];
  }): ThreadRecord {
    this.validateMessages(params.messages, 'messages.');
    const thread: Thread = {
      id: this.id('thread'),
      object: 'thread',
      created_at: this.seconds(),
      metadata: params.metadata ?? {},
      tool_resources: toolResourcesOf(params.tool_resources),
    };
    const record: ThreadRecord = { thread, messages: [], runs: [] };
    this.threads.set(thread.id, record);
    for (const message of params.messages ?? []) this.addMessage(record, message);
    return record;
  }

  /** Stores a message written by a user (or given as `assistant` by the caller). */
  addMessage(record: ThreadRecord, params: NewMessage): Message {
    const now = this.seconds();
    const message: Message = {
      id: this.id('msg'),
      object: 'thread.message',
      created_at: now,
      thread_id: record.thread.id,
      role: params.role,
      content: contentOf(params.content),
      assistant_id: null,
      run_id: null,
      attachments: (params.attachments ?? []) as Message.Attachment[],
      metadata: params.metadata ?? {},
      status: 'completed',
      completed_at: now,
      incomplete_at: null,
      incomplete_details: null,
    };
    record.messages.push(message);
    return message;
  }

  /** Stores a new `queued` run of an assistant, with the assistant's settings as defaults. */
  addRun(
    thread: ThreadRecord,
    assistant: Assistant,
    params: RunParams,
    timeline: TimelineEvent[],
    expiresAfter: number,
  ): RunRecord {
    const createdAt = this.seconds();
    const instructions = params.instructions ?? assistant.instructions ?? '';
    const run: Run = {
      id: this.id('run'),
      object: 'thread.run',
      created_at: createdAt,
      thread_id: thread.thread.id,
      assistant_id: assistant.id,
      status: 'queued',
      model: params.model ?? assistant.model,
      instructions: params.additional_instructions
        ? `${instructions}\n${params.additional_instructions}`
        : instructions,
      tools: params.tools ?? assistant.tools,
      metadata: params.metadata ?? {},
      temperature: params.temperature ?? assistant.temperature ?? 1,
      top_p: params.top_p ?? assistant.top_p ?? 1,
      max_completion_tokens: params.max_completion_tokens ?? null,
      max_prompt_tokens: params.max_prompt_tokens ?? null,
      parallel_tool_calls: params.parallel_tool_calls ?? true,
      response_format: params.response_format ?? assistant.response_format ?? 'auto',
      tool_choice: params.tool_choice ?? 'auto',
      truncation_strategy: params.truncation_strategy ?? { type: 'auto', last_messages: null },
      required_action: null,
      last_error: null,
      incomplete_details: null,
      usage: null,
      started_at: null,
      completed_at: null,
      cancelled_at: null,
      failed_at: null,
      expires_at: createdAt + Math.floor(expiresAfter / 1000),
    };
    const record: RunRecord = {
      run,
      steps: [],
      seq: this.runCount,
      timeline,
      origin: this.scheduler.now(),
      waiting: [],
      round: 0,
    };
    this.runCount += 1;
    thread.runs.push(record);
    return record;
  }
}
