// The ```ts blocks of README.md and docs/*.md, run: each is read from its
// page at test time and run as the module it would be (runBlock.ts), with
// what its page says it does checked. No network: a block that names a
// server at 127.0.0.1:8787 or :11434 runs against one this test starts on a
// free port of 127.0.0.1 (its address replaced in the code, and the test
// checks that it was there), and `new OpenAI()` reads OPENAI_BASE_URL and
// OPENAI_API_KEY, set to a fake endpoint of this test.
//
// A block is **complete** when it declares everything it uses: it starts
// with its imports and needs none of the names the type check gives
// fragments (`rx`, `thread`...; scripts/markdownExamples.mjs) or its page's
// setup. The complete blocks, each run here or where named:
//
// - README.md, the tour: test/project/readme.spec.ts runs examples/tour.ts,
//   which the README shows word for word;
// - docs/concepts.md, a client with retry settings;
// - docs/local-runtime.md, the runtime, a memory store, two runtimes on one
//   shared store (closing one; streaming through one a run of the other),
//   the ModelAdapter interface (types
//   only: nothing to run, checked to compile to nothing), the echo model,
//   chatCompletionsModel over Ollama, responsesModel over OpenAI;
// - docs/migrating.md, the SDK client of the page's examples;
// - docs/server.md, serve() with the SDK, createApp(), the SDK pointed at
//   the server, the SDK in a page;
// - docs/testing.md, its imports (test/docs/testing.spec.ts).
//
// Fragments of docs/concepts.md run here too, with the names they need. The
// quoted blocks are copies of files that their own projects run (see
// QUOTES). The last test checks that every block of every page is in
// CASES or QUOTES, so that a new block is either run or said why not.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { lastValueFrom, map, merge, Observable, take, toArray } from 'rxjs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  replyText,
  rxAssistants,
  type AssistantsBackend,
  type Thread,
  type RxAssistants,
} from '../../src';
import {
  localBackend,
  tutorModel,
  type AssistantsStore,
  type LocalBackend,
  type ModelAdapter,
  type ModelRequest,
} from '../../src/local';
import { serve, type ServerHandle } from '../../src/server';
import { createTestScheduler } from '../../src/testing';
import { startFakeChatServer } from '../support/fakeChatServer';
import { startFakeResponsesServer } from '../support/fakeResponsesServer';
import { listenOnLoopback } from '../support/listen';
import { docBlocks, pageBlocks, type PageBlock } from './docBlocks';
import { runBlock, transpiledBlock } from './runBlock';

/** The tutor's replies, as its model documents them. */
const SOLVED = {
  'Solve 2x + 3 = 7':
    'x = 2. Subtract 3 from both sides to get 2x = 4, then divide both sides by 2.',
  'Solve 3x + 11 = 14':
    'x = 1. Subtract 11 from both sides to get 3x = 3, then divide both sides by 3.',
};

/** The pages with ```ts blocks: README.md and every page of docs/. */
const PAGES = ['README.md', ...docsPages()];

/**
 * Who runs the quoted blocks: a quote must match its file (`npm run
 * typecheck`), and the file is run by its own project, in this suite or not.
 */
const QUOTES: { files: string; by: string; inSuite: boolean }[] = [
  { files: 'test/docs/migrating.spec.ts', by: 'test/docs/migrating.spec.ts', inSuite: true },
  {
    files: 'examples/browser/',
    by: 'bash examples/browser/e2e.sh: npm ci of the example, a build, headless Chromium',
    inSuite: false,
  },
  {
    files: 'examples/angular/',
    by: 'bash examples/angular/e2e.sh: npm ci of Angular 21, ng test, ng build, headless Chromium',
    inSuite: false,
  },
];

/**
 * Test files that run blocks of a page from copies, each between `// doc:begin`
 * and `// doc:end`, which they check to appear in the page word for word.
 */
const COPIED_BY = ['test/docs/testing.spec.ts'].map((file) => ({
  file,
  copies: docBlocks(join(__dirname, '..', '..', file)),
}));

/** Each other block: run here, run elsewhere, or not run and why. */
interface Case {
  page: string;
  /** Text that only this block of the page has. */
  has: string;
  title: string;
  run?: (block: PageBlock) => Promise<void>;
  elsewhere?: string;
  skip?: string;
}

/** Servers of the API that this file starts, on free ports of 127.0.0.1. */
const open: { close(): Promise<void> }[] = [];
afterAll(() => Promise.all(open.splice(0).map((server) => server.close())));
afterEach(() => {
  vi.unstubAllEnvs();
});

