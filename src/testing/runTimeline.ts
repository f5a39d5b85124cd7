import { TestScheduler } from 'rxjs/testing';
import { isTerminalStatus } from '../backend/runStatus';
import type { FunctionToolCall, Message, Run, RunStatus, RunStep } from '../backend/types';
import type { ToolCallsStepDetails } from 'openai/resources/beta/threads/runs/steps';
import type { SubmitToolOutputsParams } from '../backend/AssistantsBackend';
import {
  badRequest,
  type RunRecord,
  type TimelineEvent,
  type TimelineStore,
} from './timelineStore';

/** The letters of a run timeline and the statuses they stand for. */
const STATUS_OF_LETTER: Readonly<Record<string, RunStatus>> = {
  q: 'queued',
  i: 'in_progress',
  r: 'requires_action',
  n: 'cancelling',
  x: 'cancelled',
  c: 'completed',
  f: 'failed',
  e: 'expired',
  u: 'incomplete',
};

/**
 * Parses a run timeline such as `'q-i--c'` or `'q 100ms i-r-c'` with RxJS's
 * own marble parser in run mode: one character is one frame of 1 ms, spaces
 * are ignored, `(ic)` groups share a frame and `|` ends the timeline.
 *
 * @throws {TypeError} On anything but the status letters and marble syntax.
 */
