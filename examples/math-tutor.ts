/**
 * The math-tutor walkthrough: `npm run demo`.
 *
 * Offline by default: the embedded runtime with its deterministic tutor model.
 *   OPENAI_BASE_URL=http://127.0.0.1:8787/v1 npm run demo
 *     drives an Assistants-compatible server through the openai SDK instead;
 *   npm run demo -- --model chat:llama3.2
 *     runs the embedded runtime on a Chat Completions model, reached at
 *     OPENAI_BASE_URL (with OPENAI_API_KEY).
 *
 * On a terminal, each run is one line redrawn in place (its status, its time
 * and its reply as it streams in); piped, it prints a plain log. An endpoint
 * that cannot be reached ends it with a one-line hint and exit code 1.
 */
import logUpdate from 'log-update';
import OpenAI from 'openai';
import { defer, from, lastValueFrom, type Observable, tap, toArray } from 'rxjs';
import {
  collectRuns,
  fanOutRuns,
  isFanOutError,
  isRunEvent,
  openaiBackend,
  RunError,
  rxAssistants,
  type AssistantsBackend,
  type Message,
  type RunEvent,
} from 'rx-assistants';
import { chatCompletionsModel, localBackend } from 'rx-assistants/local';

const started = performance.now();
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)}s`;
const elapsed = () => seconds(started).padStart(7);
const print = (line = '') => console.log(line);
/** The text of a message: its text blocks, one a line (images are skipped). */
const textOf = (message: Message) =>
  message.content.flatMap((block) => (block.type === 'text' ? [block.text.value] : [])).join('\n');

/** On a terminal, runs are lines redrawn in place; piped, each change is a line of the log. */
const live = process.stdout.isTTY === true;

/** The lines of runs in progress: status, time and reply so far, redrawn in place on a terminal. */
function liveRuns(labels: string[]) {
  const rows = labels.map((label) => ({ label, status: 'waiting', since: 0, took: '', text: '' }));
  const draw = () => {
    const width = process.stdout.columns || 80;
    const line = ({ label, status, since, took, text }: (typeof rows)[number]) => {
      const time = took || (since ? seconds(since) : '');
      const head = `  ${label} ${status.padEnd(12)} ${time.padStart(6)}  `;
      // The newest words of the reply, as they stream in.
      const reply = text.replace(/\s+/g, ' ').trim();
      const room = width - 1 - head.length;
      return head + (reply.length > room ? `…${reply.slice(-(room - 1))}` : reply);
    };
    logUpdate(rows.map(line).join('\n'));
  };
  return {
    /** Takes in an event of run `index`: its status, or its reply's text. */
    see(index: number, event: RunEvent, log: (status: string) => void) {
      const row = rows[index]!;
      if (event.event === 'thread.message.delta') {
        for (const part of event.data.delta.content ?? []) {
          if (part.type === 'text') row.text += part.text?.value ?? '';
        }
      } else if (event.event === 'thread.message.completed' && event.data.role === 'assistant') {
        row.text = textOf(event.data);
      } else if (isRunEvent(event) && event.data.status !== row.status) {
        row.status = event.data.status;
        row.since ||= performance.now();
        if (/^(completed|failed|cancelled|expired|incomplete)$/.test(row.status)) {
          row.took = seconds(row.since);
        }
        if (!live) log(row.status);
      } else {
        return;
      }
      if (live) draw();
    },
    /** Leaves the lines as they are, below the rest of the output. */
    done() {
      if (live) logUpdate.done();
    },
  };
}

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
      // The client retries requests itself: no SDK retries on top.
      backend: new OpenAI({ apiKey: process.env['OPENAI_API_KEY'] ?? 'none', maxRetries: 0 }),
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
// A demo gives up on a server that does not answer after a few seconds, not half a minute.
const rx = rxAssistants(backend, { transport: 'auto', retry: { retries: 2, maxDelay: 2000 } });

/** One line that says which endpoint failed and what to change, for an endpoint out of reach. */
function hintFor(error: unknown): string | undefined {
  const reason =
    error instanceof RunError
      ? error.run.last_error?.message
      : error instanceof Error
        ? error.message
        : String(error);
  if (!/Connection error|Request timed out|ECONNREFUSED|fetch failed/i.test(reason ?? '')) {
    return undefined;
  }
  const what = label.includes('chat model')
    ? `the Chat Completions endpoint of --model chat:${model} failed: ${reason} ` +
      'Set OPENAI_BASE_URL to a running one (such as Ollama: http://127.0.0.1:11434/v1), ' +
      'or drop --model for the offline tutor.'
    : `the Assistants server at OPENAI_BASE_URL failed: ${reason} ` +
      'Start one (npx rx-assistants serve), or unset OPENAI_BASE_URL to run offline.';
  return `rx-assistants demo: ${what}`;
}

// The demo's steps await at the top level: a failure ends up here.
process.on('uncaughtException', (error) => {
  const hint = hintFor(error);
  if (live) logUpdate.done();
  console.error(hint ?? error);
  process.exit(1);
});

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

/** Adds a question, runs it and shows each status as it happens. */
async function askAndWatch(content: string): Promise<void> {
  await lastValueFrom(rx.messages.create(thread.id, { role: 'user', content }));
  print(`${elapsed()}  user: ${content}`);
  // The run's events, streamed where the backend can (else polled).
  const view = liveRuns(['run']);
  await lastValueFrom(
    rx
      .run(thread.id, { assistant_id: tutor.id })
      .pipe(
        tap((event) =>
          view.see(0, event, (status) =>
            print(`${elapsed()}  run ${isRunEvent(event) ? event.data.id : ''}: ${status}`),
          ),
        ),
      ),
  );
  view.done();
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
const users = liveRuns(questions.map((_q, i) => `[${i + 1}]`));

const results = await lastValueFrom(
  from(questions).pipe(
    fanOutRuns((question) => rx.ask(tutor.id, question), { concurrency: 3 }),
    tap((item) => {
      if (isFanOutError(item)) return;
      users.see(item.index, item.event, (status) =>
        print(`${elapsed()}  user ${item.index + 1}: ${status}`),
      );
    }),
    collectRuns(),
  ),
);
users.done();

print();
for (const result of results) {
  print(`Q${result.index + 1}: ${result.input}`);
  print(
    `A${result.index + 1}: ${result.error ? `(failed: ${String(result.error)})` : result.text}`,
  );
}

print();
print(`Done in ${elapsed().trim()} wall time, ${requests()} requests.`);