async function served(backend: AssistantsBackend, apiKey?: string): Promise<ServerHandle> {
  const server = await serve(backend, { port: 0, ...(apiKey && { apiKey }) });
  open.push(server);
  return server;
}

/** The block's code with the address it names replaced by `url` (which it must name). */
function pointedAt(code: string, address: string, url: string): string {
  expect(code).toContain(address);
  return code.replaceAll(address, url);
}

/** An assistant of the tutor, and a thread with the question if any, made through `rx`. */
async function threadAsking(rx: RxAssistants, question?: string) {
  const assistant = await lastValueFrom(rx.assistants.create({ model: 'tutor' }));
  const messages = question === undefined ? [] : [{ role: 'user' as const, content: question }];
  const thread = await lastValueFrom(rx.threads.create({ messages }));
  return { assistant, thread };
}

const CASES: Case[] = [
  {
    page: 'README.md',
    has: 'fanOutRuns((question)',
    title: 'the tour',
    elsewhere: 'test/project/readme.spec.ts runs examples/tour.ts, shown word for word',
  },
  {
    page: 'docs/server.md',
    has: 'createAndRunPoll',
    title: 'serves the runtime and asks it through the SDK: completed, and the reply x = 1',
    run: async ({ code }) => {
      const { logs } = await runBlock(code);
      expect(logs).toEqual([
        [
          'completed',
          { type: 'text', text: { value: SOLVED['Solve 3x + 11 = 14'], annotations: [] } },
        ],
      ]);
    },
  },
  {
    page: 'docs/server.md',
    has: 'createApp(localBackend())',
    title: 'answers /v1/assistants through createApp: 200',
    run: async ({ code }) => {
      expect((await runBlock(code)).logs).toEqual([[200]]);
    },
  },
  {
    page: 'docs/server.md',
    has: "const openai = new OpenAI({ baseURL: 'http://127.0.0.1:8787/v1', apiKey: 'local-secret' });",
    title: "points the SDK at a server with the key 'local-secret': the server answers it",
    run: async ({ code }) => {
      const backend = localBackend();
      const server = await served(backend, 'local-secret');
      const { kept } = await runBlock(pointedAt(code, 'http://127.0.0.1:8787/v1', server.url), {
        keep: ['openai'],
      });
      const openai = kept['openai'] as OpenAI;
      const assistant = await openai.beta.assistants.create({ model: 'tutor' });
      expect((await lastValueFrom(backend.assistants.retrieve(assistant.id))).id).toBe(
        assistant.id,
      );
    },
  },
  {
    page: 'docs/server.md',
    has: 'dangerouslyAllowBrowser: true',
    title: 'streams through the SDK of a page: each delta printed, making the reply x = 1',
    run: async ({ code }) => {
      const server = await served(localBackend(), 'local-secret');
      const { logs, kept } = await runBlock(
        pointedAt(code, 'http://127.0.0.1:8787/v1', server.url),
        { keep: ['stream'] },
      );
      expect(logs.length).toBeGreaterThan(5);
      expect(logs.every((args) => args.length === 1 && typeof args[0] === 'string')).toBe(true);
      expect(logs.map(([delta]) => delta).join('')).toBe(SOLVED['Solve 3x + 11 = 14']);
      const stream = kept['stream'] as { currentRun(): { status: string } | undefined };
      expect(stream.currentRun()?.status).toBe('completed');
    },
  },
  {
    page: 'docs/migrating.md',
    has: "apiKey: 'unused'",
    title: 'points the SDK at a server that takes any key: it answers',
    run: async ({ code }) => {
      const backend = localBackend();
      const server = await served(backend);
      const { kept } = await runBlock(pointedAt(code, 'http://127.0.0.1:8787/v1', server.url), {
        keep: ['openai'],
      });
      const thread = await (kept['openai'] as OpenAI).beta.threads.create();
      expect((await lastValueFrom(backend.threads.retrieve(thread.id))).id).toBe(thread.id);
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: '// offline, with the tutor model',
    title: 'runs the runtime offline, with the tutor: it solves an equation',
    run: async ({ code }) => {
      const { kept } = await runBlock(code, { keep: ['rx'] });
      const rx = kept['rx'] as RxAssistants;
      const { assistant } = await threadAsking(rx);
      const reply = await lastValueFrom(
        rx.ask(assistant.id, 'Solve 3x + 11 = 14').pipe(replyText()),
      );
      expect(reply).toBe(SOLVED['Solve 3x + 11 = 14']);
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'memoryStore({ maxKeptResponses: 1000 })',
    title: "lists the store's threads (none yet), and the backend keeps its threads there",
    run: async ({ code }) => {
      const { logs, kept } = await runBlock(code, { keep: ['store', 'backend'] });
      expect(logs).toEqual([[[]]]);
      const store = kept['store'] as AssistantsStore;
      const thread = await lastValueFrom((kept['backend'] as AssistantsBackend).threads.create());
      const page = await lastValueFrom(store.list('thread'));
      expect(page.data.map((t) => t.id)).toEqual([thread.id]);
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'first.close().subscribe()',
    title: 'runs two runtimes on one shared store, the first closed',
    run: async ({ code }) => {
      const { kept } = await runBlock(code, { keep: ['store', 'first', 'second'] });
      expect((kept['store'] as AssistantsStore).shared).toBe(true);
      const [first, second] = [kept['first'], kept['second']] as LocalBackend[];
      // What one runtime stores, the other reads; closing took the first's runs away, not its data.
      const thread = await lastValueFrom(first!.threads.create());
      expect((await lastValueFrom(second!.threads.retrieve(thread.id))).id).toBe(thread.id);
      await lastValueFrom(second!.close());
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'The run executes in `first`',
    title: 'streams through a second runtime the run the first executes, to its end',
    run: async ({ code }) => {
      const { logs, kept } = await runBlock(code, { keep: ['events'] });
      expect(logs).toEqual([['thread.run.completed']]);
      const events = kept['events'] as Array<{ event: string }>;
      expect(events.filter((e) => e.event === 'thread.run.completed')).toHaveLength(1);
      expect(events.some((e) => e.event === 'thread.message.delta')).toBe(true);
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'interface ModelAdapter',
    title: 'declares the ModelAdapter interface: types only, nothing to run',
    run: async ({ code }) => {
      expect(transpiledBlock(code)).toBe('export {};');
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'export const echoModel',
    title: 'echoes the last message, one word every 50 ms, and answers runs with it',
    run: async ({ code }) => {
      const echoModel = (await runBlock(code)).exports['echoModel'] as ModelAdapter;
      expect(echoModel.name).toBe('echo');
      const request = {
        messages: [{ role: 'user', content: 'one two three' }],
      } as ModelRequest;
      const scheduler = createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
      scheduler.run(({ expectObservable }) => {
        expectObservable(echoModel.respond(request, { scheduler })).toBe('a 49ms b 49ms (c|)', {
          a: { type: 'text', delta: 'one' },
          b: { type: 'text', delta: ' two' },
          c: { type: 'text', delta: ' three' },
        });
      });
      const rx = rxAssistants(localBackend({ model: echoModel }));
      const { assistant } = await threadAsking(rx);
      const reply = await lastValueFrom(rx.ask(assistant.id, 'Echo these words').pipe(replyText()));
      expect(reply).toBe('Echo these words');
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'chatCompletionsModel(ollama',
    title: "runs on a Chat Completions endpoint (a fake Ollama): model 'llama3.2', key 'ollama'",
    run: async ({ code }) => {
      const seen: { model: string; authorization?: string }[] = [];
      const ollama = await startFakeChatServer((body, req) => {
        seen.push({ model: body.model, authorization: req.headers.authorization });
        return { deltas: [{ content: 'x = 1' }, { content: ', from the endpoint.' }] };
      });
      open.push(ollama);
      const { kept } = await runBlock(pointedAt(code, 'http://127.0.0.1:11434/v1', ollama.url), {
        keep: ['backend'],
      });
      const rx = rxAssistants(kept['backend'] as AssistantsBackend);
      const { assistant } = await threadAsking(rx);
      const reply = await lastValueFrom(
        rx.ask(assistant.id, 'Solve 3x + 11 = 14').pipe(replyText()),
      );
      expect(reply).toBe('x = 1, from the endpoint.');
      expect(seen).toEqual([{ model: 'llama3.2', authorization: 'Bearer ollama' }]);
    },
  },
  {
    page: 'docs/local-runtime.md',
    has: 'responsesModel(openai',
    title: "runs on a Responses endpoint (a fake, from OPENAI_BASE_URL): model 'gpt-4.1-mini'",
    run: async ({ code }) => {
      const seen: { model: string; store: boolean; authorization?: string }[] = [];
      const responses = await startFakeResponsesServer((body, req) => {
        seen.push({
          model: body.model,
          store: body.store,
          authorization: req.headers.authorization,
        });
        return { output: [{ type: 'message', text: ['x = 1', ', from Responses.'] }] };
      });
      open.push(responses);
      vi.stubEnv('OPENAI_BASE_URL', responses.url);
      vi.stubEnv('OPENAI_API_KEY', 'sk-fake-for-this-test');
      const { kept } = await runBlock(code, { keep: ['backend'] });
      const rx = rxAssistants(kept['backend'] as AssistantsBackend);
      const { assistant } = await threadAsking(rx);
      const reply = await lastValueFrom(
        rx.ask(assistant.id, 'Solve 3x + 11 = 14').pipe(replyText()),
      );
      expect(reply).toBe('x = 1, from Responses.');
      expect(seen).toEqual([
        { model: 'gpt-4.1-mini', store: false, authorization: 'Bearer sk-fake-for-this-test' },
      ]);
    },
  },
  {
    page: 'docs/concepts.md',
    has: 'maxInFlight: 16',
    title: 'sets the retry policy of a client and of a watch, which sends nothing until subscribed',
    run: async ({ code }) => {
      const requests: string[] = [];
      const server = createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
      });
      const port = await listenOnLoopback(server);
      open.push({ close: () => new Promise((done) => server.close(() => done())) });
      const { kept } = await runBlock(
        pointedAt(code, 'http://127.0.0.1:8787/v1', `http://127.0.0.1:${port}/v1`),
        { keep: ['rx'] },
      );
      expect(kept['rx']).toHaveProperty('runs.watch');
      expect(requests).toEqual([]);
    },
  },
  {
    page: 'docs/concepts.md',
    has: 'rxAssistants(backend); // an OpenAI client or any AssistantsBackend',
    title: 'is cold: the create is sent on subscribe, and aborted by unsubscribe',
    run: async ({ code }) => {
      const base = localBackend();
      const creates: string[] = [];
      const pending = new Observable<Thread>(() => {
        creates.push('sent');
        return () => creates.push('aborted');
      });
      const backend = { ...base, threads: { ...base.threads, create: () => pending } };
      const { kept } = await runBlock(code, { given: { backend }, keep: ['thread$'] });
      expect(kept['thread$']).toBeInstanceOf(Observable);
      expect(creates).toEqual(['sent', 'aborted']);
    },
  },
  {
    page: 'docs/concepts.md',
    has: 'rx.runs.watch(thread.id, run.id).subscribe',
    title: 'watches a run: queued, in_progress, completed',
    run: async ({ code }) => {
      // Each status lasts long enough for a poll to see it: queued 300 ms, then
      // a tutor that thinks for 500 ms.
      const backend = localBackend({
        model: tutorModel({ delay: 500 }),
        timing: { queued: () => 300, cancelling: () => 0 },
      });
      const rx = rxAssistants(backend);
      const { assistant, thread } = await threadAsking(rx, 'Solve 2x + 3 = 7');
      // Created by another client: this one watches it from its first status.
      const run = await lastValueFrom(
        backend.runs.create(thread.id, { assistant_id: assistant.id }),
      );
      const block = await runBlock(code, { given: { rx, thread, run } });
      await block.until((args) => args[0] === 'completed');
      expect(block.logs).toEqual([['queued'], ['in_progress'], ['completed']]);
    },
  },
  {
    page: 'docs/concepts.md',
    has: 'run$.pipe(\n          replyText(),',
    title: 'shows statuses, text deltas and the reply of one run',
    run: async ({ code }) => {
      const rx = rxAssistants(localBackend());
      const { assistant } = await threadAsking(rx);
      const block = await runBlock(code, { given: { rx, assistantId: assistant.id, map } });
      await block.until(([update]) => isUpdate(update) && update['status'] === 'completed');
      const updates = block.logs.map(([update]) => update as Record<string, string>);
      const statuses = updates.flatMap((u) => ('status' in u ? [u['status']] : []));
      const deltas = updates.flatMap((u) => ('text' in u ? [u['text']] : []));
      expect(statuses).toEqual(['queued', 'in_progress', 'completed']);
      expect(deltas.length).toBeGreaterThan(5);
      expect(deltas.join('')).toBe(SOLVED['Solve 2x + 3 = 7']);
      const replies = updates.filter((u) => 'reply' in u);
      expect(replies).toEqual([{ reply: SOLVED['Solve 2x + 3 = 7'] }]);
    },
  },
  {
    page: 'docs/concepts.md',
    has: 'get_weather: async ({ city }',
    title: 'answers a tool call with fetch',
    skip:
      'it builds a cold Observable and never subscribes, so running it does nothing; its handler ' +
      'would fetch https://example.test (no network here); test/client/run.spec.ts runs the tool loop',
  },
  {
    page: 'docs/concepts.md',
    has: '// Both succeed, one after the other.',
    title: 'queues two asks on one thread: both succeed, one after the other',
    run: async ({ code }) => {
      const backend = localBackend();
      const rx = rxAssistants(backend);
      const { assistant, thread } = await threadAsking(rx);
      await runBlock(code, {
        given: { rx, assistantId: assistant.id, threadId: thread.id, merge },
      });
      // Two questions and two replies, read from the backend as they are written...
      const reader = rxAssistants(backend);
      const messages = await lastValueFrom(
        reader.messages.watch(thread.id).pipe(take(4), toArray()),
      );
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      // ...by two runs, the second created once the first had completed.
      const [first, second] = await lastValueFrom(
        reader.runs.list(thread.id, { order: 'asc' }).pipe(toArray()),
      );
      const last = await lastValueFrom(reader.runs.watch(thread.id, second!.id));
      expect([first!.status, last.status]).toEqual(['completed', 'completed']);
      expect(second!.created_at).toBeGreaterThanOrEqual(first!.completed_at!);
      expect(messages[1]!.run_id).toBe(first!.id);
      expect(messages[3]!.run_id).toBe(second!.id);
    },
  },
  {
    page: 'docs/sql-store.md',
    has: "new PGlite('./assistants-data')",
    title: 'a store in PGlite, in a directory',
    skip:
      'it would write ./assistants-data where the tests run, and start a PGlite (seconds, half a GB) ' +
      'for one line; test/sql/pgliteDir.spec.ts runs sqlStore(pglite(…)) on a PGlite in a directory',
  },
  {
    page: 'docs/sql-store.md',
    has: 'new pgLib.Pool(',
    title: 'a store in a Postgres server',
    skip: 'it needs a Postgres server; npm run test:pg runs sqlStore(pg(pool)) against one',
  },
  {
    page: 'docs/sql-store.md',
    has: 'await lastValueFrom(store.migrate())',
    title: 'a store migrated, then a page of threads',
    skip:
      'a PGlite takes seconds and half a GB to start; test/sql/pglite.spec.ts makes the same ' +
      'calls (migrate(), list()) on the one PGlite it shares between its tests',
  },
  {
    page: 'docs/browser.md',
    has: "PGlite.create('idb://assistants')",
    title: 'a store in PGlite in IndexedDB',
    skip:
      'IndexedDB is a browser API; npm run test:browser runs the same calls in a page of a real ' +
      'Chromium (test/browser/idb.browser.spec.ts), across a reload and another tab',
  },
];

const isUpdate = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function docsPages(): string[] {
  return readdirSync(join(__dirname, '..', '..', 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
}

/** The case of a block: the one whose page it is on and whose text it has. */
const caseOf = (block: PageBlock) =>
  CASES.filter(({ page, has }) => page === block.page && block.code.includes(has));

/** The test file that runs a copy of the block, if one does. */
const copiedBy = (block: PageBlock) =>
  COPIED_BY.find(({ copies }) => copies.includes(block.code.trim()))?.file;

const blocks = PAGES.flatMap(pageBlocks);

describe('the complete blocks of the pages, and the fragments of concepts.md, run', () => {
  for (const block of blocks) {
    const [found] = caseOf(block);
    if (block.quoted || !found || found.elsewhere) continue;
    const name = `${block.page}:${block.line}: ${found.title}`;
    if (found.skip) it.skip(`${name} (not run: ${found.skip})`);
    else it(name, () => found.run!(block));
  }
});

describe('the quoted blocks that this suite does not run', () => {
  for (const { files, by } of QUOTES.filter((quote) => !quote.inSuite)) {
    const quoted = blocks.filter((block) => block.quoted?.startsWith(files));
    const where = [...new Set(quoted.map((block) => block.page))].join(', ');
    it.skip(`${quoted.length} blocks of ${where} quote ${files} (not run here: ${by})`);
  }
});

describe('every block of every page', () => {
  it('is run here, run elsewhere, or says why it is not', () => {
    const unaccounted = blocks
      .filter((block) =>
        block.quoted
          ? !QUOTES.some(({ files }) => block.quoted!.startsWith(files))
          : !copiedBy(block) && caseOf(block).length !== 1,
      )
      .map((block) => `${block.page}:${block.line}`);
    expect(unaccounted).toEqual([]);
    // And each case is of one block still there.
    for (const { page, has } of CASES) {
      expect(
        blocks.filter((b) => b.page === page && b.code.includes(has)),
        has,
      ).toHaveLength(1);
    }
  });
});
