import type { Message, Run, RunStep } from '../backend/types';
import type { ModelMessage } from './ModelAdapter';
import { functionCallsOf } from './records';
import type { TokenCounts } from './RunUsage';
import type { StoreWrite } from './storePort';

/**
 * How a run whose process stopped is taken up by another (or the same, after
 * a restart), from what the store has of it:
 *
 * - its ended steps and their messages stay; its tool calls and outputs so
 *   far are its history, for its next turns, and their usage its usage;
 * - a run that was mid-turn (`queued` or `in_progress`) redoes the turn: the
 *   steps that turn left open, and their messages, are undone;
 * - a run that waits for tool outputs, is cancelling or must end takes up
 *   its open steps, to end them as the run goes on.
 */
export interface Resumption {
  /** The open steps (with their messages) the run takes up. */
  adopt: Array<{ step: RunStep; message?: Message }>;
  /** The writes that undo the turn under way when the process stopped. */
  undo: StoreWrite[];
  history: ModelMessage[];
  usage: TokenCounts;
}

/**
 * The {@link Resumption} of `run` from its stored steps (in creation order)
 * and the messages of its open `message_creation` steps.
 *
 * ## Example
 *
 * ```ts
 * import type { Message, Run, RunStep } from 'rx-assistants';
 * import { resumptionOf } from 'src/local/resumption';
 *
 * declare const run: Run; // in_progress when its process died
 * declare const steps: RunStep[];
 * const { undo, history } = resumptionOf(run, steps, new Map<string, Message>());
 * // undo: the open step of the interrupted turn; history: the calls and outputs so far.
 * ```
 */
export function resumptionOf(
  run: Run,
  steps: readonly RunStep[],
  messages: ReadonlyMap<string, Message>,
): Resumption {
  const midTurn = run.status === 'queued' || run.status === 'in_progress';
  const resumption: Resumption = {
    adopt: [],
    undo: [],
    history: [],
    usage: { prompt: 0, completion: 0 },
  };
  for (const step of steps) {
    const details = step.step_details;
    const messageId =
      details.type === 'message_creation' ? details.message_creation.message_id : undefined;
    if (step.status === 'in_progress') {
      if (!midTurn) resumption.adopt.push({ step, message: messages.get(messageId ?? '') });
      else {
        resumption.undo.push({ op: 'delete', kind: 'step', id: step.id });
        if (messageId) resumption.undo.push({ op: 'delete', kind: 'message', id: messageId });
      }
      continue;
    }
    resumption.usage.prompt += step.usage?.prompt_tokens ?? 0;
    resumption.usage.completion += step.usage?.completion_tokens ?? 0;
    if (details.type !== 'tool_calls' || step.status !== 'completed') continue;
    const calls = functionCallsOf(details.tool_calls).map(([, call]) => call);
    resumption.history.push(
      { role: 'assistant', content: '', toolCalls: calls },
      ...details.tool_calls.flatMap((call): ModelMessage[] =>
        call.type === 'function'
          ? [{ role: 'tool', toolCallId: call.id, content: call.function.output ?? '' }]
          : [],
      ),
    );
  }
  return resumption;
}
