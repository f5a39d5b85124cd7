import { beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { localBackend } from '../../src/local';
import { API_LIMITS } from '../../src/local/limits';
import { createApp } from '../../src/server';
import { operationsOf, spec } from '../../src/server/spec';
import { schemaErrors } from '../support/schema';

// A corpus of generated bad requests, each sent in process to one app over
// the embedded runtime. For every one: no 5xx, a 4xx with the API's error
// shape (and the param at fault where the case names one), and the server
// still answers a good request afterwards.

type Body = string | Uint8Array<ArrayBuffer> | Record<string, unknown> | undefined;

interface Case {
  name: string;
  method: string;
  path: string;
  body?: Body;
  /** The param the error must name; `undefined`: any. */
  param?: string | null;
  /** A status the answer must have, else any 4xx. */
  status?: number;
}

const app: Hono = createApp(localBackend());
const ids: Record<string, string> = {};
const operations = operationsOf();
const schemas = spec.components.schemas as Record<string, Record<string, unknown>>;

async function send(method: string, path: string, body?: Body): Promise<Response> {
  const payload =
    body === undefined || typeof body === 'string' || body instanceof Uint8Array
      ? body
      : JSON.stringify(body);
  return app.request(`/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: payload,
  });
}

async function json<T>(method: string, path: string, body?: Body): Promise<T> {
  const response = await send(method, path, body);
  expect(response.status, `${method} ${path}`).toBe(200);
  return (await response.json()) as T;
}

/** The run's status once it is no longer queued or in progress. */
async function settled(threadId: string, runId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const run = await json<{ status: string }>('GET', `/threads/${threadId}/runs/${runId}`);
    if (run.status !== 'queued' && run.status !== 'in_progress') return run.status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`run ${runId} did not settle`);
}

const lookup = {
  type: 'function',
  function: { name: 'lookup', parameters: { type: 'object', properties: {} } },
};
const callLookup = {
  tools: [lookup],
  tool_choice: { type: 'function', function: { name: 'lookup' } },
};

beforeAll(async () => {
  ids['assistant_id'] = (await json<{ id: string }>('POST', '/assistants', { model: 'tutor' })).id;
  ids['thread_id'] = (await json<{ id: string }>('POST', '/threads', {})).id;
  const thread = ids['thread_id'];
  ids['message_id'] = (
    await json<{ id: string }>('POST', `/threads/${thread}/messages`, {
      role: 'user',
      content: 'Hello',
    })
  ).id;
  const run = await json<{ id: string }>('POST', `/threads/${thread}/runs`, {
    assistant_id: ids['assistant_id'],
  });
  ids['run_id'] = run.id;
  expect(await settled(thread, run.id)).toBe('completed');
  const steps = await json<{ data: Array<{ id: string }> }>(
    'GET',
    `/threads/${thread}/runs/${run.id}/steps`,
  );
  ids['step_id'] = steps.data[0]!.id;
});

/** `path` with the ids of the fixtures, or `override`'s for the params it names. */
const pathOf = (path: string, override: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_m, name: string) => override[name] ?? ids[name]!);

/** The least body each operation accepts, so that a case's fault is its own. */
const baseBodies = (): Record<string, Record<string, unknown>> => ({
  CreateAssistantRequest: { model: 'tutor' },
  CreateRunRequest: { assistant_id: ids['assistant_id'] },
  CreateThreadAndRunRequest: { assistant_id: ids['assistant_id'] },
  CreateMessageRequest: { role: 'user', content: 'Hi' },
  SubmitToolOutputsRunRequest: { tool_outputs: [] },
});

/** The JSON types a property's schema accepts (following `$ref` and unions). */
function typesOf(schema: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (s: unknown, depth: number) => {
    if (typeof s !== 'object' || s === null || depth > 4) return found.add('?');
    const ref = (s as { $ref?: string }).$ref;
    const node = (ref ? schemas[ref.split('/').pop()!] : s) as Record<string, unknown>;
    if (node['type']) [node['type']].flat().forEach((t) => found.add(String(t)));
    else if (node['enum']) found.add('string');
    else {
      const branches = (node['anyOf'] ?? node['oneOf'] ?? node['allOf']) as unknown[] | undefined;
      if (branches) branches.forEach((b) => visit(b, depth + 1));
      else found.add('?');
    }
    return found;
  };
  visit(schema, 0);
  if (found.has('integer')) found.add('number');
  return found;
}

const WRONG: Array<[string, unknown]> = [
  ['number', 42],
  ['string', 'text'],
  ['boolean', true],
  ['array', [1]],
  ['object', { a: 1 }],
  ['null', null],
];

function wrongTypeCases(): Case[] {
  const cases: Case[] = [];
  for (const op of operations) {
    if (!op.bodySchema) continue;
    const schema = schemas[op.bodySchema]!;
    const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
    for (const [key, property] of Object.entries(properties)) {
      const accepted = typesOf(property);
      if (accepted.has('?')) continue;
      for (const [type, value] of WRONG) {
        if (accepted.has(type)) continue;
        cases.push({
          name: `${op.operationId}: ${key} as ${type}`,
          method: op.method,
          path: op.path,
          body: { ...baseBodies()[op.bodySchema], [key]: value },
          param: key,
        });
      }
    }
  }
  return cases;
}

const MALFORMED = [
  '{',
  '{"a":',
  '[',
  'nul',
  '{"model": "x",}',
  "{'a': 1}",
  '{"a" 1}',
  '"\\x"',
  '1e',
];

function malformedCases(): Case[] {
  return operations
    .filter((op) => op.bodySchema)
    .flatMap((op) =>
      MALFORMED.map((text) => ({
        name: `${op.operationId}: malformed ${text}`,
        method: op.method,
        path: op.path,
        body: text,
        param: null,
        status: 400,
      })),
    );
}

const KINDS = ['assistant_id', 'thread_id', 'message_id', 'run_id', 'step_id'];

function unknownIdCases(): Case[] {
  const cases: Case[] = [];
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    for (const param of params) {
      const others = KINDS.filter((kind) => kind !== param).map((kind) => ids[kind]!);
      for (const id of ['nope', 'asst_' + 'x'.repeat(40), ...others]) {
        cases.push({
          name: `${op.operationId}: ${param} = ${id.slice(0, 12)}`,
          method: op.method,
          path: pathOf(op.path, { [param]: id }),
          body: op.bodySchema ? (baseBodies()[op.bodySchema] ?? {}) : undefined,
        });
      }
    }
  }
  return cases;
}

function queryCases(): Case[] {
  const bad: Array<[string, string]> = [
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=x', 'limit'],
    ['limit=1.5', 'limit'],
    ['order=up', 'order'],
    ['order=', 'order'],
    ['limit=', 'limit'],
    ['after=unknown_1', 'after'],
    ['before=unknown_1', 'before'],
  ];
  return operations
    .filter((op) => op.method === 'GET' && op.query.some((q) => q.name === 'limit'))
    .flatMap((op) =>
      bad.map(([query, param]) => ({
        name: `${op.operationId}?${query}`,
        method: 'GET',
        path: `${pathOf(op.path)}?${query}`,
        param,
        status: 400,
      })),
    );
}

const long = (n: number) => 'x'.repeat(n + 1);
const fn = (fields: Record<string, unknown>) => ({ type: 'function', function: fields });

function limitCases(): Case[] {
  const asst = (body: Record<string, unknown>) => ({ model: 'tutor', ...body });
  const run = (body: Record<string, unknown>) => ({ assistant_id: ids['assistant_id'], ...body });
  const cases: Array<[string, string, string, Record<string, unknown>, string | null]> = [
    ['model', 'POST', '/assistants', { model: long(API_LIMITS.model) }, 'model'],
    ['model 100 000', 'POST', '/assistants', { model: 'm'.repeat(100_000) }, 'model'],
    ['name', 'POST', '/assistants', asst({ name: long(256) }), 'name'],
    ['description', 'POST', '/assistants', asst({ description: long(512) }), 'description'],
    ['instructions', 'POST', '/assistants', asst({ instructions: long(256_000) }), 'instructions'],
    ['modify name', 'POST', '/assistants/{assistant_id}', { name: long(256) }, 'name'],
    ['modify model', 'POST', '/assistants/{assistant_id}', { model: long(256) }, 'model'],
    [
      'tools 129',
      'POST',
      '/assistants',
      asst({ tools: Array.from({ length: 129 }, () => ({ type: 'code_interpreter' })) }),
      'tools',
    ],
    [
      'function name 65',
      'POST',
      '/assistants',
      asst({ tools: [fn({ name: long(64) })] }),
      'tools[0].function.name',
    ],
    [
      'function name with a dot',
      'POST',
      '/assistants',
      asst({ tools: [fn({ name: 'a.b' })] }),
      'tools[0].function.name',
    ],
    [
      'function description',
      'POST',
      '/assistants',
      asst({ tools: [fn({ name: 'f', description: long(1024) })] }),
      'tools[0].function.description',
    ],
    ['run model', 'POST', '/threads/{thread_id}/runs', run({ model: long(256) }), 'model'],
    [
      'run additional_instructions',
      'POST',
      '/threads/{thread_id}/runs',
      run({ additional_instructions: long(256_000) }),
      'additional_instructions',
    ],
    [
      'run tools 21',
      'POST',
      '/threads/{thread_id}/runs',
      run({ tools: Array.from({ length: 21 }, () => ({ type: 'code_interpreter' })) }),
      'tools',
    ],
    [
      'message text',
      'POST',
      '/threads/{thread_id}/messages',
      { role: 'user', content: long(API_LIMITS.messageText) },
      'content',
    ],
    [
      'message text part',
      'POST',
      '/threads/{thread_id}/messages',
      { role: 'user', content: [{ type: 'text', text: long(API_LIMITS.messageText) }] },
      'content[0].text',
    ],
    [
      'thread message text',
      'POST',
      '/threads',
      { messages: [{ role: 'user', content: long(API_LIMITS.messageText) }] },
      'messages[0].content',
    ],
  ];
  const metadata: Array<[string, unknown, string]> = [
    [
      '17 keys',
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      'metadata',
    ],
    ['a key of 65', { [long(64)]: 'v' }, 'metadata'],
    ['a value of 513', { k: long(512) }, 'metadata.k'],
    ['a number', { k: 1 }, 'metadata.k'],
  ];
  const withMetadata = [
    ['/assistants', { model: 'tutor' }],
    ['/assistants/{assistant_id}', {}],
    ['/threads', {}],
    ['/threads/{thread_id}', {}],
    ['/threads/{thread_id}/messages', { role: 'user', content: 'Hi' }],
    ['/threads/{thread_id}/messages/{message_id}', {}],
    ['/threads/{thread_id}/runs/{run_id}', {}],
  ] as const;
  return [
    ...cases.map(([name, method, path, body, param]) => ({
      name: `limit: ${name}`,
      method,
      path: pathOf(path),
      body,
      param,
      status: 400,
    })),
    ...withMetadata.flatMap(([path, base]) =>
      metadata.map(([name, value, param]) => ({
        name: `metadata ${name}: ${path}`,
        method: 'POST',
        path: pathOf(path),
        body: { ...base, metadata: value },
        param,
        status: 400,
      })),
    ),
  ];
}

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function bodyCases(): Case[] {
  const deepParameters = `{"model":"tutor","tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}}}]}`;
  return [
    {
      name: 'deep parameters',
      method: 'POST',
      path: '/assistants',
      body: deepParameters,
      param: null,
      status: 400,
    },
    {
      name: 'deep array',
      method: 'POST',
      path: '/threads',
      body: `{"metadata":${nested(100_000)}}`,
      param: null,
      status: 400,
    },
    {
      name: 'depth 65',
      method: 'POST',
      path: '/threads',
      body: `{"tool_resources":${nested(64)}}`,
      param: null,
      status: 400,
    },
    {
      name: '2 MiB body',
      method: 'POST',
      path: '/assistants',
      body: JSON.stringify({ model: 'tutor', name: 'x'.repeat(2 * 1024 * 1024) }),
      status: 413,
    },
    {
      name: 'invalid UTF-8',
      method: 'POST',
      path: '/assistants',
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      param: null,
      status: 400,
    },
    // Unpaired surrogate escapes: valid JSON, but no Unicode text.
    ...[
      ['/assistants', '{"model":"tutor","name":"a\\ud800b"}', 'name'],
      ['/assistants', '{"model":"tutor","metadata":{"k":"\\udc00"}}', 'metadata.k'],
      ['/threads', '{"metadata":{"\\ud83d":"v"}}', 'metadata.\ud83d'],
      ['/threads', '{"messages":[{"role":"user","content":"x = \\ud83d"}]}', 'messages[0].content'],
    ].map(([path, body, param]): Case => ({
      name: `unpaired surrogate at ${param}`,
      method: 'POST',
      path: path!,
      body,
      param,
      status: 400,
    })),
    {
      name: 'a JSON array',
      method: 'POST',
      path: '/assistants',
      body: '[]',
      param: null,
      status: 400,
    },
    { name: 'JSON null', method: 'POST', path: '/threads', body: 'null', param: null, status: 400 },
    { name: 'a number', method: 'POST', path: '/threads', body: '1', param: null, status: 400 },
    {
      name: 'a NUL byte',
      method: 'POST',
      path: '/threads',
      body: '\u0000',
      param: null,
      status: 400,
    },
  ];
}

/** Checks one answer: a 4xx with the error shape and the param; then a good request passes. */
async function expectRefusal(response: Response, c: Case) {
  const text = await response.text();
  const where = `${c.name} -> ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expect(response.status, where).toBeLessThan(500);
  if (c.status !== undefined) expect(response.status, where).toBe(c.status);
  const body = JSON.parse(text) as { error: { type: string; message: string; param: unknown } };
  expect(schemaErrors('ErrorResponse', body), where).toEqual([]);
  expect(Object.keys(body.error).sort(), where).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.message.length, where).toBeGreaterThan(0);
  if (c.param !== undefined) {
    const param = body.error.param;
    const named =
      param === c.param ||
      (typeof param === 'string' &&
        typeof c.param === 'string' &&
        (param.startsWith(`${c.param}.`) || param.startsWith(`${c.param}[`)));
    expect(named, `${where}: param ${String(param)}, expected ${String(c.param)}`).toBe(true);
  }
  const good = await send('GET', '/assistants?limit=1');
  expect(good.status, `after ${c.name}`).toBe(200);
}

async function runCorpus(cases: Case[]) {
  for (const c of cases) await expectRefusal(await send(c.method, c.path, c.body), c);
}

describe('a corpus of bad requests: never a 5xx, always a 4xx in the API error shape', () => {
  it('malformed JSON bodies, for every operation with a body', async () => {
    const cases = malformedCases().map((c) => ({ ...c, path: pathOf(c.path) }));
    expect(cases.length).toBeGreaterThan(50);
    await runCorpus(cases);
  });

  it('a wrong type for every top-level field of every create and modify', async () => {
    const cases = wrongTypeCases().map((c) => ({ ...c, path: pathOf(c.path) }));
    expect(cases.length).toBeGreaterThan(150);
    await runCorpus(cases);
  });

  it('huge, deep, non-object and non-UTF-8 bodies', async () => {
    await runCorpus(bodyCases());
  });

  it('each limited field over its limit', async () => {
    await runCorpus(limitCases());
  });

  it('unknown ids and ids of another kind in every path', async () => {
    const cases = unknownIdCases();
    expect(cases.length).toBeGreaterThan(100);
    await runCorpus(cases);
  });

  it('bad query parameters of every list', async () => {
    await runCorpus(queryCases());
  });

  it('runs: a busy thread, tool outputs for unknown calls, double submits, cancels of ended runs', async () => {
    const thread = ids['thread_id']!;
    const { id: run } = await json<{ id: string }>('POST', `/threads/${thread}/runs`, {
      assistant_id: ids['assistant_id'],
      ...callLookup,
    });
    expect(await settled(thread, run)).toBe('requires_action');
    const waiting = await json<{
      required_action: { submit_tool_outputs: { tool_calls: Array<{ id: string }> } };
    }>('GET', `/threads/${thread}/runs/${run}`);
    const call = waiting.required_action.submit_tool_outputs.tool_calls[0]!.id;
    const submit = `/threads/${thread}/runs/${run}/submit_tool_outputs`;
    const busy: Case[] = [
      {
        name: 'a run on a busy thread',
        method: 'POST',
        path: `/threads/${thread}/runs`,
        body: { assistant_id: ids['assistant_id'] },
      },
      {
        name: 'a message on a busy thread',
        method: 'POST',
        path: `/threads/${thread}/messages`,
        body: { role: 'user', content: 'Hi' },
      },
      {
        name: 'an output for an unknown call',
        method: 'POST',
        path: submit,
        body: { tool_outputs: [{ tool_call_id: 'call_nope', output: 'x' }] },
        param: 'tool_outputs',
        status: 400,
      },
      {
        name: 'no output for the call',
        method: 'POST',
        path: submit,
        body: { tool_outputs: [] },
        param: 'tool_outputs',
        status: 400,
      },
      {
        name: 'two outputs for one call',
        method: 'POST',
        path: submit,
        body: {
          tool_outputs: [
            { tool_call_id: call, output: 'a' },
            { tool_call_id: call, output: 'b' },
          ],
        },
        param: 'tool_outputs',
        status: 400,
      },
      {
        name: 'an output over 512 KiB',
        method: 'POST',
        path: submit,
        body: { tool_outputs: [{ tool_call_id: call, output: long(API_LIMITS.toolOutputBytes) }] },
        param: 'tool_outputs[0].output',
        status: 400,
      },
      {
        name: 'an output that is a number',
        method: 'POST',
        path: submit,
        body: { tool_outputs: [{ tool_call_id: call, output: 5 }] },
        param: 'tool_outputs[0].output',
        status: 400,
      },
    ];
    await runCorpus(busy);
    await json('POST', submit, { tool_outputs: [{ tool_call_id: call, output: '42' }] });
    expect(await settled(thread, run)).toBe('completed');
    await runCorpus([
      {
        name: 'a double submit',
        method: 'POST',
        path: submit,
        body: { tool_outputs: [{ tool_call_id: call, output: '42' }] },
        status: 400,
      },
      {
        name: 'a cancel of an ended run',
        method: 'POST',
        path: `/threads/${thread}/runs/${run}/cancel`,
        status: 400,
      },
      {
        name: 'a cancel of the first ended run',
        method: 'POST',
        path: `/threads/${thread}/runs/${ids['run_id']}/cancel`,
        status: 400,
      },
    ]);
  });
});
