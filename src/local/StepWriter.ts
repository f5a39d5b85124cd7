import type { Message, RunStep, ToolCall } from '../backend/types';
import type { CallIds } from './CallIds';
import type { ModelEvent, ModelToolCall } from './ModelAdapter';
import {
  functionCallsOf,
  newMessage,
  newStep,
  stepEnd,
  stepError,
  stepUsage,
  textOf,
} from './records';
import type { MessageEnd, OpenEnd, Runtime } from './records';
import type { RunRecorder } from './RunRecorder';

/**
 * The writer of one run's messages and steps, from its model's events, in the
 * API's shapes and order:
 * - text opens a `message_creation` step and an assistant message, which
 *   grows with each delta (`thread.message.delta`);
 * - a tool call piece closes the open message, opens a `tool_calls` step if
 *   none is open, and adds to its call (`thread.run.step.delta`);
 * - the message closes `completed` (or `incomplete`, with why), the calls
 *   complete with their outputs, and what is open ends with the run.
 * ## Example
 *
 * ```ts
 * import type { StepWriter } from 'src/local/StepWriter';
 *
 * declare const writer: StepWriter;
 * writer.write({ type: 'text', delta: 'Hello' }); // a step, a message and a delta
 * writer.closeMessage({}); // thread.message.completed, thread.run.step.completed
 * ```
 */
export class StepWriter {
  private messageId?: string;
  private messageStepId?: string;
  /** The text of the last message opened. */
  private text = '';
  private toolStepId?: string;
  private readonly calls = new Map<number, ModelToolCall>();

  constructor(
    private readonly runtime: Runtime,
    private readonly record: RunRecorder,
    private readonly callIds: CallIds,
  ) {}

  /** The tool calls of the open `tool_calls` step, by index. */
  get callsByIndex(): ReadonlyMap<number, ModelToolCall> {
    return this.calls;
  }

  /** What the last message and the open calls wrote, for a usage estimate. */
  get written(): string {
    return this.text + [...this.calls.values()].map((c) => c.name + c.arguments).join('');
  }

  get hasOpenMessage(): boolean {
    return this.messageId !== undefined;
  }

  /** Takes up the step (and its message) the run left open when its process stopped. */
  adopt(step: RunStep, message?: Message): void {
    this.record.adopt(step, message);
    const details = step.step_details;
    if (details.type === 'message_creation' && message) {
      this.messageId = message.id;
      this.messageStepId = step.id;
      this.text = textOf(message.content);
    } else if (details.type === 'tool_calls') {
      this.toolStepId = step.id;
      for (const [index, call] of functionCallsOf(details.tool_calls)) this.calls.set(index, call);
    }
  }

  /** Writes a text delta or a tool call piece. */
  write(event: Extract<ModelEvent, { type: 'text' | 'tool_call' }>): void {
    if (event.type === 'text') {
      // An empty delta opens the message, as a model may announce its reply before its words.
      if (event.delta) this.appendText(event.delta);
      else this.openMessage();
    } else {
      this.addToolCall(event);
    }
  }

  /** Opens a message if none is open: a turn that wrote nothing still gets its (empty) message. */
  openMessage(): void {
    if (this.messageId) return;
    const run = this.record.run();
    const step = newStep(this.runtime, run, {
      type: 'message_creation',
      message_creation: { message_id: '' },
    });
    const message = newMessage(this.runtime, {
      thread_id: run.thread_id,
      role: 'assistant',
      content: [],
      status: 'in_progress',
      assistant_id: run.assistant_id,
      run_id: run.id,
    });
    step.step_details = {
      type: 'message_creation',
      message_creation: { message_id: message.id },
    };
    this.messageId = message.id;
    this.messageStepId = step.id;
    this.text = '';
    this.record.putStep(step, 'thread.run.step.created');
    this.record.emit('thread.run.step.in_progress', step);
    this.record.putMessage(message, 'thread.message.created');
    this.record.emit('thread.message.in_progress', message);
  }

