/**
 * The runtime's token estimate, used when a model does not report usage:
 * one token for every 4 characters, rounded up. It is a rough average for
 * English text with common tokenizers; real counts differ by model.
 *
 * ## Example
 *
 * ```ts
 * import { estimateTokens } from 'rx-assistants/local';
 *
 * estimateTokens('Solve 3x + 11 = 14'); // 5
 * ```
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
