import {
  EMPTY,
  isObservable,
  map,
  type Observable,
  type SchedulerLike,
  Subject,
  Subscription,
  tap,
} from 'rxjs';
import type { AssistantStreamEvent, Message, Run, RunStep, ToolCall } from '../backend/types';
import { redactSecrets } from '../errors/RxAssistantsError';
import { CallIds } from './CallIds';
import type { ModelAdapter, ModelEvent, ModelMessage } from './ModelAdapter';
import { checkCallsNamed, checkModelEvent, ModelEventError } from './modelEvents';
import { newMessage, newStep, stepEnd, stepError, stepUsage, type Runtime } from './records';
import { modelRequestFor } from './modelRequest';
import { checkOutputs } from './toolOutputs';
import { estimateTokens } from './tokens';
import { invalid } from './validation';

/** How the engine runs. */
export interface RunEngineConfig {
  runtime: Runtime;
  scheduler: SchedulerLike;
  modelFor(run: Run): ModelAdapter;
  /** How long after creation a run expires, in ms. */
  expiresAfter: number;
}

interface Call {
  id: string;
  name: string;
  arguments: string;
}

/** What the engine knows of a run that has not ended, beyond the stored run. */
interface ActiveRun {
  id: string;
  threadId: string;
  /** Timers and the model turn: unsubscribed when the run ends. */
  subscriptions: Subscription;
  turn?: Subscription;
  /** The run's earlier tool calls and outputs, for the next turns. */
  history: ModelMessage[];
  messageId?: string;
  messageStepId?: string;
  text: string;
  toolStepId?: string;
  calls: Map<number, Call>;
  turnUsage?: { prompt: number; completion: number };
  usage: { prompt: number; completion: number };
  events: Subject<AssistantStreamEvent>;
}

/** How the open message ends: completed unless a `reason` says why it is incomplete. */
interface MessageEnd {
  reason?: NonNullable<Message['incomplete_details']>['reason'];
  step?: RunStep['status'];
  error?: Run['last_error'];
  usage?: { prompt: number; completion: number };
}

type Terminal = 'completed' | 'failed' | 'cancelled' | 'expired' | 'incomplete';

const incompleteReason: Record<
  Exclude<Terminal, 'completed'>,
  NonNullable<Message['incomplete_details']>['reason']
> = {
  failed: 'run_failed',
  cancelled: 'run_cancelled',
  expired: 'run_expired',
  incomplete: 'max_tokens',
};

/**
 * Moves runs through the API's state machine on a scheduler: `queued →
 * in_progress → (requires_action ⇄ queued/in_progress)* → completed | failed |
 * cancelled (via cancelling) | expired | incomplete`, calling the model once
 * per turn and recording its steps and messages in the store.
 */
export class RunEngine {
  private readonly active = new Map<string, ActiveRun>();
  private readonly callIds: CallIds;

  constructor(private readonly config: RunEngineConfig) {
    this.callIds = new CallIds(config.runtime);
  }

  /** Starts a run already stored as `queued`: it begins at once and expires after `expiresAfter`. */
  start(run: Run): void {
    const active: ActiveRun = {
      id: run.id,
      threadId: run.thread_id,
      subscriptions: new Subscription(),
      history: [],
      text: '',
      calls: new Map(),
      usage: { prompt: 0, completion: 0 },
      events: new Subject(),
    };
    this.active.set(run.id, active);
    const { scheduler, expiresAfter } = this.config;
    active.subscriptions.add(
      scheduler.schedule(() => this.finish(active, 'expired'), expiresAfter),
    );
    this.begin(active);
  }

  /** The events of an active run from now on (deltas included); empty for an ended run. */
  events(runId: string): Observable<AssistantStreamEvent> {
    const active = this.active.get(runId);
    return active ? active.events.asObservable() : EMPTY;
  }

