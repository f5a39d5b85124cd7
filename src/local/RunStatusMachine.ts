import { type SchedulerLike, Subscription } from 'rxjs';
import type { Run, RunStep } from '../backend/types';
import { redactSecrets } from '../errors/RxAssistantsError';
import type { ModelToolCall } from './ModelAdapter';
import type { Runtime } from './records';
import type { RunRecorder } from './RunRecorder';
import type { RunUsage } from './RunUsage';
import type { IncompleteReason } from './records';
import type { StepWriter } from './StepWriter';
import { stepUsage } from './records';

/** The statuses a run ends in. */
export type TerminalStatus = 'completed' | 'failed' | 'cancelled' | 'expired' | 'incomplete';

/**
 * How long a run stays in its waiting statuses, in ms of the scheduler: the
 * hook for driving the engine on a timeline (a test backend that holds a run
 * `queued` for 3 frames, say). Each is asked once per visit of its status;
 * `Infinity` waits forever. The default, `immediateTiming`, moves on at
 * the next tick.
 *
 * ## Example
 *
 * ```ts
 * import { localBackend, type RunTiming } from 'rx-assistants/local';
 *
 * // Runs wait 100 ms in queued, cancel in 10 ms and expire after 5 s.
 * const timing: RunTiming = { queued: () => 100, cancelling: () => 10, expiresAfter: () => 5000 };
 * const backend = localBackend({ timing });
 * ```
 */
export interface RunTiming {
  /** How long the run stays `queued` before its turn begins (first turn, and after each submit). */
  queued(run: Run): number;
  /** How long the run stays `cancelling` before it is `cancelled`. */
  cancelling(run: Run): number;
  /**
   * Optional: in how many ms the run expires, asked as it starts and after each
   * submit (counted from then); `undefined` keeps the deadline it had (at
   * first, the runtime's `runExpiresAfter` from its creation).
   */
  expiresAfter?(run: Run): number | undefined;
}

/** No delays: each waiting status ends at the next tick of the scheduler. */
export const immediateTiming: RunTiming = { queued: () => 0, cancelling: () => 0 };

/** Why the open message is incomplete when the run ends otherwise than `completed`. */
const messageReason: Record<Exclude<TerminalStatus, 'completed'>, IncompleteReason> = {
  failed: 'run_failed',
  cancelled: 'run_cancelled',
  expired: 'run_expired',
  incomplete: 'max_tokens',
};

/** How an open step ends with its run. */
const stepStatusOf = (status: TerminalStatus): RunStep['status'] =>
  status === 'completed' || status === 'incomplete' ? 'completed' : status;

/** What a {@link RunStatusMachine} moves, and what it tells its engine. */
export interface RunStatusMachineConfig {
  runtime: Runtime;
  scheduler: SchedulerLike;
  timing: RunTiming;
  /** How long after its start the run expires, in ms. */
  expiresAfter: number;
  record: RunRecorder;
  writer: StepWriter;
  usage: RunUsage;
  /** Runs the model's turn of a run that is `queued`. */
  turn(): void;
  /** Stops the model's turn, if one is under way. */
  stopTurn(): void;
  /** The run has ended (after its last event) or was stopped. */
  ended(): void;
  /** The run waits for tool outputs (its status written). */
  waiting(): void;
}

/**
 * The API's status machine for one run, in one place:
 *
 * ```
 * queued → in_progress → (requires_action → queued → in_progress)* →
 *   completed | failed | cancelled (via cancelling) | expired | incomplete
 * ```
 *
 * Each transition is one method, which stores the run and announces its new
 * status. Time enters only here: the expiry timer, and the waits of
 * {@link RunTiming} in `queued` and `cancelling`.
 *
 * ## Example
 *
 * ```ts
 * import type { RunStatusMachine } from 'src/local/RunStatusMachine';
 *
 * declare const machine: RunStatusMachine;
 * machine.start(); // its turn begins after timing.queued(run) ms
 * machine.cancel(); // cancelling now, cancelled after timing.cancelling(run) ms
 * ```
 */
export class RunStatusMachine {
  private readonly timers = new Subscription();
  private expiry?: Subscription;
  private over = false;

  constructor(private readonly config: RunStatusMachineConfig) {}

  /** Whether the run has ended (or was stopped): no transition applies any more. */
  get ended(): boolean {
    return this.over;
  }

