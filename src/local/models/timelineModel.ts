import { Observable, type SchedulerLike } from 'rxjs';
import type { Run, RunStatus } from '../../backend/types';
import type { ModelAdapter, ModelEvent, ModelRequest } from '../ModelAdapter';
import type { RunTiming } from '../RunStatusMachine';
import type { parseTimeline } from './timelineMarbles';

/**
 * A function tool call that a timeline run asks for at `r`.
 *
 * ## Example
 *
 * ```ts
 * import type { TimelineToolCall } from 'rx-assistants/testing';
 *
 * const call: TimelineToolCall = { name: 'get_weather', arguments: { city: 'Paris' } };
 * ```
 */
export interface TimelineToolCall {
  name: string;
  /** The call's arguments: a JSON string, or an object to encode. */
  arguments: string | object;
}

type Rounds = ReturnType<typeof parseTimeline>;
type RunState = { rounds: Rounds; round: number; cancelling?: number };
const TURN_ENDS = new Set<RunStatus>(['requires_action', 'completed', 'failed', 'incomplete']);
const tokens = (text: string) => Math.ceil(text.length / 4);
const promptOf = ({ instructions, messages }: ModelRequest) =>
  instructions + messages.map((m) => (m.role === 'tool' ? '' : m.content)).join('');

/** What a timeline run answers, and how it is cancelled (as a client would). */
interface Script {
  reply(run: Run): string;
  toolCalls(run: Run, round: number): TimelineToolCall[];
  cancel(run: Run): void;
}

/**
 * The engine's hooks that replay timelines round by round: a
 * {@link RunTiming} (how long a round stays `queued`, when it expires at
 * `e`, when the timeline cancels it at `n`/`x`) and a model whose turn opens
 * the message, then ends at the round's `r`, `c`, `f` or `u`. A run takes
 * the timeline last given to `expect`.
 *
 * ## Example
 *
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { localBackend } from 'rx-assistants/local';
 * import { timelineRuns } from 'src/local/models/timelineModel';
 *
 * const runs = timelineRuns({ reply: () => 'Hi', toolCalls: () => [], cancel: () => {} }, asyncScheduler);
 * const backend = localBackend({ model: runs.model, timing: runs.timing });
 * ```
 */
export function timelineRuns(script: Script, scheduler: SchedulerLike) {
  const runs = new Map<string, RunState>();
  let pending: Rounds = [[]];
  const stateOf = (run: Run): RunState => {
    if (!runs.has(run.id)) runs.set(run.id, { rounds: pending, round: 0 });
    return runs.get(run.id)!;
  };
  const roundOf = (run: Run) => {
    const { rounds, round } = stateOf(run);
    const events = rounds[round] ?? [];
    const find = (status: RunStatus) => events.find((e) => e.status === status);
    const first = events.find((e) => e.status !== 'queued');
    const turns = first?.status === 'in_progress' || TURN_ENDS.has(first?.status ?? 'queued');
    const end = events.find((e) => TURN_ENDS.has(e.status));
    return { find, end, turnAt: turns ? first!.frame : Infinity };
  };

  const timing: RunTiming = {
    expiresAfter: (run) => roundOf(run).find('expired')?.frame,
    cancelling: (run) => {
      const state = stateOf(run);
      const wait = state.cancelling ?? 1; // a client's cancel: cancelled 1 ms later
      state.cancelling = undefined;
      return wait;
    },
    queued: (run) => {
      const { find, turnAt } = roundOf(run);
      const [n, x] = [find('cancelling'), find('cancelled')];
      const cancel = () => {
        stateOf(run).cancelling = n ? (x ? x.frame - n.frame : Infinity) : 0;
        script.cancel(run);
      };
      if (n ?? x) scheduler.schedule(cancel, (n ?? x)!.frame);
      return turnAt;
    },
  };

  const ending = (run: Run, end: RunStatus, request: ModelRequest): ModelEvent[] => {
    if (end === 'incomplete') return [{ type: 'finish', reason: 'length' }];
    if (end === 'completed') {
      const reply = script.reply(structuredClone(run));
      const usage = { promptTokens: tokens(promptOf(request)), completionTokens: tokens(reply) };
      return [
        { type: 'text', delta: reply },
        { type: 'usage', ...usage },
      ];
    }
    const asked = { ...structuredClone(run), status: 'requires_action' as const };
    return script.toolCalls(asked, stateOf(run).round++).map(({ name, arguments: args }, index) => {
      const json = typeof args === 'string' ? args : JSON.stringify(args);
      return { type: 'tool_call', index, name, arguments: json };
    });
  };

  const model: ModelAdapter = {
    name: 'timeline',
    respond: (request, { run, scheduler: clock }) =>
      new Observable<ModelEvent>((subscriber) => {
        if (!run) throw new TypeError('The timeline model serves the runs of a timeline backend.');
        const { end, turnAt } = roundOf(run);
        // In progress: the turn's message opens, unless the round asks for tools.
        if (end?.status !== 'requires_action') subscriber.next({ type: 'text', delta: '' });
        if (!end) return undefined;
        const finish = () => {
          if (end.status === 'failed')
            return subscriber.error(new Error('The timeline failed the run.'));
          for (const event of ending(run, end.status, request)) subscriber.next(event);
          subscriber.complete();
        };
        return end.frame === turnAt ? finish() : clock.schedule(finish, end.frame - turnAt);
      }),
  };
  const expect = (rounds: Rounds) => void (pending = rounds);
  return { model, timing, expect, count: () => runs.size };
}
