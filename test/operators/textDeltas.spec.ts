import { describe, expect, it } from 'vitest';
import { concatMap, from, lastValueFrom, toArray } from 'rxjs';
import { replyText, rxAssistants, textDeltas, type RunOptions } from '../../src';
import type { MessageDelta } from 'openai/resources/beta/threads/messages';
import type { AssistantStreamEvent, Message } from '../../src/backend/types';
import { localBackend } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { event, image, text } from './fixtures';

const message = (content: Message['content'], role: Message['role'] = 'assistant') =>
  ({ id: 'msg_1', object: 'thread.message', role, status: 'completed', content }) as Message;
const delta = (content: MessageDelta['content']) =>
  event('thread.message.delta', {
    id: 'msg_1',
    object: 'thread.message.delta',
    delta: { content },
  });
const textDelta = (index: number, value: string) =>
  ({ index, type: 'text', text: { value } }) as const;

const pieces = (events: AssistantStreamEvent[]) =>
  lastValueFrom(from(events).pipe(textDeltas(), toArray()));

describe('textDeltas()', () => {
  it('emits the text of each delta, and nothing again when the message completes', async () => {
    expect(
      await pieces([
        delta([textDelta(0, 'x')]),
        delta([textDelta(0, ' = 2')]),
        event('thread.message.completed', message([text('x = 2')])),
      ]),
    ).toEqual(['x', ' = 2']);
  });

  it('emits a polled reply whole when it completes, and the untold rest after a broken stream', async () => {
    expect(await pieces([event('thread.message.completed', message([text('x = 2')]))])).toEqual([
      'x = 2',
    ]);
    expect(
      await pieces([
        delta([textDelta(0, 'x')]),
        event('thread.message.incomplete', message([text('x = 2')])),
      ]),
    ).toEqual(['x', ' = 2']);
  });

  it('starts a new text block on a new line, skips other blocks and user messages', async () => {
    const told = await pieces([
      delta([textDelta(0, 'One.')]),
      delta([{ index: 1, type: 'image_file', image_file: { file_id: 'file_1' } }]),
      delta([textDelta(2, 'Two.')]),
      event('thread.message.completed', message([text('One.'), image('file_1'), text('Two.')])),
      event('thread.message.completed', message([text('Hi')], 'user')),
    ]);
    expect(told).toEqual(['One.', '\nTwo.']);
  });

  /** The events of a question's run on the embedded runtime, in virtual time. */
  function ask(options: RunOptions): AssistantStreamEvent[] {
    const events: AssistantStreamEvent[] = [];
    testScheduler().run(({ flush }) => {
      const rx = rxAssistants(localBackend());
      rx.assistants
        .create({ model: 'tutor' })
        .pipe(concatMap((assistant) => rx.ask(assistant.id, 'Solve 2x + 3 = 7', options)))
        .subscribe((e) => events.push(e));
      flush();
    });
    return events;
  }
  const replyOf = (events: AssistantStreamEvent[]) =>
    lastValueFrom(from(events).pipe(replyText(), toArray()));

  it('joined, gives the reply on either transport: word by word streamed, whole polled', async () => {
    const streamed = ask({});
    const polled = ask({ transport: 'poll' });
    const streamedPieces = await pieces(streamed);
    expect(streamedPieces.length).toBeGreaterThan(10);
    expect(streamedPieces.join('')).toBe((await replyOf(streamed))[0]);
    expect(await pieces(polled)).toEqual(await replyOf(polled));
    expect(await replyOf(polled)).toEqual(await replyOf(streamed));
  });
});
