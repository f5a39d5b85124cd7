/**
 * The README's tour, runnable: `npm run demo`.
 *
 * It drives a backend whose runs follow scripted timelines (the
 * `timelineBackend` of rx-assistants/testing) in real time, so it runs offline
 * with no server. Set OPENAI_BASE_URL (and OPENAI_API_KEY) to run the same code
 * against an Assistants-compatible server instead.
 */
import OpenAI from 'openai';
import { timelineBackend } from 'rx-assistants/testing';

const backend = process.env['OPENAI_BASE_URL']
  ? new OpenAI()
  : timelineBackend({
      runs: 'q 150ms i 400ms c',
      reply: (run) => `(scripted reply to run ${run.id})`,
      latency: 20,
    });

// --- tour ---
import { from, lastValueFrom, tap } from 'rxjs';
import { collectRuns, fanOutRuns, replyText, rxAssistants } from 'rx-assistants';

const rx = rxAssistants(backend);

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

// Fan out three questions, two runs at a time; results come back in input order.
const questions = ['What is 2 + 2?', 'Explain linear algebra.', "I don't like math."];
const results = await lastValueFrom(
  from(questions).pipe(
    fanOutRuns((question) => rx.ask(tutor.id, question), { concurrency: 2 }),
    collectRuns(),
  ),
);
for (const { input, text, run } of results) console.log(`${input} → ${text} [${run?.status}]`);
// --- end of tour ---
