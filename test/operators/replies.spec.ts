import { describe, it } from 'vitest';
import { replies } from '../../src/operators';
import { testScheduler } from '../support/scheduler';
import { event, image, message, run } from './fixtures';

describe('replies', () => {
  it('emits the completed assistant messages of an event stream', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const first = message('assistant', 'completed', ['x = 2'], { id: 'msg_a' });
      const second = message('assistant', 'completed', ['Done.', image('file_1')], {
        id: 'msg_b',
      });
      const values = {
        r: event('thread.run.in_progress', run('in_progress')),
        u: event('thread.message.completed', message('user', 'completed', ['Solve 2x = 4'])),
        c: event('thread.message.created', message('assistant', 'in_progress', [])),
        a: event('thread.message.completed', first),
        i: event('thread.message.incomplete', message('assistant', 'incomplete', ['x ='])),
        b: event('thread.message.completed', second),
        d: event('thread.run.completed', run('completed')),
      };
      const source = cold(' -r-u-c-a-i-b-d-|', values);
      const expected = '    -------A---B---|';

      expectObservable(source.pipe(replies())).toBe(expected, { A: first, B: second });
    });
  });

  it('emits the completed assistant messages of a message stream', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const reply = message('assistant', 'completed', ['Hello'], { id: 'msg_a' });
      const values = {
        u: message('user', 'completed', ['Hi']),
        p: message('assistant', 'in_progress', ['Hel']),
        i: message('assistant', 'incomplete', ['Hel']),
        a: reply,
      };
      const source = cold(' -u-p-i-a-|', values);
      const expected = '    -------a-|';

      expectObservable(source.pipe(replies())).toBe(expected, { a: reply });
    });
  });

  it('mirrors errors', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const reply = message('assistant', 'completed', ['Hello']);
      expectObservable(cold('-a-#', { a: reply }).pipe(replies())).toBe('-a-#', { a: reply });
    });
  });
});
