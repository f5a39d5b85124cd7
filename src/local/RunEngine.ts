import { defer, EMPTY, forkJoin, isObservable, map, Subscription, tap } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { AssistantStreamEvent, Message, Run } from '../backend/types';
import { CallIds } from './CallIds';
import type { ModelAdapter, ModelEvent, ModelFinishReason, ModelMessage } from './ModelAdapter';
import { checkCallsNamed, checkModelEvent, ModelEventError } from './modelEvents';
import { modelRequestFor } from './modelRequest';
import { builtinToolsOf, type Runtime, unsupportedToolError } from './records';
import { RunRecorder } from './RunRecorder';
import { immediateTiming, RunStatusMachine, type RunTiming } from './RunStatusMachine';
import { promptEstimate, RunUsage } from './RunUsage';
import { StepWriter } from './StepWriter';
import { checkOutputs } from './toolOutputs';
import { invalid } from './validation';

/** How the engine runs. */
export interface RunEngineConfig {
  runtime: Runtime;
  scheduler: SchedulerLike;
  modelFor(run: Run): ModelAdapter;
  /** How long after creation a run expires, in ms. */
  expiresAfter: number;
  /** How long runs wait in `queued` and `cancelling`. Default `immediateTiming`. */
  timing?: RunTiming;
}

/** A run that has not ended: its parts, and what the engine keeps for its next turns. */
interface ActiveRun {
  id: string;
  threadId: string;
  record: RunRecorder;
  writer: StepWriter;
  usage: RunUsage;
  status: RunStatusMachine;
  /** The model's turn under way (its reads, then the model's answer), if any. */
  turn?: Subscription;
  /** The run's earlier tool calls and outputs, for the next turns. */
  history: ModelMessage[];
  /** Why the model says the turn under way ended, if it said. */
  finishReason?: ModelFinishReason;
}

/**
 * The run engine: moves runs through the API's state machine on a scheduler
 * (see {@link RunStatusMachine}), calling the model once per turn and writing
 * its messages and steps to the store ({@link StepWriter}), each announced on
 * the run's events ({@link RunRecorder}), with its usage ({@link RunUsage}).
 *
 * ## Example
 *
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { RunEngine } from 'src/local/RunEngine';
 * import { memoryStore, tutorModel } from 'rx-assistants/local';
 *
 * const runtime = { store: memoryStore(), now: () => 0, newId: (p: string) => `${p}_1` };
 * const engine = new RunEngine({
 *   runtime,
 *   scheduler: asyncScheduler,
 *   modelFor: () => tutorModel(),
 *   expiresAfter: 600_000,
 * });
 * // engine.start(run) for a run stored as `queued`; engine.events(run.id) to follow it.
 * ```
 */
export class RunEngine {
  private readonly active = new Map<string, ActiveRun>();
  private readonly callIds: CallIds;

  constructor(private readonly config: RunEngineConfig) {
    this.callIds = new CallIds(config.runtime.store, config.runtime.newId);
  }

  /**
   * Starts a run already stored as `queued`: it begins at once and expires
   * after `expiresAfter`. If the store fails one of its writes, the run stops
   * here (its events error), as it would if this process died.
   */
  start(run: Run): void {
    const { runtime, scheduler, expiresAfter } = this.config;
    const record = new RunRecorder(runtime.store, run, () => active.status.stop());
    const writer = new StepWriter(runtime, record, this.callIds);
    const usage = new RunUsage();
    const active: ActiveRun = {
      id: run.id,
      threadId: run.thread_id,
      record,
      writer,
      usage,
      history: [],
      status: new RunStatusMachine({
        runtime,
        scheduler,
        timing: this.config.timing ?? immediateTiming,
        expiresAfter,
        record,
        writer,
        usage,
        turn: () => this.turn(active),
        stopTurn: () => {
          active.turn?.unsubscribe();
          active.turn = undefined;
        },
        ended: () => this.active.delete(run.id),
      }),
    };
    this.active.set(run.id, active);
    active.status.start();
  }

  /** The events of an active run from now on (deltas included); empty for an ended run. */
  events(runId: string): Observable<AssistantStreamEvent> {
    return this.active.get(runId)?.record.events$ ?? EMPTY;
  }

  /**
   * Moves an active run to `cancelling`, and to `cancelled` right after;
   * emits the run once `cancelling` is stored.
   *
   * @param stored The run as the store has it.
   */
  cancel(stored: Run): Observable<Run> {
    return this.once(stored, (active, run) => {
      if (!active || run.status === 'cancelling') {
        throw invalid(null, `Cannot cancel run with status '${run.status}'.`);
      }
      return active.status.cancel();
    });
  }

  /**
   * Takes the outputs of a run in `requires_action` and queues its next turn;
   * emits the run once `queued` is stored.
   *
   * @param stored The run as the store has it.
   */
  submit(stored: Run, toolOutputs: unknown): Observable<Run> {
    return this.once(stored, (active, run) => {
      if (!active || run.status !== 'requires_action') {
        throw invalid(null, `Runs in status "${run.status}" do not accept tool outputs.`);
      }
      return this.takeOutputs(active, toolOutputs);
    });
  }

