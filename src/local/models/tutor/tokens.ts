import { estimateTokens } from '../../tokens';

export { estimateTokens };

/** A reply cut into deltas, within a token budget. */
export interface ReplyChunks {
  /** The deltas, in order; joined, they give the reply (or its start, when cut). */
  chunks: string[];
  /** The completion tokens to report: the budget itself when the reply was cut. */
  completionTokens: number;
}

/**
 * Cuts a reply into deltas of `wordsPerChunk` words (each word keeps the
 * spaces and line breaks after it), and stops before the delta that would take
 * the estimate of the text sent over `maxTokens`.
 *
 * @param text The whole reply.
 * @param wordsPerChunk Words per delta, at least 1.
 * @param maxTokens The most completion tokens allowed, if any.
 */
export function chunkReply(
  text: string,
  wordsPerChunk: number,
  maxTokens?: number | null,
): ReplyChunks {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const size = Math.max(1, Math.floor(wordsPerChunk));
  const chunks: string[] = [];
  let sent = '';
  for (let i = 0; i < words.length; i += size) {
    const chunk = words.slice(i, i + size).join('');
    if (maxTokens != null && estimateTokens(sent + chunk) > maxTokens) {
      return { chunks, completionTokens: Math.max(0, maxTokens) };
    }
    chunks.push(chunk);
    sent += chunk;
  }
  return { chunks, completionTokens: estimateTokens(sent) };
}
