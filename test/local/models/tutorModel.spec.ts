import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import type { ModelEvent, ModelMessage, ModelRequest } from '../../../src/local/ModelAdapter';
import { tutorModel, type TutorModelOptions } from '../../../src/local/models/tutorModel';
import { estimateTokens } from '../../../src/local/models/tutor/tokens';
import { testScheduler } from '../../support/scheduler';

/** A request with the given messages (a string is one user message). */
const request = (
  messages: string | ModelMessage[],
  extra: Partial<ModelRequest> = {},
): ModelRequest => ({
  model: 'tutor',
  instructions: 'You are a personal math tutor. Answer in a sentence or less.',
  messages: typeof messages === 'string' ? [{ role: 'user', content: messages }] : messages,
  tools: [],
  toolChoice: 'auto',
  parallelToolCalls: true,
  ...extra,
});

/** All events of one turn, run to the end in virtual time. */
function events(req: ModelRequest, options?: TutorModelOptions): ModelEvent[] {
  const scheduler = testScheduler();
  const seen: ModelEvent[] = [];
  scheduler.run(() => {
    tutorModel(options)
      .respond(req, { scheduler })
      .subscribe((event) => seen.push(event));
  });
  return seen;
}

/** The reply's text: its deltas joined. */
const reply = (messages: string | ModelMessage[], extra?: Partial<ModelRequest>) =>
  events(request(messages, extra))
    .flatMap((event) => (event.type === 'text' ? [event.delta] : []))
    .join('');

const SEED = 'I need to solve the equation `3x + 11 = 14`. Can you help me?';

