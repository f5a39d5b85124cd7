import type { ModelRequest } from './ModelAdapter';
import { estimateTokens } from './tokens';

/** Tokens of a turn or a run. */
export interface TokenCounts {
  prompt: number;
  completion: number;
}

/** The tokens of a turn's prompt, estimated from its instructions and messages. */
export const promptEstimate = (request: ModelRequest): number =>
  estimateTokens(request.instructions + request.messages.map((m) => m.content).join('\n'));

/**
 * The usage of one run, turn by turn. A turn counts what the model reported
 * (its last `usage` event) or, without a report, an estimate: the prompt's
 * tokens, and the tokens of the text and tool calls it wrote.
 *
 * ## Example
 *
 * ```ts
 * import { RunUsage } from 'src/local/RunUsage';
 *
 * const usage = new RunUsage();
 * usage.startTurn(12);
 * usage.report({ prompt: 10, completion: 5 });
 * usage.endTurn('Hello'); // { prompt: 10, completion: 5 }
 * usage.total; // { prompt: 10, completion: 5 }
 * ```
 */
export class RunUsage {
  /** The run's tokens so far, over its ended turns. */
  readonly total: TokenCounts;
  private reported?: TokenCounts;
  private estimate = 0;

  /** @param before The tokens of the run's turns before this process took it up. */
  constructor(before: TokenCounts = { prompt: 0, completion: 0 }) {
    this.total = { ...before };
  }

  /** A turn begins, with its prompt estimated at `prompt` tokens. */
  startTurn(prompt: number): void {
    this.reported = undefined;
    this.estimate = prompt;
  }

  /** The model reported the turn's tokens: the last report counts. */
  report(counts: TokenCounts): void {
    this.reported = counts;
  }

  /** The turn ended having written `written`: adds its tokens to the total and returns them. */
  endTurn(written: string): TokenCounts {
    const turn = this.reported ?? {
      prompt: this.estimate,
      completion: estimateTokens(written),
    };
    this.total.prompt += turn.prompt;
    this.total.completion += turn.completion;
    return turn;
  }
}
