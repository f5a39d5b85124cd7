import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { concatMap, lastValueFrom, toArray } from 'rxjs';
import { rxAssistants, type Transport } from '../../src';
import { localBackend, tutorModel } from '../../src/local';
import { serve, type ServerHandle } from '../../src/server';

let server: ServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quizTool = {
  type: 'function' as const,
  function: {
    name: 'display_quiz',
    description: 'Displays a quiz to the student',
    parameters: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        questions: { type: 'array', items: { type: 'string' } },
      },
      required: ['title', 'questions'],
    },
  },
};

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
