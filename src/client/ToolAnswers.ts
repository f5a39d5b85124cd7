import { EMPTY, map, type Observable, of } from 'rxjs';
import type { Run } from '../backend/types';
import {
  answerToolCalls,
  type ToolErrorPolicy,
  type ToolHandlers,
  type ToolOutput,
} from './toolCalls';

/**
 * The tool outputs of one run: each call is answered by its handler once,
 * and its output is kept until the server confirms it took it, so that a
 * submit lost on the way (a broken stream, say) is sent again without calling
 * the handler twice.
 */
export class ToolAnswers {
  private readonly outputs = new Map<string, ToolOutput>();
  private readonly confirmed = new Set<string>();
  /** The handlers' signal, made when one is first called (an abort costs an exception and its listeners). */
  private aborter?: AbortController;

  constructor(
    private readonly handlers: ToolHandlers,
    private readonly policy: ToolErrorPolicy,
  ) {}

  /** The outputs of the run's calls not confirmed yet (computed once each), or nothing. */
  for(run: Run): Observable<ToolOutput[]> {
    const open = (run.required_action?.submit_tool_outputs.tool_calls ?? []).filter(
      (call) => !this.confirmed.has(call.id),
    );
    if (open.length === 0) return EMPTY;
    const missing = open.filter((call) => !this.outputs.has(call.id));
    const waiting: Run = {
      ...run,
      required_action: {
        type: 'submit_tool_outputs',
        submit_tool_outputs: { tool_calls: missing },
      },
    };
    const answered$ =
      missing.length === 0
        ? of([])
        : answerToolCalls(
            waiting,
            this.handlers,
            this.policy,
            (this.aborter ??= new AbortController()).signal,
          );
    return answered$.pipe(
      map((answers) => {
        for (const answer of answers) this.outputs.set(answer.tool_call_id, answer);
        return open.map((call) => this.outputs.get(call.id)!);
      }),
    );
  }

  /** The run is over for this client: handlers still at work are aborted through their signal. */
  abort(): void {
    this.aborter?.abort();
  }

  /** The server took these outputs. */
  confirm(outputs: ToolOutput[]): void {
    for (const output of outputs) this.confirmed.add(output.tool_call_id);
  }
}
