import { forkJoin, isObservable, map, type SchedulerLike, Subscription, tap } from 'rxjs';
import type { Message, Run } from '../backend/types';
import type { CallIds } from './CallIds';
import type { ModelAdapter, ModelEvent, ModelFinishReason, ModelMessage } from './ModelAdapter';
import { checkCallsNamed, checkModelEvent, ModelEventError } from './modelEvents';
import { modelRequestFor } from './modelRequest';
import { builtinToolsOf, unsupportedToolError } from './records';
import type { RunRecorder } from './RunRecorder';
import type { RunStatusMachine } from './RunStatusMachine';
import { promptEstimate, type RunUsage } from './RunUsage';
import type { StepWriter } from './StepWriter';
import type { AssistantsStore } from './storePort';

/** A run that has not ended: its parts, and what the engine keeps for its next turns. */
export interface ActiveRun {
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
  /** Taken up from a process that stopped mid-turn: its next turn redoes that one, from `in_progress`. */
  resumed?: boolean;
}

/** What {@link RunTurns} works with. */
export interface RunTurnsConfig {
  store: AssistantsStore;
  callIds: CallIds;
  scheduler: SchedulerLike;
  modelFor(run: Run): ModelAdapter;
}

/** Whether a turn of the run begins now: it is `queued` (or `in_progress`, taken up mid-turn). */
const startsTurn = (active: ActiveRun, run: Run) =>
  run.status === 'queued' || (active.resumed === true && run.status === 'in_progress');

/**
 * The turns of active runs: each reads the thread's messages, asks the model,
 * writes its answer as it streams ({@link StepWriter}), and ends the turn as
 * the API does: the run completes, asks for tool outputs, or ends incomplete
 * or failed.
 *
 * ## Example
 *
 * ```ts
 * import type { ActiveRun, RunTurns } from 'src/local/RunTurns';
 *
 * declare const turns: RunTurns;
 * declare const active: ActiveRun; // queued
 * turns.turn(active); // in_progress, then the model's answer as it streams
 * ```
 */
export class RunTurns {
  constructor(private readonly config: RunTurnsConfig) {}

  /**
   * One turn of a `queued` run: the thread's messages are read, the model is
   * asked, and its answer written as it streams.
   */
  turn(active: ActiveRun): void {
    const run = active.record.run();
    if (!startsTurn(active, run)) return;
    const turn = (active.turn = new Subscription());
    const messages = this.config.store.list('message', {
      parentId: run.thread_id,
      order: 'asc',
    });
    turn.add(
      forkJoin([messages, this.config.callIds.ready()]).subscribe({
        next: ([page]) => this.ask(active, turn, page.data),
        error: (error: unknown) => active.status.fail(error),
      }),
    );
  }

  /** Asks the model for its turn on the thread's `messages`, under `turn`. */
  private ask(active: ActiveRun, turn: Subscription, messages: Message[]): void {
    const run = active.record.run();
    if (!startsTurn(active, run)) return;
    active.resumed = false;
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
