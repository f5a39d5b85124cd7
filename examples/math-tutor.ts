/**
 * The math-tutor walkthrough: `npm run demo`.
 *
 * Offline by default: the embedded runtime with its deterministic tutor model.
 *   OPENAI_BASE_URL=http://127.0.0.1:8787/v1 npm run demo
 *     drives an Assistants-compatible server through the openai SDK instead;
 *   npm run demo -- --model chat:llama3.2
 *     runs the embedded runtime on a Chat Completions model, reached at
 *     OPENAI_BASE_URL (with OPENAI_API_KEY).
 */
import OpenAI from 'openai';
import {
  defer,
  distinctUntilKeyChanged,
  filter,
  from,
  lastValueFrom,
  map,
  type Observable,
  tap,
  toArray,
} from 'rxjs';
import {
  collectRuns,
  fanOutRuns,
  isFanOutError,
  isRunEvent,
  openaiBackend,
  rxAssistants,
  type AssistantsBackend,
  type Message,
} from 'rx-assistants';
import { chatCompletionsModel, localBackend } from 'rx-assistants/local';

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(2)}s`.padStart(7);
const print = (line = '') => console.log(line);
/** The text of a message: its text blocks, one a line (images are skipped). */
const textOf = (message: Message) =>
  message.content.flatMap((block) => (block.type === 'text' ? [block.text.value] : [])).join('\n');

/** Where the demo runs, from the command line and the environment. */
function chooseBackend(): { backend: AssistantsBackend | OpenAI; label: string; model: string } {
  const flag = process.argv.indexOf('--model');
  const model = flag >= 0 ? (process.argv[flag + 1] ?? '') : 'tutor';
  if (model.startsWith('chat:')) {
    const name = model.slice('chat:'.length);
    const upstream = new OpenAI({
      baseURL: process.env['OPENAI_BASE_URL'],
      apiKey: process.env['OPENAI_API_KEY'] ?? 'none',
    });
    return {
      backend: localBackend({ model: chatCompletionsModel(upstream, { model: name }) }),
      label: `embedded runtime, chat model ${name}`,
      model: name,
    };
  }
  if (process.env['OPENAI_BASE_URL']) {
    return {
      backend: new OpenAI({ apiKey: process.env['OPENAI_API_KEY'] ?? 'none' }),
      label: `Assistants server at ${process.env['OPENAI_BASE_URL']}`,
      model: 'gpt-4o',
    };
  }
  return {
    backend: localBackend(),
    label: 'embedded runtime, offline tutor model',
    model: 'tutor',
  };
}

/** Counts the requests the client makes, by wrapping every method of the port. */
function counted(backend: AssistantsBackend): {
  backend: AssistantsBackend;
  requests: () => number;
} {
  let requests = 0;
  const wrap = <T extends object>(resource: T): T =>
    Object.fromEntries(
      Object.entries(resource).map(([name, method]) => [
        name,
        (...args: unknown[]) =>
          defer(() => {
            requests++;
            return (method as (...a: unknown[]) => Observable<unknown>).apply(resource, args);
          }),
      ]),
    ) as T;
  const wrapped = Object.fromEntries(
    Object.entries(backend).map(([key, resource]) => [key, wrap(resource as object)]),
  );
  return { backend: wrapped as unknown as AssistantsBackend, requests: () => requests };
}

const { backend: source, label, model } = chooseBackend();
const { backend, requests } = counted(source instanceof OpenAI ? openaiBackend(source) : source);
const rx = rxAssistants(backend, { transport: 'auto' });

print(`rx-assistants demo (${label})`);
print();

// 1. The assistant, a thread and the first question.
const tutor = await lastValueFrom(
  rx.assistants.create({
    name: 'Math Tutor',
    instructions: 'You are a personal math tutor. Answer questions in a sentence or less.',
    model,
  }),
);
print(`${elapsed()}  assistant ${tutor.id} (${tutor.name})`);
const thread = await lastValueFrom(rx.threads.create());
print(`${elapsed()}  thread ${thread.id}`);

/** Adds a question, runs it and prints each status as it happens. */
async function askAndWatch(content: string): Promise<void> {
  await lastValueFrom(rx.messages.create(thread.id, { role: 'user', content }));
  print(`${elapsed()}  user: ${content}`);
  // The run's events, streamed where the backend can (else polled): print each status.
  await lastValueFrom(
    rx.run(thread.id, { assistant_id: tutor.id }).pipe(
      filter(isRunEvent),
      map((event) => event.data),
      distinctUntilKeyChanged('status'),
      tap((run) => print(`${elapsed()}  run ${run.id}: ${run.status}`)),
    ),
  );
}

await askAndWatch('I need to solve the equation `3x + 11 = 14`. Can you help me?');

// 2. The conversation so far, oldest first.
print();
print('Messages (ascending):');
const conversation = await lastValueFrom(
  rx.messages.list(thread.id, { order: 'asc' }).pipe(toArray()),
);
for (const message of conversation) print(`  ${message.role}: ${textOf(message)}`);

// 3. A follow-up; list only what is new, after the last message seen.
print();
await askAndWatch('Could you explain this to me?');
print('New messages (after the last one seen):');
const newer = await lastValueFrom(
  rx.messages.list(thread.id, { order: 'asc', after: conversation.at(-1)!.id }).pipe(toArray()),
);
for (const message of newer) print(`  ${message.role}: ${textOf(message)}`);

// 4. Three users at once, each on a thread of their own, fanned out and merged.
print();
print('Three concurrent users:');
const questions = [
  'I need to solve the equation `3x + 11 = 14`. Can you help me?',
  'Could you explain linear algebra to me?',
  "I don't like math. What can I do?",
];
const live = process.stdout.isTTY === true;
const statuses = questions.map(() => 'waiting');
const render = (first: boolean) => {
  if (!first) process.stdout.write(`\x1b[${questions.length}A`);
  questions.forEach((q, i) =>
    process.stdout.write(`\x1b[2K  [${i + 1}] ${statuses[i]!.padEnd(16)} ${q}\n`),
  );
};
if (live) render(true);

const results = await lastValueFrom(
  from(questions).pipe(
    fanOutRuns((question) => rx.ask(tutor.id, question), { concurrency: 3 }),
    tap((item) => {
      if (isFanOutError(item) || !isRunEvent(item.event)) return;
      const status = item.event.data.status;
      if (statuses[item.index] === status) return;
      statuses[item.index] = status;
      if (live) render(false);
      else print(`${elapsed()}  user ${item.index + 1}: ${status}`);
    }),
    collectRuns(),
  ),
);

print();
for (const result of results) {
  print(`Q${result.index + 1}: ${result.input}`);
  print(
    `A${result.index + 1}: ${result.error ? `(failed: ${String(result.error)})` : result.text}`,
  );
}

print();
print(`Done in ${elapsed().trim()} wall time, ${requests()} requests.`);
