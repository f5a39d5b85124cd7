import { describe, expect, it } from 'vitest';
import { concatMap, map, takeUntil, timer } from 'rxjs';
import { isRunEvent, rxAssistants, replyText } from '../../src';
import type { Run } from '../../src/backend/types';
import { localBackend } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { counterIds } from './scriptedModel';

/** The whole stack, rxAssistants over localBackend with the tutor model, in virtual time. */
function stack(poll = 100) {
  const backend = localBackend({ ids: counterIds() });
  const rx = rxAssistants(backend, { poll });
  rx.assistants
    .create({
      model: 'tutor',
      name: 'Math Tutor',
      instructions: 'You are a personal math tutor. Answer questions in a sentence or less.',
      tools: [
        {
          type: 'function',
          function: {
            name: 'display_quiz',
            description: 'Displays a quiz to the student',
            parameters: {
              type: 'object',
              properties: {
                title: { type: 'string' },
                questions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { question_text: { type: 'string' } },
                    required: ['question_text'],
                  },
                },
              },
              required: ['title', 'questions'],
            },
          },
        },
      ],
    })
    .subscribe();
  return { rx, backend };
}

describe('end to end in virtual time: rxAssistants(localBackend()) with the tutor', () => {
  it('ask streams its events as the runtime makes them, by default', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { rx } = stack();
      const seen: string[] = [];
      rx.ask('asst_1', 'I need to solve the equation `3x + 11 = 14`. Can you help me?').subscribe(
        (event) => seen.push(`${scheduler.now()} ${event.event}`),
      );
      flush();
      // No poll: the run starts at once and its 19 words arrive one every 15 ms,
      // as the tutor writes them; the run completes with the last one, at 270.
      const words = Array.from({ length: 19 }, (_, i) => `${i * 15} thread.message.delta`);
      expect(seen).toEqual(
        [
          ...['run.created', 'run.queued', 'run.in_progress', 'run.step.created'],
          ...['run.step.in_progress', 'message.created', 'message.in_progress'],
        ]
          .map((name) => `0 thread.${name}`)
          .concat(words)
          .concat(
            ['message.completed', 'run.step.completed', 'run.completed'].map(
              (n) => `270 thread.${n}`,
            ),
          ),
      );
    });
  });

  it("ask with transport 'poll' emits its exact event sequence at exact virtual times", () => {
    testScheduler().run(({ expectObservable }) => {
      const { rx } = stack();
      const events$ = rx
        .ask('asst_1', 'I need to solve the equation `3x + 11 = 14`. Can you help me?', {
          transport: 'poll',
        })
        .pipe(map((event) => event.event));
      // The first poll, right after the create, sees the run queued. The turn starts
      // at 0 and streams 19 words, one every 15 ms, until 270: the polls at 100 and
      // 300 (every 100 ms) see it in progress with its message, then completed.
      expectObservable(events$).toBe('(ab) 96ms (cdefj) 193ms (ghi|)', {
        a: 'thread.run.created',
        b: 'thread.run.queued',
        c: 'thread.run.in_progress',
        d: 'thread.run.step.created',
        e: 'thread.run.step.in_progress',
        f: 'thread.message.created',
        j: 'thread.message.in_progress',
        g: 'thread.message.completed',
        h: 'thread.run.step.completed',
        i: 'thread.run.completed',
      });
    });
  });

  it('answers with x = 1, and explains it when asked', () => {
    testScheduler().run(({ expectObservable }) => {
      const { rx } = stack();
      const answers$ = rx.threads.create().pipe(
        concatMap((thread) =>
          rx
            .ask('asst_1', 'I need to solve the equation `3x + 11 = 14`. Can you help me?', {
              threadId: thread.id,
            })
            .pipe(
              replyText(),
              concatMap((first) =>
                rx.ask('asst_1', 'Could you explain this to me?', { threadId: thread.id }).pipe(
                  replyText(),
                  map((second) => [first, second]),
                ),
              ),
            ),
        ),
      );
      // Streamed: the first reply ends at 270, the explanation's 68 words stream from
      // 270 to 1275, as the tutor writes them.
      expectObservable(
        answers$.pipe(
          map(([first, second]) => [first!.startsWith('x = 1.'), second!.includes('3x = 3')]),
        ),
      ).toBe('1275ms (a|)', { a: [true, true] });
    });
  });

  it('cancels a run when its owner unsubscribes during in_progress: it ends cancelled', () => {
    testScheduler().run(({ flush }) => {
      const { rx, backend } = stack();
      let runId = '';
      rx.ask('asst_1', 'Could you explain linear algebra to me?')
        .pipe(takeUntil(timer(150)))
        .subscribe((event) => {
          if (isRunEvent(event)) runId = event.data.id;
        });
      flush();
      let final: Run | undefined;
      backend.runs.retrieve('thread_1', 'run_1').subscribe(({ run }) => (final = run));
      expect(runId).toBe('run_1');
      expect(final?.status).toBe('cancelled');
      expect(final?.cancelled_at).toBe(0);
    });
  });

  it('expires an unanswered requires_action at expires_at', () => {
    testScheduler().run(({ expectObservable }) => {
      const { rx, backend } = stack(60_000);
      const statuses$ = rx.threads
        .create({ messages: [{ role: 'user', content: 'Quiz me, please!' }] })
        .pipe(
          concatMap((thread) => backend.runs.create(thread.id, { assistant_id: 'asst_1' })),
          concatMap((run) => rx.runs.watch(run.thread_id, run.id, { poll: 60_000 })),
          map((run) => `${run.status}${run.status === 'expired' ? ` at ${run.expires_at}` : ''}`),
        );
      // Queued at 0, asking for the quiz at the next poll, expired at 600 s (10 minutes).
      expectObservable(statuses$).toBe('a 59999ms b 539999ms (c|)', {
        a: 'queued',
        b: 'requires_action',
        c: 'expired at 600',
      });
    });
  });
});
