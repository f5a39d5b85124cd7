/** A ```ts block of a Markdown page (see markdownExamples.mjs). */
export interface MarkdownBlock {
  /** The block's code, unindented. */
  code: string;
  /** The line of its opening fence. */
  line: number;
  /** The file it quotes, if it quotes one. */
  quoted?: string;
  /** The text that must appear in that file. */
  quote?: string;
}

/** A block with what the type check compiles of it. */
export interface PageExample extends MarkdownBlock {
  full?: string;
  needs?: string[];
}

export function markdownBlocks(text: string): MarkdownBlock[];
export const PRELUDE: Array<[name: string, declaration: string]>;
export function pageExamples(text: string): PageExample[];
