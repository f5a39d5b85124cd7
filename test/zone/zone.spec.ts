// zone.js, loaded first as an Angular app's polyfills load it: it replaces
// the global Promise (and patches timers and EventTarget) before the SDK
// defines its Promise subclass, which then extends zone.js's Promise. Vitest
// runs each test file of the `zone` project in a process of its own
// (vitest.config.ts), so these patches end with this file.
import 'zone.js';
import OpenAI from 'openai';
import { from, lastValueFrom, map, tap, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyText, rxAssistants, type Message, type RunEvent, type Transport } from '../../src';
import { localBackend, tutorModel } from '../../src/local';
import { serve, type ServerHandle } from '../../src/server';

let server: ServerHandle;
let openai: OpenAI;
let assistantId: string;

beforeAll(async () => {
  server = await serve(localBackend(), { port: 0 });
  openai = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  assistantId = (await openai.beta.assistants.create({ model: 'tutor' })).id;
});
afterAll(() => server.close());

/** The tutor's replies, as its model documents them. */
const SOLVED = {
  'Solve 2x + 3 = 7':
    'x = 2. Subtract 3 from both sides to get 2x = 4, then divide both sides by 2.',
  'Solve 3x + 11 = 14':
    'x = 1. Subtract 11 from both sides to get 3x = 3, then divide both sides by 3.',
};

/**
 * A zone of the app's, as Angular's `NgZone` forks one: `take` subscribes to
 * an Observable inside it and resolves with its values, noting the zone each
 * value arrived in and any error the zone caught.
 */
function appZone() {
  const zonesSeen = new Set<string>();
  const errors: unknown[] = [];
  const zone = Zone.current.fork({
    name: 'app',
    onHandleError: (_parent, _current, _target, error) => {
      errors.push(error);
      return false;
    },
  });
  const take = <T>(source$: Observable<T>): Promise<T[]> =>
    zone.run(() =>
      lastValueFrom(
        source$.pipe(
          tap(() => zonesSeen.add(Zone.current.name)),
          toArray(),
        ),
      ),
    );
  return { zone, zonesSeen, errors, take };
}

/** The texts of a message. */
const textOf = (message: Message) =>
  message.content.flatMap((part) => (part.type === 'text' ? [part.text.value] : []));

describe('zone.js is loaded', () => {
  it('sets the trap the client avoids: a zone.js Promise adopts an SDK promise as null', async () => {
    expect(Promise.name).toBe('ZoneAwarePromise');
    const request = openai.beta.assistants.retrieve(assistantId);
    expect(request).toBeInstanceOf(Promise);
    expect(await Promise.resolve().then(() => request)).toBeNull();
    expect((await request.then((assistant) => assistant)).id).toBe(assistantId);
  });
});

describe.each<Transport>(['poll', 'stream', 'auto'])(
  "the client over the SDK and a server, inside a zone, transport '%s'",
  (transport) => {
    const rx = () => rxAssistants(openai, { transport });

    it("asks: the tutor's reply, every event in the app's zone", async () => {
      const app = appZone();
      const events = await app.take(rx().ask(assistantId, 'Solve 2x + 3 = 7'));

      const names = events.map((e) => e.event);
      expect(names[0]).toBe('thread.run.created');
      expect(names.at(-1)).toBe('thread.run.completed');
      // Streamed ('stream', and 'auto' over a server that streams), or polled.
      expect(names.includes('thread.message.delta')).toBe(transport !== 'poll');
      const reply = await lastValueFrom(from(events).pipe(replyText()));
      expect(reply).toBe(SOLVED['Solve 2x + 3 = 7']);
      // What the server stored is what the client showed.
      const threadId = runOf(events).thread_id;
      const [stored] = (await openai.beta.threads.messages.list(threadId)).data;
      expect(textOf(stored!)).toEqual([reply]);
      expect([...app.zonesSeen]).toEqual(['app']);
      expect(app.errors).toEqual([]);
    });

    it('runs, watches a run and lists the messages, in the zone', async () => {
      const app = appZone();
      const client = rx();
      const [thread] = await app.take(
        client.threads.create({ messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }] }),
      );
      const threadId = thread!.id;

      const events = await app.take(client.run(threadId, { assistant_id: assistantId }));
      expect(events.at(-1)?.event).toBe('thread.run.completed');
      expect(await lastValueFrom(from(events).pipe(replyText()))).toBe(
        SOLVED['Solve 3x + 11 = 14'],
      );

      await app.take(
        client.messages.create(threadId, { role: 'user', content: 'Solve 2x + 3 = 7' }),
      );
      const [created] = await app.take(client.runs.create(threadId, { assistant_id: assistantId }));
      const statuses = await app.take(
        client.runs.watch(threadId, created!.id).pipe(map((run) => run.status)),
      );
      // A snapshot per status seen, ending with the terminal one.
      expect(new Set(statuses).size).toBe(statuses.length);
      expect(statuses.at(-1)).toBe('completed');

      const messages = await app.take(client.messages.list(threadId, { order: 'asc' }));
      expect(messages.map((m) => [m.role, ...textOf(m)])).toEqual([
        ['user', 'Solve 3x + 11 = 14'],
        ['assistant', SOLVED['Solve 3x + 11 = 14']],
        ['user', 'Solve 2x + 3 = 7'],
        ['assistant', SOLVED['Solve 2x + 3 = 7']],
      ]);
      expect([...app.zonesSeen]).toEqual(['app']);
      expect(app.errors).toEqual([]);
    });

    it('cancels the run on the server when unsubscribed from in the zone', async () => {
      // A tutor that thinks for a minute: its runs end only when cancelled.
      const backend = localBackend({ model: tutorModel({ delay: 60_000 }) });
      const thinking = await serve(backend, { port: 0 });
      try {
        const app = appZone();
        const sdk = new OpenAI({ baseURL: thinking.url, apiKey: 'unused', maxRetries: 0 });
        const { id: tutorId } = await sdk.beta.assistants.create({ model: 'tutor' });
        const { id: threadId } = await sdk.beta.threads.create({
          messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }],
        });
        const runId = await new Promise<string>((resolve, reject) =>
          app.zone.run(() => {
            const subscription = rxAssistants(sdk, { transport })
              .run(threadId, { assistant_id: tutorId })
              .subscribe({
                next: (event) => {
                  if (event.event !== 'thread.run.in_progress') return;
                  subscription.unsubscribe(); // lets go of the run, and cancels it
                  resolve(event.data.id);
                },
                error: reject,
              });
          }),
        );
        // Read from the backend itself, not through the SDK: the run ended cancelled.
        const final = await lastValueFrom(
          rxAssistants(backend, { poll: 20 }).runs.watch(threadId, runId),
        );
        expect(final.status).toBe('cancelled');
        expect(app.errors).toEqual([]);
      } finally {
        await thinking.close();
      }
    });
  },
);

/** The run of a run's events: the data of its first event. */
function runOf(events: RunEvent[]) {
  const [first] = events;
  if (first?.event !== 'thread.run.created') throw new Error('No thread.run.created event');
  return first.data;
}
