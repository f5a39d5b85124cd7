import { describe, expect, it } from 'vitest';
import { messageText } from '../../src/internal/messageText';
import { replyText } from '../../src/operators';
import { testScheduler } from '../support/scheduler';
import { event, image, message, run } from './fixtures';

describe('messageText', () => {
  it('joins the text blocks with a newline and skips the others', () => {
    const reply = message('assistant', 'completed', ['First', image('file_1'), 'Second', 'Third']);
    expect(messageText(reply)).toBe('First\nSecond\nThird');
  });

  it('gives an empty string for a message without text', () => {
    expect(messageText(message('assistant', 'completed', [image('file_1')]))).toBe('');
  });
});

describe('replyText', () => {
  it('emits the text of each completed assistant message of an event stream', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        r: event('thread.run.in_progress', run('in_progress')),
        u: event('thread.message.completed', message('user', 'completed', ['Solve 2x = 4'])),
        a: event(
          'thread.message.completed',
          message('assistant', 'completed', ['2x = 4', 'x = 2']),
        ),
        i: event('thread.message.incomplete', message('assistant', 'incomplete', ['cut'])),
        b: event('thread.message.completed', message('assistant', 'completed', [image('f')])),
        d: event('thread.run.completed', run('completed')),
      };
      const source = cold(' -r-u-a-i-b-d-|', values);
      const expected = '    -----A---B---|';

      expectObservable(source.pipe(replyText())).toBe(expected, { A: '2x = 4\nx = 2', B: '' });
    });
  });

  it('emits the text of each completed assistant Message', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        u: message('user', 'completed', ['Hi']),
        p: message('assistant', 'in_progress', ['Hel']),
        a: message('assistant', 'completed', ['Hello', image('f'), 'there']),
      };
      const source = cold(' -u-p-a-|', values);
      const expected = '    -----A-|';

      expectObservable(source.pipe(replyText())).toBe(expected, { A: 'Hello\nthere' });
    });
  });
});
