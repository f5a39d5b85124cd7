import { describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { BackendError } from '../../src/errors/BackendError';
import { localBackend } from '../../src/local';
import { API_LIMITS, nestsDeeperThan, utf8Length } from '../../src/local/limits';
import { checkOutputs } from '../../src/local/toolOutputs';
import { settle } from '../support/settle';

/** The 400 that `request` fails with: its status and param. */
function refusal(request: ReturnType<typeof settle>): { status: number; param: unknown } {
  expect(request).toHaveProperty('error');
  const error = (request as { error: unknown }).error;
  expect(error).toBeInstanceOf(BackendError);
  const { status, param } = error as BackendError & { param: unknown };
  return { status, param };
}

const deep = (levels: number): unknown => {
  let value: unknown = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};
const fn = (fields: Record<string, unknown>) => ({ type: 'function', function: fields });

describe('the API limits of the embedded runtime: a 400 naming the field', () => {
  const backend = localBackend();
  const create = (params: Record<string, unknown>) =>
    settle(backend.assistants.create({ model: 'tutor', ...params } as never));

  it.each([
    ['model', { model: 'm'.repeat(API_LIMITS.model + 1) }, 'model'],
    ['name', { name: 'n'.repeat(257) }, 'name'],
    ['description', { description: 'd'.repeat(513) }, 'description'],
    ['instructions', { instructions: 'i'.repeat(256_001) }, 'instructions'],
    [
      'tools',
      { tools: Array.from({ length: 129 }, () => ({ type: 'code_interpreter' })) },
      'tools',
    ],
    [
      'a function name too long',
      { tools: [fn({ name: 'f'.repeat(65) })] },
      'tools[0].function.name',
    ],
    [
      'a function name with a space',
      { tools: [fn({ name: 'get weather' })] },
      'tools[0].function.name',
    ],
    [
      'a function description',
      { tools: [fn({ name: 'f', description: 'd'.repeat(1025) })] },
      'tools[0].function.description',
    ],
    [
      'function parameters a thousand levels deep',
      { tools: [fn({ name: 'f', parameters: deep(1000) })] },
      'tools[0].function.parameters',
    ],
    ['a deep tool', { tools: [{ type: 'code_interpreter', x: deep(100) }] }, 'tools[0]'],
    ['a deep tool_resources', { tool_resources: deep(100) }, null],
    [
      'metadata with 17 keys',
      { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata',
    ],
    ['a metadata key of 65', { metadata: { ['k'.repeat(65)]: 'v' } }, 'metadata'],
    ['a metadata value of 513', { metadata: { k: 'v'.repeat(513) } }, 'metadata'],
  ])('refuses an assistant with %s too large', (_name, params, param) => {
    expect(refusal(create(params))).toEqual({ status: 400, param });
  });

  it('accepts each field at its limit', () => {
    const assistant = create({
      model: 'm'.repeat(256),
      name: 'n'.repeat(256),
      description: 'd'.repeat(512),
      instructions: 'i'.repeat(256_000),
      tools: [fn({ name: 'F_-9'.repeat(16), description: 'd'.repeat(1024), parameters: deep(50) })],
    });
    expect(assistant).toHaveProperty('value');
  });

  it('refuses a message whose text is too long, as a string or a part', async () => {
    const thread = await firstValueFrom(backend.threads.create({}));
    const long = 't'.repeat(API_LIMITS.messageText + 1);
    const post = (content: unknown) =>
      settle(backend.messages.create(thread.id, { role: 'user', content } as never));
    expect(refusal(post(long))).toEqual({ status: 400, param: 'content' });
    expect(
      refusal(
        post([
          { type: 'text', text: 'ok' },
          { type: 'text', text: long },
        ]),
      ),
    ).toEqual({
      status: 400,
      param: 'content[1].text',
    });
    expect(
      refusal(settle(backend.threads.create({ messages: [{ role: 'user', content: long }] }))),
    ).toEqual({
      status: 400,
      param: 'messages[0].content',
    });
  });

  it('refuses a run with a model, instructions or tools too large', async () => {
    const assistant = await firstValueFrom(backend.assistants.create({ model: 'tutor' }));
    const thread = await firstValueFrom(backend.threads.create({}));
    const run = (params: Record<string, unknown>) =>
      settle(backend.runs.create(thread.id, { assistant_id: assistant.id, ...params } as never));
    expect(refusal(run({ model: 'm'.repeat(257) }))).toEqual({ status: 400, param: 'model' });
    expect(refusal(run({ additional_instructions: 'i'.repeat(256_001) }))).toEqual({
      status: 400,
      param: 'additional_instructions',
    });
    expect(refusal(run({ tools: [fn({ name: 'a b' })] }))).toEqual({
      status: 400,
      param: 'tools[0].function.name',
    });
    expect(refusal(run({ metadata: deep(3) }))).toMatchObject({ status: 400 });
    expect(refusal(run({ response_format: deep(100) }))).toEqual({ status: 400, param: null });
  });

  it('refuses a tool output over 512 KiB of UTF-8', () => {
    const calls = [{ id: 'call_1' }];
    const at = (output: string) => () => checkOutputs([{ tool_call_id: 'call_1', output }], calls);
    expect(at('x'.repeat(API_LIMITS.toolOutputBytes))).not.toThrow();
    expect(at('x'.repeat(API_LIMITS.toolOutputBytes + 1))).toThrow(
      expect.objectContaining({ status: 400, param: 'tool_outputs[0].output' }),
    );
    // 200 000 characters of 3 bytes each: 600 000 bytes.
    expect(at('€'.repeat(200_000))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('refuses parameters nested 10,000 deep with a 400, with or without an idempotency key', () => {
    const backend = localBackend();
    let deep: unknown = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const parameters = deep as Record<string, unknown>;
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters } }];
    for (const options of [undefined, { idempotencyKey: 'k1' }]) {
      const outcome = settle(backend.assistants.create({ model: 'm', tools }, options));
      expect(outcome).toMatchObject({ error: { status: 400 } });
    }
  });

  it('counts depth and UTF-8 bytes without recursion', () => {
    expect(nestsDeeperThan(deep(100_000), 64)).toBe(true);
    expect(nestsDeeperThan(deep(63), 64)).toBe(false);
    expect(nestsDeeperThan(deep(64), 64)).toBe(true);
    expect(utf8Length('a€😀')).toBe(1 + 3 + 4);
  });

  it('still serves after the refusals', async () => {
    const list = await lastValueFrom(backend.assistants.list());
    expect(list.data.length).toBeGreaterThan(0);
  });
});