export function parseTimeline(timeline: string): TimelineEvent[] {
  if (typeof timeline !== 'string') {
    throw new TypeError(`A run timeline must be a string, got ${typeof timeline}.`);
  }
  const marker = /[#^!]/.exec(timeline);
  if (marker) {
    throw new TypeError(`Run timeline '${timeline}': '${marker[0]}' has no meaning in a run.`);
  }
  // Outside TestScheduler.run() a frame is 10 ms; a run timeline is always 1 ms per frame.
  const frameTimeFactor = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  let messages: ReturnType<typeof TestScheduler.parseMarbles>;
  try {
    messages = TestScheduler.parseMarbles(timeline, undefined, undefined, false, true);
  } finally {
    TestScheduler.frameTimeFactor = frameTimeFactor;
  }
  const events: TimelineEvent[] = [];
  for (const { frame, notification } of messages) {
    if (notification.kind !== 'N') break;
    const letter = String(notification.value);
    const status = STATUS_OF_LETTER[letter];
    if (!status) {
      throw new TypeError(
        `Run timeline '${timeline}': unknown letter '${letter}' (use q i r n x c f e u).`,
      );
    }
    events.push({ frame, status });
  }
  return events;
}

/**
 * A function tool call that a timeline run asks for when it enters `requires_action`.
 *
 * ## Example
 *
 * ```ts
 * import { timelineBackend, type TimelineToolCall } from 'rx-assistants/testing';
 *
 * const calls: TimelineToolCall[] = [
 *   { name: 'get_weather', arguments: { city: 'Paris' } }, // encoded as JSON
 *   { name: 'get_time', arguments: '{"tz":"UTC"}' },
 * ];
 * const backend = timelineBackend({ runs: 'q-i-r-i-c', toolCalls: calls });
 * ```
 */
export interface TimelineToolCall {
  name: string;
  /** The call's arguments: a JSON string, or an object to encode. */
  arguments: string | object;
}

/** What the engine asks of the backend's configuration. */
export interface RunEngineConfig {
  reply: (run: Run) => string;
  toolCalls: (run: Run, round: number) => TimelineToolCall[];
}

const FAILURE = { code: 'server_error', message: 'The timeline failed the run.' } as const;

const tokens = (text: string): number => Math.ceil(text.length / 4);

const textOf = (message: Message): string =>
  message.content.map((part) => (part.type === 'text' ? part.text.value : '')).join('');

/**
 * Plays run timelines: applies each status change at its frame, pauses at
 * `requires_action`, and writes the steps and messages a real run would.
 *
 * Status changes are applied lazily, in time order across runs, by
 * {@link RunEngine.catchUp} before every request, each with its own
 * timestamp. So a request at frame N sees every letter at frames up to N,
 * whatever order the scheduler runs same-frame actions in, and an idle
 * backend schedules nothing.
 */
export class RunEngine {
  constructor(
    private readonly store: TimelineStore,
    private readonly config: RunEngineConfig,
  ) {}

  /** Applies every status change that is due by now, earliest first, ties in creation order. */
  catchUp(): void {
    const now = this.store.scheduler.now();
    for (;;) {
      let next: { record: RunRecord; due: number } | undefined;
      for (const thread of this.store.threads.values()) {
        for (const record of thread.runs) {
          const event = record.timeline[0];
          const due = event ? record.origin + event.frame : Infinity;
          const earlier =
            !next || due < next.due || (due === next.due && record.seq < next.record.seq);
          if (due <= now && earlier) next = { record, due };
        }
      }
      if (!next) return;
      this.advance(next.record, next.due);
    }
  }

  /** Cancels an active run: `cancelling` now, `cancelled` 1 ms later; the timeline is dropped. */
  cancel(record: RunRecord): void {
    const { status } = record.run;
    if (isTerminalStatus(status) || status === 'cancelling') {
      throw badRequest(`Cannot cancel run with status '${status}'.`);
    }
    const now = this.store.scheduler.now();
    this.apply(record, 'cancelling', now);
    record.waiting = [];
    record.origin = now;
    record.timeline = [{ frame: 1, status: 'cancelled' }];
  }

  /** Takes the outputs of a run in `requires_action`; the run is `queued` and its timeline resumes. */
  submit(record: RunRecord, params: SubmitToolOutputsParams): void {
    const { run } = record;
    if (run.status !== 'requires_action' || !run.required_action || !record.toolStep) {
      throw badRequest(`Runs in status '${run.status}' do not accept tool outputs.`);
    }
    const calls = run.required_action.submit_tool_outputs.tool_calls;
    const outputs = new Map<string, string>();
    for (const output of params?.tool_outputs ?? []) {
      const id = output.tool_call_id;
      if (!id || !calls.some((call) => call.id === id) || outputs.has(id)) {
        throw badRequest(
          `Invalid tool_call_id '${String(id)}': expected one output for each of ${calls.map((c) => c.id).join(', ')}.`,
          'tool_outputs',
        );
      }
      outputs.set(id, output.output ?? '');
    }
    const missing = calls.filter((call) => !outputs.has(call.id)).map((call) => call.id);
    if (missing.length > 0) {
      throw badRequest(`Expected tool outputs for call_ids ${missing.join(', ')}.`, 'tool_outputs');
    }
    const now = this.store.scheduler.now();
    const step = record.toolStep;
    for (const call of (step.step_details as ToolCallsStepDetails)
      .tool_calls as FunctionToolCall[]) {
      call.function.output = outputs.get(call.id) ?? '';
    }
    this.closeStep(step, 'completed', now, tokens(JSON.stringify(calls)));
    record.toolStep = undefined;
    run.required_action = null;
    run.status = 'queued';
    record.round += 1;
    record.origin = now;
    record.timeline = record.waiting;
    record.waiting = [];
    this.catchUp();
  }

  /** Applies the next status change of a run, due at `due` ms. */
  private advance(record: RunRecord, due: number): void {
    const event = record.timeline.shift()!;
    this.apply(record, event.status, due);
    if (isTerminalStatus(event.status)) {
      record.timeline = [];
    } else if (event.status === 'requires_action') {
      // Paused: what follows is counted from the submit.
      record.waiting = record.timeline.map(({ frame, status }) => ({
        frame: frame - event.frame,
        status,
      }));
      record.timeline = [];
    }
  }

  /** Moves a run to a status, with what the API records on the way. */
  private apply(record: RunRecord, status: RunStatus, at: number): void {
    const { run } = record;
    const now = this.store.seconds(at);
    run.status = status;
    if (status !== 'requires_action') run.required_action = null;
    if (status === 'in_progress' || status === 'requires_action' || status === 'completed') {
      run.started_at ??= now;
    }
    if (isTerminalStatus(status)) run.expires_at = status === 'expired' ? now : null;
    switch (status) {
      case 'in_progress':
        if (!record.messageStep && this.roundEnd(record) !== 'requires_action') {
          this.openMessage(record, at);
        }
        return;
      case 'requires_action':
        return this.requireAction(record, at);
      case 'completed':
        return this.complete(record, at);
      case 'failed':
        run.failed_at = now;
        run.last_error = { ...FAILURE };
        return this.closeOpen(record, at, 'failed', 'run_failed');
      case 'cancelled':
        run.cancelled_at = now;
        return this.closeOpen(record, at, 'cancelled', 'run_cancelled');
      case 'expired':
        return this.closeOpen(record, at, 'expired', 'run_expired');
      case 'incomplete':
        run.incomplete_details = { reason: 'max_completion_tokens' };
        return this.closeOpen(record, at, 'failed', 'max_tokens');
    }
  }

  /** The status that ends the current round: the next `r` or terminal letter, if any. */
  private roundEnd(record: RunRecord): RunStatus | undefined {
    return record.timeline.find(
      ({ status }) => status === 'requires_action' || isTerminalStatus(status),
    )?.status;
  }

  private newStep(record: RunRecord, details: RunStep['step_details'], at: number): RunStep {
    const { run } = record;
    const step: RunStep = {
      id: this.store.id('step'),
      object: 'thread.run.step',
      created_at: this.store.seconds(at),
      assistant_id: run.assistant_id,
      thread_id: run.thread_id,
      run_id: run.id,
      type: details.type,
      status: 'in_progress',
      step_details: details,
      cancelled_at: null,
      completed_at: null,
      expired_at: null,
      failed_at: null,
      last_error: null,
      metadata: null,
      usage: null,
    };
    record.steps.push(step);
    return step;
  }

  /** The `message_creation` step of a round and the empty assistant message it writes. */
  private openMessage(record: RunRecord, at: number): { step: RunStep; message: Message } {
    const { run } = record;
    const thread = this.store.thread(run.thread_id);
    const message: Message = {
      id: this.store.id('msg'),
      object: 'thread.message',
      created_at: this.store.seconds(at),
      thread_id: run.thread_id,
      role: 'assistant',
      content: [],
      assistant_id: run.assistant_id,
      run_id: run.id,
      attachments: [],
      metadata: {},
      status: 'in_progress',
      completed_at: null,
      incomplete_at: null,
      incomplete_details: null,
    };
    thread.messages.push(message);
    const step = this.newStep(
      record,
      { type: 'message_creation', message_creation: { message_id: message.id } },
      at,
    );
    record.messageStep = { step, message };
    return record.messageStep;
  }

  private requireAction(record: RunRecord, at: number): void {
    const { run } = record;
    const calls = this.config.toolCalls(structuredClone(run), record.round).map((call) => ({
      id: this.store.id('call'),
      type: 'function' as const,
      function: {
        name: call.name,
        arguments:
          typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      },
    }));
    record.toolStep = this.newStep(
      record,
      {
        type: 'tool_calls',
        tool_calls: calls.map((call) => ({
          ...call,
          function: { ...call.function, output: null },
        })),
      },
      at,
    );
    run.required_action = {
      type: 'submit_tool_outputs',
      submit_tool_outputs: { tool_calls: calls },
    };
  }

  private complete(record: RunRecord, at: number): void {
    const { run } = record;
    const now = this.store.seconds(at);
    const { step, message } = record.messageStep ?? this.openMessage(record, at);
    const reply = this.config.reply(structuredClone(run));
    const thread = this.store.thread(run.thread_id);
    const prompt = tokens(
      run.instructions +
        thread.messages
          .filter((m) => m !== message)
          .map(textOf)
          .join(''),
    );
    message.content = [{ type: 'text', text: { value: reply, annotations: [] } }];
    message.status = 'completed';
    message.completed_at = now;
    this.closeStep(step, 'completed', at, tokens(reply), prompt);
    record.messageStep = undefined;
    run.completed_at = now;
    run.usage = record.steps.reduce<NonNullable<Run['usage']>>(
      (sum, { usage }) => ({
        prompt_tokens: sum.prompt_tokens + (usage?.prompt_tokens ?? 0),
        completion_tokens: sum.completion_tokens + (usage?.completion_tokens ?? 0),
        total_tokens: sum.total_tokens + (usage?.total_tokens ?? 0),
      }),
      { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    );
  }

  /** Ends the open steps and message of a run that did not complete. */
  private closeOpen(
    record: RunRecord,
    at: number,
    stepStatus: 'failed' | 'cancelled' | 'expired',
    reason: NonNullable<Message['incomplete_details']>['reason'],
  ): void {
    const now = this.store.seconds(at);
    const open = record.messageStep;
    for (const step of [open?.step, record.toolStep]) {
      if (!step) continue;
      this.closeStep(step, stepStatus, at);
      if (record.run.status === 'failed') step.last_error = { ...FAILURE };
    }
    if (open) {
      open.message.status = 'incomplete';
      open.message.incomplete_at = now;
      open.message.incomplete_details = { reason };
    }
    record.messageStep = undefined;
    record.toolStep = undefined;
  }

  private closeStep(
    step: RunStep,
    status: Exclude<RunStep['status'], 'in_progress'>,
    at: number,
    completion = 0,
    prompt = 0,
  ): void {
    const now = this.store.seconds(at);
    step.status = status;
    if (status === 'completed') {
      step.completed_at = now;
      step.usage = {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
      };
    }
    if (status === 'failed') step.failed_at = now;
    if (status === 'cancelled') step.cancelled_at = now;
    if (status === 'expired') step.expired_at = now;
  }
}
