import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { concatMap, lastValueFrom, toArray } from 'rxjs';
import { rxAssistants, type Transport } from '../../src';
import { localBackend, tutorModel } from '../../src/local';
import { serve, type ServerHandle } from '../../src/server';
import { quizTool } from '../support/quizTool';

let server: ServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('rxAssistants over the OpenAI SDK, against the loopback server', () => {
  it.each<Transport>(['poll', 'stream'])('asks with tools over %s', async (transport) => {
    server = await serve(localBackend({ model: tutorModel({ chunkDelay: 0 }) }), {
      port: 0,
      pollAfterMs: 20,
    });
    const rx = rxAssistants(new OpenAI({ apiKey: 'sk-test', baseURL: server.url, maxRetries: 0 }), {
      transport,
    });
    const events = await lastValueFrom(
      rx.assistants.create({ model: 'gpt-4o', tools: [quizTool] }).pipe(
        concatMap((tutor) =>
          rx.ask(tutor.id, 'Quiz me, please!', {
            tools: { display_quiz: () => ({ answers: ['x = 1'] }) },
          }),
        ),
        toArray(),
      ),
    );
    const names = events.map((e) => e.event);
    expect(names.filter((n) => n === 'thread.run.requires_action')).toHaveLength(1);
    expect(names.at(-1)).toBe('thread.run.completed');
    expect(names.includes('thread.message.delta')).toBe(transport === 'stream');
  });
});
