/** Called with each complete message: its `event` field (`null` without one) and its data. */
export type SseMessageHandler = (event: string | null, data: string) => void;

const LF = 10;
const SPACE = 32;
const COLON = 58;

/**
 * Decodes a body of server-sent events chunk by chunk, as the `openai` SDK
 * reads them: the bytes are decoded as UTF-8 across chunks (a character or
 * a line may be split anywhere); lines end at `\n`, `\r\n` or `\r`; a blank
 * line ends a message, which is told to `onMessage` if it has an `event` or
 * some data. A message's `data:` lines are joined with `\n`, one space after
 * a field's colon is dropped, comments (`:` first) and other fields (`id:`,
 * `retry:`) are ignored. A message the body ends before its blank line is
 * never told, as in the SDK.
 *
 * It reads the text of each chunk once, without copying bytes or making an
 * object per line: the SDK's own reader, by contrast, copies its buffered
 * bytes on every chunk and decodes each line apart.
 */
export class SseDecoder {
  private readonly text = new TextDecoder();
  /** The text after the last line break, not a whole line yet. */
  private rest = '';
  /** The last chunk ended with `\r`: a `\n` first in the next one ends no other line. */
  private afterCR = false;
  private event: string | null = null;
  private data = '';
  private hasData = false;

  constructor(private readonly onMessage: SseMessageHandler) {}

  /**
   * Reads one chunk of the body, telling each message that it completes.
   * An error thrown by `onMessage` is thrown here, and the rest of the chunk
   * is not read.
   */
  write(chunk: Uint8Array): void {
    let text = this.text.decode(chunk, { stream: true });
    if (text === '') return;
    let start = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    if (this.rest !== '') {
      text = this.rest + text.slice(start);
      start = 0;
      this.rest = '';
    }
    const end = text.length;
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (lf >= 0 || cr >= 0) {
      const at = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr;
      let next = at + 1;
      if (at === cr) {
        if (next === end) this.afterCR = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      this.line(text, start, at);
      start = next;
      if (lf >= 0 && lf < start) lf = text.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = text.indexOf('\r', start);
    }
    if (start < end) this.rest = text.slice(start);
  }

  /** The line `text[start..end)`, without its line break. */
  private line(text: string, start: number, end: number): void {
    if (start === end) {
      // As in the SDK, a blank line after an empty `event:` alone tells nothing, and keeps it.
      if (!this.event && !this.hasData) return;
      const { event, data } = this;
      this.event = null;
      this.data = '';
      this.hasData = false;
      this.onMessage(event, data);
      return;
    }
    if (text.charCodeAt(start) === COLON) return; // a comment
    if (this.isField(text, start, end, 'data')) {
      const value = this.value(text, start + 5, end);
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
    } else if (this.isField(text, start, end, 'event')) {
      this.event = this.value(text, start + 6, end);
    }
  }

  /** Whether the line `text[start..end)` is the field `name`: its name, then a colon or nothing. */
  private isField(text: string, start: number, end: number, name: string): boolean {
    const after = start + name.length;
    return (
      text.startsWith(name, start) &&
      (after === end || (after < end && text.charCodeAt(after) === COLON))
    );
  }

  /** A field's value from `start` (after its colon) to `end`, one leading space dropped. */
  private value(text: string, start: number, end: number): string {
    if (start < end && text.charCodeAt(start) === SPACE) start++;
    return start < end ? text.slice(start, end) : '';
  }
}