  private appendText(delta: string): void {
    this.openMessage();
    this.text += delta;
    const message = this.record.message(this.messageId!);
    this.record.putMessage({
      ...message,
      content: [{ type: 'text', text: { value: this.text, annotations: [] } }],
    });
    this.record.emit('thread.message.delta', {
      id: message.id,
      object: 'thread.message.delta',
      delta: { content: [{ index: 0, type: 'text', text: { value: delta, annotations: [] } }] },
    });
  }

  private addToolCall(event: Extract<ModelEvent, { type: 'tool_call' }>): void {
    if (this.messageId) this.closeMessage({});
    if (!this.toolStepId) {
      const step = newStep(this.runtime, this.record.run(), { type: 'tool_calls', tool_calls: [] });
      this.toolStepId = step.id;
      this.record.putStep(step, 'thread.run.step.created');
      this.record.emit('thread.run.step.in_progress', step);
    }
    const call = this.calls.get(event.index) ?? {
      id: this.callIds.claim(event.id),
      name: '',
      arguments: '',
    };
    call.name ||= event.name ?? '';
    call.arguments += event.arguments ?? '';
    this.calls.set(event.index, call);
    const step = this.record.step(this.toolStepId);
    this.record.putStep({
      ...step,
      step_details: { type: 'tool_calls', tool_calls: this.toolCalls(() => null) },
    });
    this.record.emit('thread.run.step.delta', {
      id: step.id,
      object: 'thread.run.step.delta',
      delta: {
        step_details: {
          type: 'tool_calls',
          tool_calls: [
            {
              index: event.index,
              id: call.id,
              type: 'function',
              function: { name: event.name, arguments: event.arguments ?? '' },
            },
          ],
        },
      },
    });
  }

  /**
   * Ends the open message and its step: the message `completed`, or
   * `incomplete` (with why) when `end` has a reason.
   */
  closeMessage(end: MessageEnd): void {
    const now = this.runtime.now();
    const message = this.record.message(this.messageId!);
    const closed: Message =
      end.reason === undefined
        ? { ...message, status: 'completed', completed_at: now }
        : {
            ...message,
            status: 'incomplete',
            incomplete_at: now,
            incomplete_details: { reason: end.reason },
          };
    this.record.putMessage(closed, `thread.message.${closed.status}`);
    const step = this.record.step(this.messageStepId!);
    const stepStatus = end.step ?? 'completed';
    this.record.putStep(
      {
        ...step,
        ...stepEnd(stepStatus, now),
        last_error: stepError(end.error),
        usage: end.usage ? stepUsage(end.usage) : null,
      },
      `thread.run.step.${stepStatus}`,
    );
    this.messageId = this.messageStepId = undefined;
  }

  /**
   * Fills the open calls' outputs (by call id) and completes their step.
   * Returns the calls, now closed.
   */
  completeToolCalls(outputs: ReadonlyMap<string, string>): ModelToolCall[] {
    const calls = [...this.calls.values()];
    const step = this.record.step(this.toolStepId!);
    this.record.putStep(
      {
        ...step,
        status: 'completed',
        completed_at: this.runtime.now(),
        step_details: {
          type: 'tool_calls',
          tool_calls: this.toolCalls((call) => outputs.get(call.id)!),
        },
      },
      'thread.run.step.completed',
    );
    this.calls.clear();
    this.toolStepId = undefined;
    return calls;
  }

  /** Ends the open message and the open `tool_calls` step, if any, as the run ends. */
  endOpen(end: OpenEnd): void {
    if (this.messageId) this.closeMessage(end.message);
    if (this.toolStepId) {
      const step = this.record.step(this.toolStepId);
      this.record.putStep(
        {
          ...step,
          ...stepEnd(end.toolStep, this.runtime.now()),
          last_error: stepError(end.error),
        },
        `thread.run.step.${end.toolStep}`,
      );
    }
  }

  private toolCalls(output: (call: ModelToolCall) => string | null): ToolCall[] {
    return [...this.calls.values()].map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments, output: output(call) },
    }));
  }
}