  /**
   * Starts a run stored as `queued` (or taken up from a process that
   * stopped): it expires in `expiresIn` ms, and its next turn waits, unless
   * it waits for tool outputs.
   */
  start(expiresIn = this.config.expiresAfter): void {
    this.expireIn(expiresIn);
    if (this.config.record.run().status !== 'requires_action') this.scheduleTurn();
  }

  /** `queued → in_progress`, as a turn begins; `undefined` (and nothing done) if not queued. */
  beginTurn(): Run | undefined {
    const run = this.config.record.run();
    if (run.status !== 'queued') return undefined;
    return this.config.record.updateRun({
      status: 'in_progress',
      started_at: run.started_at ?? this.config.runtime.now(),
    });
  }

  /** `in_progress → requires_action`, asking for the outputs of `calls`. */
  requireAction(calls: readonly ModelToolCall[]): void {
    this.config.record.updateRun({
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
    this.config.waiting();
  }

  /** `requires_action → queued`, with the outputs in: the next turn waits. */
  resume(): Run {
    const queued = this.config.record.updateRun({ status: 'queued', required_action: null });
    this.expireIn(undefined);
    this.scheduleTurn();
    return queued;
  }

  /** `→ cancelling` at once (the turn stops), then `cancelled` after `timing.cancelling`. */
  cancel(): Run {
    this.config.stopTurn();
    const cancelling = this.config.record.updateRun({
      status: 'cancelling',
      required_action: null,
    });
    this.after(this.config.timing.cancelling(cancelling), () => this.finish('cancelled'));
    return cancelling;
  }

  /** `→ failed`, with the error as `last_error` (a 429 as `rate_limit_exceeded`, secrets masked). */
  fail(error: unknown): void {
    const status =
      typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
    const last_error = {
      code: status === 429 ? ('rate_limit_exceeded' as const) : ('server_error' as const),
      message: redactSecrets(message || 'The model failed.'),
    };
    this.finish('failed', { last_error });
  }

  /**
   * Ends the run in `status`: its open message and steps end with it (the
   * message `incomplete` for `reason`, by default the status's), its
   * timestamps, `usage` and `patch` are stored, and its events complete.
   */
  finish(status: TerminalStatus, patch: Partial<Run> = {}, reason?: IncompleteReason): void {
    if (this.over) return;
    const { record, writer, usage, runtime } = this.config;
    const now = runtime.now();
    this.config.stopTurn();
    const step = stepStatusOf(status);
    writer.endOpen({
      message:
        status === 'completed'
          ? {}
          : { reason: reason ?? messageReason[status], step, error: patch.last_error },
      toolStep: status === 'completed' || status === 'incomplete' ? 'cancelled' : step,
      error: patch.last_error,
    });
    // Over (its thread free) before its terminal event is heard, as one who
    // hears it may start the thread's next run at once.
    this.release();
    record.updateRun({
      status,
      required_action: null,
      expires_at: status === 'expired' ? now : null,
      completed_at: status === 'completed' ? now : null,
      failed_at: status === 'failed' ? now : null,
      cancelled_at: status === 'cancelled' ? now : null,
      usage: stepUsage(usage.total),
      ...patch,
    });
    record.end();
  }

  /** Stops the run where it is, silently: its timers and turn stop, its events complete. */
  stop(): void {
    this.release();
    this.config.record.abandon();
  }

  private release(): void {
    this.over = true;
    this.timers.unsubscribe();
    this.config.stopTurn();
    this.config.ended();
  }

  private scheduleTurn(): void {
    this.after(this.config.timing.queued(this.config.record.run()), () => this.config.turn());
  }

  /** (Re)arms the expiry: in `timing.expiresAfter(run)` ms if it says, else in `fallback` (if any). */
  private expireIn(fallback: number | undefined): void {
    const delay = this.config.timing.expiresAfter?.(this.config.record.run()) ?? fallback;
    if (delay === undefined) return;
    this.expiry?.unsubscribe();
    this.expiry = this.after(delay, () => this.finish('expired'));
  }

  /** Runs `work` in `delay` ms, unless the run stops first; never when `delay` is `Infinity`. */
  private after(delay: number, work: () => void): Subscription | undefined {
    if (delay === Infinity) return undefined;
    const action = this.config.scheduler.schedule(work, delay);
    this.timers.add(action);
    return action;
  }
}