  /** The id of the thread's run that has not ended, if any. */
  activeRunOf(threadId: string): string | undefined {
    for (const active of this.active.values()) if (active.threadId === threadId) return active.id;
    return undefined;
  }

  /** Moves an active run to `cancelling`, and to `cancelled` right after. */
  cancel(runId: string): Run {
    const run = this.run(runId);
    const active = this.active.get(runId);
    if (!active || run.status === 'cancelling') {
      throw invalid(null, `Cannot cancel run with status '${run.status}'.`);
    }
    active.turn?.unsubscribe();
    const cancelling = this.update(active, { status: 'cancelling' });
    active.subscriptions.add(
      this.config.scheduler.schedule(() => this.finish(active, 'cancelled')),
    );
    return cancelling;
  }

  /** Takes the outputs of a run in `requires_action` and queues its next turn. */
  submit(runId: string, toolOutputs: unknown): Run {
    const run = this.run(runId);
    const active = this.active.get(runId);
    if (!active || run.status !== 'requires_action') {
      throw invalid(null, `Runs in status "${run.status}" do not accept tool outputs.`);
    }
    const outputs = checkOutputs(toolOutputs, [...active.calls.values()]);
    const calls = [...active.calls.values()];
    const now = this.config.runtime.now();
    const step = this.step(active.toolStepId!);
    const toolCalls = calls.map((call): ToolCall => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments, output: outputs.get(call.id)! },
    }));
    this.putStep(
      active,
      {
        ...step,
        status: 'completed',
        completed_at: now,
        step_details: { type: 'tool_calls', tool_calls: toolCalls },
      },
      'thread.run.step.completed',
    );
    active.history.push(
      { role: 'assistant', content: '', toolCalls: calls },
      ...calls.map((call): ModelMessage => ({
        role: 'tool',
        toolCallId: call.id,
        content: outputs.get(call.id)!,
      })),
    );
    active.calls = new Map();
    active.toolStepId = undefined;
    const queued = this.update(active, { status: 'queued', required_action: null });
    this.begin(active);
    return queued;
  }

  /** Stops every run of a deleted thread, silently. */
  forget(threadId: string): void {
    for (const active of [...this.active.values()]) {
      if (active.threadId !== threadId) continue;
      active.subscriptions.unsubscribe();
      active.turn?.unsubscribe();
      active.events.complete();
      this.active.delete(active.id);
    }
  }

  private begin(active: ActiveRun): void {
    active.subscriptions.add(this.config.scheduler.schedule(() => this.turn(active)));
  }

  private turn(active: ActiveRun): void {
    const run = this.run(active.id);
    if (run.status !== 'queued') return;
    const request = modelRequestFor(
      run,
      this.config.runtime.store.list('message', run.thread_id),
      active.history,
      active.usage.completion,
    );
    const prompt = estimateTokens(
      request.instructions + request.messages.map((m) => m.content).join('\n'),
    );
    if (run.max_prompt_tokens !== null && prompt > run.max_prompt_tokens) {
      return this.finish(active, 'incomplete', {
        incomplete_details: { reason: 'max_prompt_tokens' },
      });
    }
    this.update(active, {
      status: 'in_progress',
      started_at: run.started_at ?? this.config.runtime.now(),
    });
    active.turnUsage = undefined;
    try {
      const answer$: unknown = this.config
        .modelFor(run)
        .respond(request, { scheduler: this.config.scheduler });
      if (!isObservable(answer$)) {
        throw new ModelEventError('The model returned no Observable from respond.', answer$);
      }
      // A bad event, or a failure to record one, errors the turn: it fails this run alone.
      active.turn = answer$
        .pipe(
          map(checkModelEvent),
          tap({
            next: (event) => this.onModelEvent(active, event),
            complete: () => this.endTurn(active, prompt),
          }),
        )
        .subscribe({ error: (error: unknown) => this.fail(active, error) });
    } catch (error) {
      this.fail(active, error);
    }
  }

  private onModelEvent(active: ActiveRun, event: ModelEvent): void {
    if (event.type === 'usage') {
      active.turnUsage = { prompt: event.promptTokens, completion: event.completionTokens };
    } else if (event.type === 'text') {
      if (event.delta) this.appendText(active, event.delta);
    } else {
      this.addToolCall(active, event);
    }
  }

  private appendText(active: ActiveRun, delta: string): void {
    const run = this.run(active.id);
    const { runtime } = this.config;
    if (!active.messageId) {
      const step = newStep(runtime, run, {
        type: 'message_creation',
        message_creation: { message_id: '' },
      });
      const message = newMessage(runtime, {
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
      active.messageId = message.id;
      active.messageStepId = step.id;
      active.text = '';
      this.putStep(active, step, 'thread.run.step.created');
      this.emit(active, 'thread.run.step.in_progress', step);
      this.putMessage(active, message, 'thread.message.created');
      this.emit(active, 'thread.message.in_progress', message);
    }
    if (!delta) return; // a turn that wrote nothing still gets its (empty) message
    active.text += delta;
    const message = runtime.store.get('message', active.messageId)!;
    runtime.store.put('message', {
      ...message,
      content: [{ type: 'text', text: { value: active.text, annotations: [] } }],
    });
    this.emit(active, 'thread.message.delta', {
      id: message.id,
      object: 'thread.message.delta',
      delta: { content: [{ index: 0, type: 'text', text: { value: delta, annotations: [] } }] },
    });
  }

  private addToolCall(active: ActiveRun, event: Extract<ModelEvent, { type: 'tool_call' }>): void {
    const { runtime } = this.config;
    if (active.messageId) this.closeMessage(active, {});
    if (!active.toolStepId) {
      const step = newStep(runtime, this.run(active.id), { type: 'tool_calls', tool_calls: [] });
      active.toolStepId = step.id;
      this.putStep(active, step, 'thread.run.step.created');
      this.emit(active, 'thread.run.step.in_progress', step);
    }
    const call = active.calls.get(event.index) ?? {
      id: this.callIds.claim(event.id),
      name: '',
      arguments: '',
    };
    call.name ||= event.name ?? '';
    call.arguments += event.arguments ?? '';
    active.calls.set(event.index, call);
    const step = this.step(active.toolStepId);
    const toolCalls = [...active.calls.values()].map((c): ToolCall => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments, output: null },
    }));
    runtime.store.put('step', {
      ...step,
      step_details: { type: 'tool_calls', tool_calls: toolCalls },
    });
    this.emit(active, 'thread.run.step.delta', {
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

  private endTurn(active: ActiveRun, promptEstimate: number): void {
    active.turn = undefined;
    const calls = [...active.calls.values()];
    const turn = active.turnUsage ?? {
      prompt: promptEstimate,
      completion: estimateTokens(active.text + calls.map((c) => c.name + c.arguments).join('')),
    };
    active.usage.prompt += turn.prompt;
    active.usage.completion += turn.completion;
    const run = this.run(active.id);
    if (run.max_completion_tokens !== null && active.usage.completion > run.max_completion_tokens) {
      return this.finish(active, 'incomplete', {
        incomplete_details: { reason: 'max_completion_tokens' },
      });
    }
    if (calls.length > 0) {
      checkCallsNamed(active.calls);
      // Text written after the calls is a message of its own, complete before the run waits.
      if (active.messageId) this.closeMessage(active, {});
      this.update(active, {
        status: 'requires_action',
        required_action: {
          type: 'submit_tool_outputs',
          submit_tool_outputs: {
            tool_calls: calls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.arguments },
            })),
          },
        },
      });
      return;
    }
    if (!active.messageId) this.appendText(active, '');
    this.closeMessage(active, { usage: turn });
    this.finish(active, 'completed');
  }

  private fail(active: ActiveRun, error: unknown): void {
    const status = (error as { status?: unknown } | null)?.status;
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
    const last_error = {
      code: status === 429 ? ('rate_limit_exceeded' as const) : ('server_error' as const),
      message: redactSecrets(message || 'The model failed.'),
    };
    this.finish(active, 'failed', { last_error });
  }

  /**
   * Ends the open message and its step: the message `completed` with the run,
   * or `incomplete` (with why) when the run ends otherwise.
   */
  private closeMessage(active: ActiveRun, end: MessageEnd): void {
    const { store } = this.config.runtime;
    const now = this.config.runtime.now();
    const message = store.get('message', active.messageId!)!;
    const closed: Message =
      end.reason === undefined
        ? { ...message, status: 'completed', completed_at: now }
        : {
            ...message,
            status: 'incomplete',
            incomplete_at: now,
            incomplete_details: { reason: end.reason },
          };
    this.putMessage(active, closed, `thread.message.${closed.status}`);
    const step = this.step(active.messageStepId!);
    const stepStatus = end.step ?? 'completed';
    this.putStep(
      active,
      {
        ...step,
        ...stepEnd(stepStatus, now),
        last_error: stepError(end.error),
        usage: end.usage ? stepUsage(end.usage) : null,
      },
      `thread.run.step.${stepStatus}`,
    );
    active.messageId = active.messageStepId = undefined;
  }

  private finish(active: ActiveRun, status: Terminal, patch: Partial<Run> = {}): void {
    if (!this.active.has(active.id)) return;
    const now = this.config.runtime.now();
    active.turn?.unsubscribe();
    const stepStatus: RunStep['status'] =
      status === 'completed' || status === 'incomplete'
        ? 'completed'
        : status === 'failed'
          ? 'failed'
          : status;
    if (active.messageId) {
      this.closeMessage(
        active,
        status === 'completed'
          ? {}
          : { reason: incompleteReason[status], step: stepStatus, error: patch.last_error },
      );
    }
    if (active.toolStepId) {
      const step = this.step(active.toolStepId);
      const end = status === 'completed' || status === 'incomplete' ? 'cancelled' : stepStatus;
      this.putStep(
        active,
        { ...step, ...stepEnd(end, now), last_error: stepError(patch.last_error) },
        `thread.run.step.${end}`,
      );
    }
    const run = this.run(active.id);
    this.update(active, {
      status,
      required_action: null,
      expires_at: status === 'expired' ? run.expires_at : null,
      completed_at: status === 'completed' ? now : null,
      failed_at: status === 'failed' ? now : null,
      cancelled_at: status === 'cancelled' ? now : null,
      usage: {
        prompt_tokens: active.usage.prompt,
        completion_tokens: active.usage.completion,
        total_tokens: active.usage.prompt + active.usage.completion,
      },
      ...patch,
    });
    active.subscriptions.unsubscribe();
    active.events.complete();
    this.active.delete(active.id);
  }

  private run(runId: string): Run {
    return this.config.runtime.store.get('run', runId)!;
  }

  private step(stepId: string): RunStep {
    return this.config.runtime.store.get('step', stepId)!;
  }

  private update(active: ActiveRun, patch: Partial<Run>): Run {
    const run = { ...this.run(active.id), ...patch };
    this.config.runtime.store.put('run', run);
    if (patch.status) this.emit(active, `thread.run.${patch.status}`, run);
    return run;
  }

  private putStep(active: ActiveRun, step: RunStep, event?: string): void {
    this.config.runtime.store.put('step', step);
    if (event) this.emit(active, event, step);
  }

  private putMessage(active: ActiveRun, message: Message, event: string): void {
    this.config.runtime.store.put('message', message);
    this.emit(active, event, message);
  }

  private emit(active: ActiveRun, event: string, data: unknown): void {
    active.events.next({ event, data } as AssistantStreamEvent);
  }
}
