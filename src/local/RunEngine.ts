import { concatMap, defer, EMPTY, forkJoin, map, of } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { AssistantStreamEvent, Message, Run } from '../backend/types';
import { CallIds } from './CallIds';
import type { ModelAdapter, ModelMessage } from './ModelAdapter';
import type { Runtime } from './records';
import { type Resumption, resumptionOf } from './resumption';
import { RunRecorder } from './RunRecorder';
import { immediateTiming, RunStatusMachine, type RunTiming } from './RunStatusMachine';
import { type ActiveRun, RunTurns } from './RunTurns';
import { RunUsage } from './RunUsage';
import { StepWriter } from './StepWriter';
import type { SharedRunEvent } from './storePort';
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
  /** Called once a run waits for tool outputs, its `requires_action` stored and announced. */
  waiting?(runId: string): void;
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
  private readonly turns: RunTurns;

  constructor(private readonly config: RunEngineConfig) {
    const { runtime, scheduler, modelFor } = config;
    this.callIds = new CallIds(runtime.store, runtime.newId);
    this.turns = new RunTurns({ store: runtime.store, callIds: this.callIds, scheduler, modelFor });
  }

  /**
   * Starts a run already stored as `queued`: it begins at once and expires
   * after `expiresAfter`. If the store fails one of its writes, the run stops
   * here (its events error), as it would if this process died.
   */
  start(run: Run): void {
    this.activate(run).status.start();
  }

  /**
   * Takes up a run that has not ended and whose process stopped (its lease
   * is now this process's): its turn under way is redone, and it goes on, or
   * ends if it was cancelling or its time is up. Emits once it is under way.
   */
  resume(run: Run): Observable<void> {
    const { store } = this.config.runtime;
    return store.list('step', { parentId: run.id, order: 'asc' }).pipe(
      concatMap(({ data: steps }) => {
        const open = steps.flatMap(({ status, step_details: details }) =>
          status === 'in_progress' && details.type === 'message_creation'
            ? [details.message_creation.message_id]
            : [],
        );
        return forkJoin([of(steps), ...open.map((id) => store.get('message', id))]);
      }),
      concatMap(([steps, ...found]) => {
        const messages = new Map<string, Message>();
        for (const message of found) if (message) messages.set(message.id, message);
        const resumption = resumptionOf(run, steps, messages);
        const undone = resumption.undo.length > 0 ? store.write(resumption.undo) : of(undefined);
        return undone.pipe(map(() => this.takeUp(run, resumption)));
      }),
    );
  }

  /** The ids of the runs this process executes. */
  held(): string[] {
    return [...this.active.keys()];
  }

  /** Stops every run here, silently (this runtime shuts down); returns their ids. */
  dropAll(): string[] {
    const held = this.held();
    for (const runId of held) this.drop(runId);
    return held;
  }

  /** Stops a run here, silently (another process took it up, or this one shuts down). */
  drop(runId: string): void {
    this.active.get(runId)?.status.stop();
  }

  /** Cancels a run executed here (asked by another process); nothing if it is not here or cancelling. */
  cancelHere(runId: string): void {
    const active = this.active.get(runId);
    if (active && active.record.run().status !== 'cancelling') active.status.cancel();
  }

  /** Goes on with a run taken up, as its {@link Resumption} says. */
  private takeUp(run: Run, resumption: Resumption): void {
    if (this.active.has(run.id)) return;
    const active = this.activate(run, resumption);
    for (const { step, message } of resumption.adopt) active.writer.adopt(step, message);
    const { scheduler, expiresAfter } = this.config;
    const expiresIn =
      run.expires_at === null ? expiresAfter : run.expires_at * 1000 - scheduler.now();
    if (run.status === 'cancelling') active.status.finish('cancelled');
    else if (expiresIn <= 0) active.status.finish('expired');
    else active.status.start(expiresIn);
  }

  /** The parts of an active run, known to the engine from now on. */
  private activate(run: Run, resumption?: Resumption): ActiveRun {
    const { runtime, scheduler, expiresAfter } = this.config;
    const record = new RunRecorder(runtime.store, run, () => active.status.stop(), scheduler);
    const writer = new StepWriter(runtime, record, this.callIds);
    const usage = new RunUsage(resumption?.usage);
    const active: ActiveRun = {
      id: run.id,
      threadId: run.thread_id,
      record,
      writer,
      usage,
      history: resumption?.history ?? [],
      resumed: resumption !== undefined,
      status: new RunStatusMachine({
        runtime,
        scheduler,
        timing: this.config.timing ?? immediateTiming,
        expiresAfter,
        record,
        writer,
        usage,
        turn: () => this.turns.turn(active),
        stopTurn: () => {
          active.turn?.unsubscribe();
          active.turn = undefined;
        },
        ended: () => this.active.delete(run.id),
        waiting: () =>
          record.flushed().subscribe({ complete: () => this.config.waiting?.(run.id) }),
      }),
    };
    this.active.set(run.id, active);
    return active;
  }

  /** The events of an active run from now on (deltas included); empty for an ended run. */
  events(runId: string): Observable<AssistantStreamEvent> {
    return this.active.get(runId)?.record.events$ ?? EMPTY;
  }

  /** An active run's events with their text offsets, as `RunEventChannel.listen` tells them. */
  live(runId: string): Observable<readonly SharedRunEvent[]> {
    return this.active.get(runId)?.record.live$ ?? of([]);
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
}