describe('tutorModel', () => {
  it('is named tutor', () => {
    expect(tutorModel().name).toBe('tutor');
  });

  describe('equations', () => {
    it('answers 3x + 11 = 14 with x = 1 first, then the steps, in a sentence or two', () => {
      expect(reply(SEED)).toBe(
        'x = 1. Subtract 11 from both sides to get 3x = 3, then divide both sides by 3.',
      );
    });

    it.each([
      ['1/2x + 3 = 5', 'x = 4. '],
      ['x/4 = 2', 'x = 8. '],
      ['(2/3)y - 1 = 1', 'y = 3. '],
      ['0.5x + 1.25 = 3', 'x = 7/2. '],
      ['-2x - 4 = 10', 'x = -7. '],
      ['Solve -x = 3 please', 'x = -3. '],
      ['2(x + 3) = 10', 'x = 2. Expand the brackets'],
      ['What is n if 5n - 2 = 3n + 8?', 'n = 5. Subtract 3n from both sides'],
      ['x + 1 = x + 2', 'No solution. '],
      ['2x + 2 = 2(x + 1)', 'Every number is a solution. '],
    ])('solves %s', (equation, start) => {
      expect(reply(equation).startsWith(start)).toBe(true);
    });

    it('says why there is no solution', () => {
      expect(reply('x + 1 = x + 2')).toBe(
        'No solution. Subtract x from both sides to get 1 = 2, which is never true.',
      );
    });

    it('says when the unknown is already alone', () => {
      expect(reply('x = 4')).toBe('x = 4. Nothing to do: x is already alone on one side.');
    });

    it('explains in detail when the message asks for the steps', () => {
      const text = reply('Show me the steps for 2x + 3 = 11');
      expect(text).toContain('1. Subtract 3 from both sides to undo the + 3: 2x = 8.');
      expect(text).toContain('2. Divide both sides by 2 to undo the multiplication by 2: x = 4.');
      expect(text.endsWith('So x = 4.')).toBe(true);
    });
  });

  describe('explaining the last solution', () => {
    const conversation = (...followUps: string[]): ModelMessage[] => [
      { role: 'user', content: SEED },
      { role: 'assistant', content: 'x = 1. Subtract 11 from both sides...' },
      ...followUps.map((content): ModelMessage => ({ role: 'user', content })),
    ];

    it('explains the last equation of the conversation step by step, with a check', () => {
      expect(reply(conversation('Could you explain this to me?'))).toBe(
        [
          "Let's solve 3x + 11 = 14 step by step. Whatever we do to one side, we do to the other, so both sides stay equal.",
          '1. Subtract 11 from both sides to undo the + 11: 3x = 3.',
          '2. Divide both sides by 3 to undo the multiplication by 3: x = 1.',
          'Check: with x = 1, both sides equal 14.',
          'So x = 1.',
        ].join('\n'),
      );
    });

    it.each(['Why?', 'Walk me through it', 'How did you get that?', 'Show me the steps'])(
      'understands %s',
      (followUp) => {
        expect(reply(conversation(followUp))).toContain("Let's solve 3x + 11 = 14 step by step.");
      },
    );

    it('explains the latest of several equations', () => {
      const messages = conversation('Now 2(x + 3) = 10', 'Can you explain that?');
      const text = reply(messages);
      expect(text).toContain("Let's solve 2(x + 3) = 10");
      expect(text).toContain(
        '1. Expand the brackets and combine like terms so each side has at most one x term and one number: 2x + 6 = 10.',
      );
    });

    it('explains a case without solution', () => {
      const text = reply([
        { role: 'user', content: 'x + 1 = x + 2' },
        { role: 'user', content: 'why?' },
      ]);
      expect(text).toContain('1 = 2 is never true, so no value of x works: there is no solution.');
    });

    it('prefers a known topic, and a follow-up question over thanks', () => {
      expect(reply(conversation('Can you explain this linear algebra thing?'))).toMatch(
        /^Linear algebra is/,
      );
      expect(reply(conversation('Thanks! But why does that work?'))).toMatch(/^Let's solve/);
    });

    it('says so when there is nothing to explain', () => {
      expect(reply('Could you explain this to me?')).toMatch(/^There's no equation/);
    });
  });

  describe('topics', () => {
    it.each([
      [
        'Could you explain linear algebra to me?',
        /^Linear algebra is the math of vectors and matrices/,
      ],
      ["I don't like math. What can I do?", /^That's a very common feeling/],
      ['What is an equation?', /^An equation says that two expressions are equal/],
      ["What's a variable?", /^A variable is a letter/],
      ['How do I solve equations?', /^To solve a linear equation, get the unknown alone/],
      ['Hello!', /^Hi! I'm the offline demo tutor of rx-assistants/],
      ['Thank you so much', /^You're welcome!/],
      [
        'What can you do?',
        /^I'm the offline demo tutor of rx-assistants, not a real language model/,
      ],
    ])('answers %s', (question, answer) => {
      expect(reply(question)).toMatch(answer);
    });

    it('is honest about what it does not know, and points to a real model', () => {
      const text = reply('Can you explain quantum physics?');
      expect(text).toContain("I'm the offline demo tutor of rx-assistants");
      expect(text).toContain('solve linear equations in one unknown step by step');
      expect(text).toContain('chatCompletionsModel');
    });

    it('offers a practice question when asked for a quiz without a quiz tool', () => {
      expect(reply('Quiz me!')).toBe(
        "Here's one to try: solve 3(y - 2) = 9. Send me your steps or the equation, and I'll go through it with you.",
      );
    });

    it('answers the last user message', () => {
      const text = reply([
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'What is a variable?' },
      ]);
      expect(text).toMatch(/^A variable/);
    });
  });

  describe('streaming', () => {
    const hello = request('Hello');
    const greeting =
      "Hi! I'm the offline demo tutor of rx-assistants. Send me a linear equation like " +
      "`3x + 11 = 14` and I'll solve it step by step.";

    it('sends one word per delta, chunkDelay apart, then the usage', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const deltas$ = tutorModel({ chunkDelay: 10 })
          .respond(request('x + 1 = 2'), { scheduler })
          .pipe(map((event) => (event.type === 'text' ? event.delta : event.type)));
        expectObservable(deltas$).toBe('a 9ms b 9ms c 9ms d 9ms e 9ms f 9ms g 9ms (hu|)', {
          a: 'x ',
          b: '= ',
          c: '1. ',
          d: 'Subtract ',
          e: '1 ',
          f: 'from ',
          g: 'both ',
          h: 'sides.',
          u: 'usage',
        });
      });
    });

    it('waits delay before the first delta and groups chunkSize words', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const text$ = tutorModel({ delay: 100, chunkDelay: 5, chunkSize: 13 })
          .respond(hello, { scheduler })
          .pipe(map((event) => (event.type === 'text' ? event.delta : event.type)));
        expectObservable(text$).toBe('100ms a 4ms (bu|)', {
          a: "Hi! I'm the offline demo tutor of rx-assistants. Send me a linear equation ",
          b: "like `3x + 11 = 14` and I'll solve it step by step.",
          u: 'usage',
        });
      });
    });

    it('paces at 15 ms per word by default, with the usage right after the last word', () => {
      const scheduler = testScheduler();
      const times: number[] = [];
      const deltas: string[] = [];
      scheduler.run(() => {
        tutorModel()
          .respond(hello, { scheduler })
          .subscribe((event) => {
            times.push(scheduler.now());
            if (event.type === 'text') deltas.push(event.delta);
          });
      });
      const words = greeting.split(' ').length;
      expect(deltas).toHaveLength(words);
      expect(deltas.join('')).toBe(greeting);
      expect(times).toEqual([...Array.from({ length: words }, (_, i) => 15 * i), 15 * (words - 1)]);
    });

    it('stops pacing when unsubscribed', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const text$ = tutorModel({ chunkDelay: 10 })
          .respond(hello, { scheduler })
          .pipe(map((event) => (event.type === 'text' ? event.delta : event.type)));
        expectObservable(text$, '^ 15ms !').toBe('a 9ms b', { a: 'Hi! ', b: "I'm " });
      });
    });

    it('leaves nothing scheduled once unsubscribed', () => {
      /** The actions still scheduled at frame 16, after an unsubscription at 15 (or none). */
      const pendingAt16 = (unsubscribeAt?: number) => {
        const scheduler = testScheduler();
        let pending = -1;
        scheduler.run(() => {
          const subscription = tutorModel({ chunkDelay: 10 })
            .respond(hello, { scheduler })
            .subscribe();
          if (unsubscribeAt !== undefined) {
            scheduler.schedule(() => subscription.unsubscribe(), unsubscribeAt);
          }
          scheduler.schedule(() => (pending = scheduler.actions.length), 16);
        });
        return pending;
      };
      expect(pendingAt16()).toBeGreaterThan(0); // the next word is still on its way
      expect(pendingAt16(15)).toBe(0);
    });

    it('is cold and deterministic: the same request gives the same events', () => {
      expect(events(request(SEED))).toEqual(events(request(SEED)));
    });
  });

  describe('usage', () => {
    it('estimates the prompt (instructions and messages) and the reply at 4 characters a token', () => {
      const req = request(SEED);
      const all = events(req);
      const text = reply(SEED);
      expect(all[all.length - 1]).toEqual({
        type: 'usage',
        promptTokens: estimateTokens(`${req.instructions}\n${SEED}`),
        completionTokens: estimateTokens(text),
      });
      expect(all.filter((event) => event.type === 'usage')).toHaveLength(1);
    });

    it('stops at maxCompletionTokens and then reports that many tokens', () => {
      const all = events(request(SEED, { maxCompletionTokens: 5 }));
      const text = all.flatMap((event) => (event.type === 'text' ? [event.delta] : [])).join('');
      expect(text).toBe('x = 1. Subtract 11 ');
      expect(estimateTokens(text)).toBeLessThanOrEqual(5);
      expect(all[all.length - 1]).toMatchObject({ type: 'usage', completionTokens: 5 });
    });

    it('sends the whole reply when it fits in maxCompletionTokens', () => {
      const all = events(request(SEED, { maxCompletionTokens: 1000 }));
      expect(all[all.length - 1]).toMatchObject({
        completionTokens: estimateTokens(reply(SEED)),
      });
      expect(reply(SEED, { maxCompletionTokens: 1000 })).toBe(reply(SEED));
    });

    it('wraps the reply in a JSON object when the run asks for JSON', () => {
      const text = reply('x/4 = 2', { responseFormat: 'json_object' });
      expect(JSON.parse(text)).toEqual({ reply: 'x = 8. Multiply both sides by 4.' });
    });
  });
});
