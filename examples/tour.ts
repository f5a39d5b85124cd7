/**
 * The README's tour, runnable: `npx tsx examples/tour.ts`. It runs offline,
 * on the embedded runtime and its tutor model.
 */
// --- tour ---
import { connect, from, lastValueFrom, merge, tap } from 'rxjs';
import {
  collectRuns,
  fanOutRuns,
  replyText,
  runStatuses,
  rxAssistants,
  textDeltas,
} from 'rx-assistants';
import { localBackend } from 'rx-assistants/local';

const rx = rxAssistants(localBackend()); // or rxAssistants(new OpenAI({ baseURL })) for a server

// Create an assistant.
const tutor = await lastValueFrom(
  rx.assistants.create({
    name: 'Math Tutor',
    model: 'gpt-4o',
    instructions: 'You are a math tutor.',
  }),
);

// Ask it something: a new thread, a message, a run, followed to its reply.
const answer = await lastValueFrom(
  rx.ask(tutor.id, 'I need to solve the equation `3x + 11 = 14`. Can you help me?').pipe(
    tap((event) => console.log(event.event)), // thread.run.created ... thread.run.completed
    replyText(),
  ),
);
console.log('Answer:', answer);

// A chat on one thread: each reply as it is written, each status of its run once.
const chat = await lastValueFrom(rx.threads.create());
for (const question of ['Solve 2x + 3 = 7', 'Could you explain this to me?']) {
  console.log(`> ${question}`);
  await lastValueFrom(
    rx.ask(tutor.id, question, { threadId: chat.id }).pipe(
      connect((run$) =>
        merge(
          run$.pipe(
            runStatuses(),
            tap((status) => process.stdout.write(`[${status}] `)),
          ),
          run$.pipe(
            textDeltas(),
            tap((text) => process.stdout.write(text)),
          ),
        ),
      ),
    ),
  );
  console.log();
}

// Fan out three questions, two runs at a time; results come back in input order.
const questions = [
  'Solve 2x - 4 = 10',
  'Could you explain linear algebra to me?',
  "I don't like math.",
];
const results = await lastValueFrom(
  from(questions).pipe(
    fanOutRuns((question) => rx.ask(tutor.id, question), { concurrency: 2 }),
    collectRuns(),
  ),
);
for (const { input, text, run } of results) console.log(`${input} → ${text} [${run?.status}]`);
