// The page script of the IndexedDB test: the embedded runtime in a web page,
// its store PGlite in the browser's IndexedDB (`idb://`), so that its threads
// outlive a reload. Bundled by esbuild; the test calls `globalThis.idbPage`.
import { PGlite } from '@electric-sql/pglite';
import { lastValueFrom } from 'rxjs';
import { replyText, rxAssistants } from '../../../src';
import type { Message } from '../../../src/backend/types';
import { type AssistantsStore, type LocalBackend, localBackend } from '../../../src/local';
import { pglite, sqlStore } from '../../../src/sql';

const DATABASE = 'idb://rx-assistants-browser-test';

const textOf = (content: Message['content']) =>
  content.map((part) => (part.type === 'text' ? part.text.value : '')).join('');

/** The runtime on the page's IndexedDB (and its store), for the time of `work`. */
async function withRuntime<T>(
  work: (backend: LocalBackend, store: AssistantsStore) => Promise<T>,
): Promise<T> {
  const db = await PGlite.create(DATABASE);
  const store = sqlStore(pglite(db));
  const backend = localBackend({ store });
  try {
    return await work(backend, store);
  } finally {
    await lastValueFrom(backend.close(), { defaultValue: undefined });
    await db.close();
  }
}

const idbPage = {
  /** Asks the tutor on a new thread; resolves to the thread's id and the reply. */
  ask: (question: string) =>
    withRuntime(async (backend) => {
      const rx = rxAssistants(backend);
      const tutor = await lastValueFrom(backend.assistants.create({ model: 'tutor' }));
      const thread = await lastValueFrom(backend.threads.create());
      const reply = await lastValueFrom(
        rx.ask(tutor.id, question, { threadId: thread.id }).pipe(replyText()),
      );
      return { threadId: thread.id, reply };
    }),
  /** Every thread the store has, each with its messages' text, oldest first. */
  threads: () =>
    withRuntime(async (_backend, store) => {
      const threads = await lastValueFrom(store.list('thread', { order: 'asc' }));
      return Promise.all(
        threads.data.map(async (thread) => {
          const messages = await lastValueFrom(
            store.list('message', { parentId: thread.id, order: 'asc' }),
          );
          return { id: thread.id, texts: messages.data.map((m) => textOf(m.content)) };
        }),
      );
    }),
};

export type IdbPage = typeof idbPage;
(globalThis as unknown as { idbPage: IdbPage }).idbPage = idbPage;