  /** The outputs of `active`'s calls in its history, and its next turn queued. */
  private takeOutputs(active: ActiveRun, toolOutputs: unknown): Run {
    const outputs = checkOutputs(toolOutputs, [...active.writer.callsByIndex.values()]);
    const calls = active.writer.completeToolCalls(outputs);
    active.history.push(
      { role: 'assistant', content: '', toolCalls: calls },
      ...calls.map((call): ModelMessage => ({
        role: 'tool',
        toolCallId: call.id,
        content: outputs.get(call.id)!,
      })),
    );
    return active.status.resume();
  }

  /** Stops every run of a deleted thread, silently. */
  forget(threadId: string): void {
    for (const active of [...this.active.values()]) {
      if (active.threadId === threadId) active.status.stop();
    }
  }

  /**
   * `act` on the run (this process's view of it if it runs here, else as
   * stored), when subscribed; emits its result once the writes it made are
   * stored.
   */
  private once(
    stored: Run,
    act: (active: ActiveRun | undefined, run: Run) => Run,
  ): Observable<Run> {
    return defer(() => {
      const active = this.active.get(stored.id);
      const run = act(active, active?.record.run() ?? stored);
      return active!.record.flushed().pipe(map(() => run));
    });
  }

  /**
   * One turn of a `queued` run: the thread's messages are read, the model is
   * asked, and its answer written as it streams.
   */
  private turn(active: ActiveRun): void {
    const run = active.record.run();
    if (run.status !== 'queued') return;
    const turn = (active.turn = new Subscription());
    const messages = this.config.runtime.store.list('message', {
      parentId: run.thread_id,
      order: 'asc',
    });
    turn.add(
      forkJoin([messages, this.callIds.ready()]).subscribe({
        next: ([page]) => this.ask(active, turn, page.data),
        error: (error: unknown) => active.status.fail(error),
      }),
    );
  }

  /** Asks the model for its turn on the thread's `messages`, under `turn`. */
  private ask(active: ActiveRun, turn: Subscription, messages: Message[]): void {
    const run = active.record.run();
    if (run.status !== 'queued') return;
    const request = modelRequestFor(run, messages, active.history, active.usage.total.completion);
    const prompt = promptEstimate(request);
    if (run.max_prompt_tokens !== null && prompt > run.max_prompt_tokens) {
      return active.status.finish('incomplete', {
        incomplete_details: { reason: 'max_prompt_tokens' },
      });
    }
    const started = active.status.beginTurn() ?? run;
    active.usage.startTurn(prompt);
    active.finishReason = undefined;
    try {
      const answer$: unknown = this.config
        .modelFor(run)
        .respond(request, { scheduler: this.config.scheduler, run: started });
      if (!isObservable(answer$)) {
        throw new ModelEventError('The model returned no Observable from respond.', answer$);
      }
      // A bad event, or a failure to record one, errors the turn: it fails this run alone.
      turn.add(
        answer$
          .pipe(
            map(checkModelEvent),
            tap({
              next: (event) => this.onModelEvent(active, event),
              complete: () => this.endTurn(active),
            }),
          )
          .subscribe({ error: (error: unknown) => active.status.fail(error) }),
      );
    } catch (error) {
      active.status.fail(error);
    }
  }

  private onModelEvent(active: ActiveRun, event: ModelEvent): void {
    if (event.type === 'usage') {
      active.usage.report({ prompt: event.promptTokens, completion: event.completionTokens });
    } else if (event.type === 'finish') {
      active.finishReason = event.reason;
    } else {
      active.writer.write(event);
    }
  }

  private endTurn(active: ActiveRun): void {
    active.turn = undefined;
    const { writer, status } = active;
    const turn = active.usage.endTurn(writer.written);
    const run = active.record.run();
    const used = active.usage.total.completion;
    const overLimit = run.max_completion_tokens !== null && used > run.max_completion_tokens;
    // Over the run's limit, or cut off by the model's own: the run ends incomplete, as the API's.
    if (overLimit || active.finishReason === 'length') {
      return status.finish('incomplete', {
        incomplete_details: { reason: 'max_completion_tokens' },
      });
    }
    if (active.finishReason === 'content_filter') {
      return status.finish('incomplete', { incomplete_details: {} }, 'content_filter');
    }
    const calls = [...writer.callsByIndex.values()];
    if (calls.length > 0) {
      checkCallsNamed(writer.callsByIndex);
      // A call of a built-in tool the run declares (and no function of that name): not run here.
      const functions = new Set(
        run.tools.flatMap((tool) => (tool.type === 'function' ? [tool.function.name] : [])),
      );
      const builtin = builtinToolsOf(run).find((tool) =>
        calls.some((call) => call.name === tool && !functions.has(tool)),
      );
      if (builtin) return status.finish('failed', { last_error: unsupportedToolError(builtin) });
      // Text written after the calls is a message of its own, complete before the run waits.
      if (writer.hasOpenMessage) writer.closeMessage({});
      return status.requireAction(calls);
    }
    writer.openMessage();
    writer.closeMessage({ usage: turn });
    status.finish('completed');
  }
}
