import { describe, expect, it } from 'vitest';
import { operationsOf } from '../../src/server/spec';
import { compileValidators, paramOf } from '../../src/server/validate';

const validators = compileValidators(operationsOf());
const body = (operationId: string, value: unknown) => {
  const error = validators.get(operationId)!.body!(value);
  return error && { status: error.status, param: error.param, message: error.message };
};

describe('paramOf', () => {
  it('names a field the way the API does', () => {
    expect(paramOf(['tools', '0', 'function', 'name'])).toBe('tools[0].function.name');
    expect(paramOf(['metadata'])).toBe('metadata');
    expect(paramOf(['include[]', '1'])).toBe('include[1]');
    expect(paramOf([])).toBeNull();
  });
});

describe('compileValidators', () => {
  it('has a validator for each of the 23 operations, with a body check where the spec has a body', () => {
    const ops = operationsOf();
    expect(ops).toHaveLength(23);
    for (const op of ops) {
      expect(validators.get(op.operationId)?.body !== undefined).toBe(op.bodySchema !== undefined);
    }
    expect(ops.filter((op) => op.bodySchema).map((op) => op.bodySchema)).toContain(
      'CreateRunRequest',
    );
  });

  it('accepts what the schemas accept', () => {
    expect(body('createAssistant', { model: 'gpt-4o', metadata: { a: 'b' }, name: null })).toBe(
      undefined,
    );
    expect(body('createRun', { assistant_id: 'asst_1', stream: true })).toBe(undefined);
    expect(body('createThread', {})).toBe(undefined);
  });

  it('reports the deepest field of the branch that fits, in the API’s words', () => {
    expect(body('createAssistant', {})).toEqual({
      status: 400,
      param: 'model',
      message: "Missing required parameter: 'model'.",
    });
    expect(body('createThread', { nope: 1 })).toMatchObject({
      param: 'nope',
      message: 'Unrecognized request argument supplied: nope.',
    });
    expect(body('createMessage', { role: 'user', content: [{ type: 'text' }] })).toMatchObject({
      param: 'content[0].text',
    });
    expect(
      body('createMessage', { role: 'user', content: [{ type: 'image', text: 'x' }] }),
    ).toMatchObject({
      param: 'content[0].type',
      message: expect.stringContaining("Supported values are: 'image_file', 'image_url', 'text'"),
    });
    expect(body('createAssistant', { model: 'm', tools: [{}] })).toMatchObject({
      param: 'tools[0].type',
      message: "Missing required parameter: 'tools[0].type'.",
    });
    expect(
      body('createRun', {
        assistant_id: 'a',
        additional_messages: [{ role: 'user', content: 'x', metadata: { k: 'x'.repeat(513) } }],
      }),
    ).toMatchObject({ param: 'additional_messages[0].metadata.k' });
  });

  it('enforces the metadata limits the schema states in prose: 16 keys of ≤ 64 characters', () => {
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(body('modifyThread', { metadata: keys(16) })).toBe(undefined);
    expect(body('modifyThread', { metadata: keys(17) })).toMatchObject({ param: 'metadata' });
    expect(body('modifyThread', { metadata: { ['k'.repeat(65)]: 'v' } })).toMatchObject({
      param: 'metadata',
      message: expect.stringMatching(/^Invalid key 'k{24}\.\.\.' in 'metadata'/),
    });
    expect(body('modifyThread', { metadata: null })).toBe(undefined);
  });

  it('converts query text to the parameter types, and refuses what does not convert', () => {
    const query: Record<string, unknown> = { limit: '7', order: 'asc' };
    expect(validators.get('listRuns')!.query(query)).toBe(undefined);
    expect(query).toEqual({ limit: 7, order: 'asc' });
    const include: Record<string, unknown> = {
      'include[]': 'step_details.tool_calls[*].file_search.results[*].content',
    };
    expect(validators.get('listRunSteps')!.query(include)).toBe(undefined);
    expect(include['include[]']).toEqual([
      'step_details.tool_calls[*].file_search.results[*].content',
    ]);
    expect(validators.get('listRunSteps')!.query({ 'include[]': ['x'] })).toMatchObject({
      param: 'include[0]',
    });
    expect(validators.get('listRuns')!.query({ order: 'up' })).toMatchObject({
      param: 'order',
      message: `Invalid value for 'order': "up". Supported values are: 'asc', 'desc'.`,
    });
  });
});
