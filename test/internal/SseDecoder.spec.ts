import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../../src/internal/SseDecoder';

type Message = [event: string | null, data: string];

const bytes = (text: string) => new TextEncoder().encode(text);

/** The messages of `chunks`, written one after the other. */
function decode(...chunks: Uint8Array[]): Message[] {
  const messages: Message[] = [];
  const decoder = new SseDecoder((event, data) => messages.push([event, data]));
  for (const chunk of chunks) decoder.write(chunk);
  return messages;
}

/** Every way to cut `body` in two, at each byte offset (a character's bytes included). */
function* cutInTwo(body: Uint8Array) {
  for (let at = 0; at <= body.length; at++) yield [body.subarray(0, at), body.subarray(at)];
}

/** `body` one byte at a time. */
const byteByByte = (body: Uint8Array) => Array.from(body, (byte) => Uint8Array.of(byte));

// Line breaks of the three kinds, characters of two, three and four bytes in
// UTF-8, a comment, ignored fields, data over several lines.
const BODY =
  ': a comment\n' +
  'event: thread.message.delta\r\n' +
  'id: 7\r' +
  'data: {"value":"é 日本 🧮"}\n' +
  '\n' +
  'retry: 1000\r\n' +
  'data: first\r' +
  'data:second, no space\n' +
  'data:  two spaces\r\n' +
  '\r\n' +
  'event: done\r' +
  'data: [DONE]\r' +
  '\r';

const MESSAGES: Message[] = [
  ['thread.message.delta', '{"value":"é 日本 🧮"}'],
  [null, 'first\nsecond, no space\n two spaces'],
  ['done', '[DONE]'],
];

describe('SseDecoder', () => {
  it('tells each message at its blank line: its event, and its data lines joined with \\n', () => {
    expect(decode(bytes(BODY))).toEqual(MESSAGES);
  });

  it('reads the same messages from a body cut at any byte, in a character or between \\r and \\n', () => {
    const body = bytes(BODY);
    for (const [head, tail] of cutInTwo(body)) {
      expect(decode(head!, tail!), `cut at byte ${head!.length}`).toEqual(MESSAGES);
    }
    expect(decode(...byteByByte(body))).toEqual(MESSAGES);
  });

  it('reads a character split over three chunks', () => {
    const body = bytes('data: 🧮\n\n');
    expect(decode(body.subarray(0, 7), body.subarray(7, 8), body.subarray(8))).toEqual([
      [null, '🧮'],
    ]);
  });

  it('ends a line at a \\r that ends a chunk, and skips the \\n that starts the next', () => {
    expect(decode(bytes('data: a\r'), bytes('\ndata: b\r'), bytes('\n\r'), bytes('\n'))).toEqual([
      [null, 'a\nb'],
    ]);
    // A \r, then a chunk of nothing, then the \n.
    expect(decode(bytes('data: a\r'), new Uint8Array(0), bytes('\ndata: b\n\n'))).toEqual([
      [null, 'a\nb'],
    ]);
    // A \r, then a chunk that decodes to nothing yet (a character's first byte).
    const rest = bytes('☃\ndata: b\n\n');
    expect(decode(bytes('data: a\r'), rest.subarray(0, 1), rest.subarray(1))).toEqual([
      [null, 'a\nb'],
    ]);
  });

  it('ignores comments and fields other than event and data', () => {
    expect(decode(bytes(':data: no\nid: 1\nretry: 5\nfoo: bar\ndatum: x\n\n'))).toEqual([]);
    expect(decode(bytes('event: ping\n: keep-alive\n\n'))).toEqual([['ping', '']]);
  });

  it('reads a field without a colon as an empty value, and a colon without a space', () => {
    expect(decode(bytes('data\ndata\n\n'))).toEqual([[null, '\n']]);
    expect(decode(bytes('event\ndata:x\n\n'))).toEqual([['', 'x']]);
  });

  it('tells nothing for blank lines alone, or an empty event alone, as the SDK', () => {
    expect(decode(bytes('\n\r\n\r\n\n'))).toEqual([]);
    // The empty event is kept for the next message, as in the SDK's decoder.
    expect(decode(bytes('event:\n\ndata: 1\n\n'))).toEqual([['', '1']]);
  });

  it('never tells a message that the body ends before its blank line', () => {
    expect(decode(bytes('data: 1\n\nevent: thread.run.created\ndata: 2\n'))).toEqual([[null, '1']]);
    expect(decode(bytes('data: 1\n\ndata: 2'))).toEqual([[null, '1']]);
  });

  it('throws what the handler throws, and reads no further in that chunk', () => {
    const told: string[] = [];
    const decoder = new SseDecoder((_event, data) => {
      told.push(data);
      if (data === 'bad') throw new SyntaxError(data);
    });
    expect(() => decoder.write(bytes('data: good\n\ndata: bad\n\ndata: after\n\n'))).toThrow(
      SyntaxError,
    );
    expect(told).toEqual(['good', 'bad']);
  });
});
