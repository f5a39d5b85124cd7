// The runnable examples of docs/testing.md. Each block between `// doc:begin`
// and `// doc:end` appears word for word in that page (a test checks it).
import { describe } from 'vitest';
import { docBlocks, docPage } from './docBlocks';
// doc:begin imports
import { catchError, concatMap, filter, map, of } from 'rxjs';
import { expect, it } from 'vitest';
import { rxAssistants, replyText, type RxAssistants } from 'rx-assistants';
import type { AssistantsBackend, Run } from 'rx-assistants';
import { createTestScheduler, timelineBackend } from 'rx-assistants/testing';

const testScheduler = () =>
  createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
// doc:end

describe('docs/testing.md', () => {
  // doc:begin status-stream
  it('watches a run through queued, in_progress and completed', () => {
    testScheduler().run(({ expectObservable }) => {
      // Runs are queued at creation, in progress at 100 ms, completed at 300 ms.
      const backend = timelineBackend({ runs: 'q 99ms i 199ms c' });
      const rx = rxAssistants(backend, { poll: 50 });
      backend.assistants.create({ model: 'any' }).subscribe(); // asst_1
      backend.threads.create().subscribe(); // thread_1
      backend.runs.create('thread_1', { assistant_id: 'asst_1' }).subscribe(); // run_1, at 0 ms

      const statuses$ = rx.runs.watch('thread_1', 'run_1').pipe(map((run) => run.status));
      expectObservable(statuses$).toBe('a 99ms b 199ms (c|)', {
        a: 'queued',
        b: 'in_progress',
        c: 'completed',
      });
    });
  });
  // doc:end

  // doc:begin your-code
  // Code under test: asks the tutor and returns its reply in upper case.
  const shout = (rx: RxAssistants, assistantId: string, question: string) =>
    rx.ask(assistantId, question).pipe(
      replyText(),
      map((text) => text.toUpperCase()),
    );

  it('answers with the reply, once the run has completed', () => {
    testScheduler().run(({ expectObservable }) => {
      const backend = timelineBackend({ runs: 'q 9ms i 19ms c', reply: 'x = 1' });
      const rx = rxAssistants(backend, { poll: 10 });
      const answer$ = rx.assistants
        .create({ model: 'any' })
        .pipe(concatMap((assistant) => shout(rx, assistant.id, 'Solve 3x + 11 = 14')));
      // Polls at 0, 10, 20, 30: the run completed at 30 ms.
      expectObservable(answer$).toBe('30ms (a|)', { a: 'X = 1' });
    });
  });
  // doc:end

  // doc:begin tools-and-time
  it('answers tool calls, and gives up at the deadline', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const backend = timelineBackend({
        runs: ['q-i-r-i-c', 'q-i'], // the second run never ends
        toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }],
        reply: 'The sum is 5.',
      });
      const rx = rxAssistants(backend, { poll: 1 });
      backend.assistants.create({ model: 'any' }).subscribe();
      const tools = { add: ({ a, b }: { a: number; b: number }) => a + b };

      expectObservable(rx.ask('asst_1', 'Add 2 and 3', { tools }).pipe(replyText())).toBe(
        '8ms (a|)',
        {
          a: 'The sum is 5.',
        },
      );
      const hang$ = rx.ask('asst_1', 'Hang', { timeout: 100 }).pipe(
        map((event) => event.event),
        filter((name) => name === 'thread.run.in_progress'),
        catchError((error: Error) => of(error.name)),
      );
      expectObservable(hang$).toBe('2ms a 97ms (b|)', {
        a: 'thread.run.in_progress',
        b: 'RunTimeoutError',
      });
      flush();
      // The log shows what was sent: one submit, and a cancel of the abandoned run.
      expect(backend.log.filter((r) => r.op === 'runs.submitToolOutputs')).toHaveLength(1);
      expect(backend.log.filter((r) => r.op === 'runs.cancel').map((r) => r.args[1])).toEqual([
        'run_2',
      ]);
    });
  });
  // doc:end
});

describe('docs/testing.md: fakes', () => {
  // doc:begin fakes
  it('never overlaps polls, and aborts the one in flight on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const queuedRun = { id: 'run_1', thread_id: 'thread_1', status: 'queued' } as Run;
      const slow = cold('-----(a|)', { a: { run: queuedRun } });
      // A timeline backend with one method replaced.
      const base = timelineBackend({ runs: 'q' });
      const backend: AssistantsBackend = { ...base, runs: { ...base.runs, retrieve: () => slow } };
      const rx = rxAssistants(backend, { poll: 1 });

      expectObservable(rx.runs.watch('thread_1', 'run_1'), '^ 8ms !').toBe('-----a', {
        a: queuedRun,
      });
      // The second poll starts 1 ms after the first answered, and is aborted at 9.
      expectSubscriptions(slow.subscriptions).toBe(['^----!', '6ms ^--!']);
    });
  });
  // doc:end
});

describe('docs/testing.md itself', () => {
  it('shows each example of this file word for word', () => {
    const blocks = docBlocks(__filename);
    expect(blocks).toHaveLength(5);
    const page = docPage('testing.md');
    for (const block of blocks) expect(page).toContain(block);
  });
});
