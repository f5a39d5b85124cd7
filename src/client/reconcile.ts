import { map, type Observable } from 'rxjs';
import type { AssistantsBackend, SubmitToolOutputsParams } from '../backend/AssistantsBackend';
import { isTerminalStatus } from '../backend/runStatus';
import type { Message, MessageCreateParams, Run } from '../backend/types';

/** What tells the run a lost create made from the thread's other runs. */
export interface AdoptionClues {
  /** The assistant the create asked for. */
  assistantId: string;
  /** When the create was first sent, in Unix seconds (rounded down). */
  since: number;
  /** The newest run this client created on the thread before: runs from then on are older. */
  known?: string;
}

/**
 * The run that a create whose answer was lost made, among the thread's
 * newest runs (newest first): created by the same assistant since the create
 * was first sent, and newer than any run the client knew of. A thread has at
 * most one active run, so an active one wins; `undefined` when there is none
 * (the create did not take effect).
 */
export function adoptableRun(runs: Run[], clues: AdoptionClues): Run | undefined {
  const candidates: Run[] = [];
  for (const run of runs) {
    if (run.id === clues.known) break;
    if (run.created_at >= clues.since && run.assistant_id === clues.assistantId) {
      candidates.push(run);
    }
  }
  return candidates.find((run) => !isTerminalStatus(run.status)) ?? candidates[0];
}

/**
 * The run that a create whose answer was lost made, looked up among the
 * thread's 20 newest runs (see {@link adoptableRun}); `undefined` when the
 * create did not take effect.
 */
export function lostRun(
  runs: AssistantsBackend['runs'],
  threadId: string,
  create: { assistantId: string; startedAt: number; known: string | undefined },
): Observable<Run | undefined> {
  const since = Math.floor(create.startedAt / 1000);
  return runs
    .list(threadId, { order: 'desc', limit: 20 })
    .pipe(
      map(({ data }) =>
        adoptableRun(data, { assistantId: create.assistantId, since, known: create.known }),
      ),
    );
}

/**
 * Whether a submit whose answer was lost took effect: the run no longer waits
 * for the calls it answered.
 */
export function submitTookEffect(run: Run, params: SubmitToolOutputsParams): boolean {
  if (run.status !== 'requires_action') return true;
  const waiting = new Set(run.required_action?.submit_tool_outputs.tool_calls.map((c) => c.id));
  return !params.tool_outputs.some(
    (output) => output.tool_call_id && waiting.has(output.tool_call_id),
  );
}

/** Whether `message` is the one a lost `messages.create` of `params` added since `since` (Unix s). */
export function messageMatches(
  message: Message,
  params: MessageCreateParams,
  since: number,
): boolean {
  if (message.role !== params.role || message.created_at < since) return false;
  if (typeof params.content !== 'string') return false;
  const [first, ...rest] = message.content;
  return rest.length === 0 && first?.type === 'text' && first.text.value === params.content;
}
