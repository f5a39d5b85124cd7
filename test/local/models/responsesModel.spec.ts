import OpenAI, { BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isRunEvent, rxAssistants } from '../../../src';
import { localBackend } from '../../../src/local';
import {
  responsesModel,
  type ResponsesModelOptions,
} from '../../../src/local/models/responsesModel';
import {
  startFakeResponsesServer,
  type FakeResponseStream,
} from '../../support/fakeResponsesServer';
import { accumulate, adapterKit, askUntilError, collect, failure, request } from './adapterKit';

const { setup, itErrorsWithTheSdkErrors, itAbortsWhenUnsubscribed } = adapterKit<
  FakeResponseStream,
  ResponsesModelOptions
>(startFakeResponsesServer, responsesModel);

describe('responsesModel', () => {
  it('is named after its model override', () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:1/v1' });
    expect(responsesModel(client, { model: 'gpt-4.1-mini' }).name).toBe('responses:gpt-4.1-mini');
    expect(responsesModel(client).name).toBe('responses');
  });

  it('streams text deltas in order and maps the conversation into the request', async () => {
    const { model, server } = await setup({
      output: [{ type: 'message', text: ['x = ', '', '2', '.'] }],
    });
    const parameters = { type: 'object', properties: { x: { type: 'number' } } };
    const events = await collect(
      model,
      request({
        instructions: 'Be brief.',
        messages: [
          { role: 'user', content: 'Solve 2x = 4' },
          {
            role: 'assistant',
            content: 'Let me check.',
            toolCalls: [
              { id: 'call_1', name: 'check', arguments: '{"x":2}' },
              { id: 'call_2', name: 'check', arguments: '{"x":3}' },
            ],
          },
          { role: 'tool', toolCallId: 'call_1', content: 'ok' },
          { role: 'tool', toolCallId: 'call_2', content: 'wrong' },
          { role: 'assistant', content: 'Checked.' },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [{ name: 'check', description: 'Checks x', parameters, strict: true }],
        toolChoice: 'required',
        parallelToolCalls: false,
        temperature: 0.2,
        topP: 0.9,
        maxCompletionTokens: 500,
        responseFormat: 'json_object',
      }),
    );

    expect(events).toEqual([
      { type: 'text', delta: 'x = ' },
      { type: 'text', delta: '2' },
      { type: 'text', delta: '.' },
    ]);
    expect(server.requests).toEqual([
      {
        model: 'gpt-run',
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: 'Solve 2x = 4' },
          { role: 'assistant', content: 'Let me check.' },
          { type: 'function_call', call_id: 'call_1', name: 'check', arguments: '{"x":2}' },
          { type: 'function_call', call_id: 'call_2', name: 'check', arguments: '{"x":3}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
          { type: 'function_call_output', call_id: 'call_2', output: 'wrong' },
          { role: 'assistant', content: 'Checked.' },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [
          { type: 'function', name: 'check', description: 'Checks x', parameters, strict: true },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
        temperature: 0.2,
        top_p: 0.9,
        max_output_tokens: 500,
        text: { format: { type: 'json_object' } },
        stream: true,
        store: false,
      },
    ]);
  });

  it('overrides the model, omits empty instructions, empty assistant messages and unset options, and merges extraBody', async () => {
    const { model, client, server } = await setup({
      output: [{ type: 'message', text: ['ok'] }],
    });
    const mini = responsesModel(client, {
      model: 'gpt-4.1-mini',
      extraBody: { reasoning: { effort: 'low' }, store: true, stream: false },
    });
    await collect(
      model,
      request({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: '' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'call_1', name: 'ping', arguments: '{}' }],
          },
          { role: 'tool', toolCallId: 'call_1', content: 'pong' },
        ],
        temperature: null,
        topP: null,
        maxCompletionTokens: null,
        responseFormat: 'text',
      }),
    );
    await collect(mini, request({ responseFormat: 'json_schema' }));

    expect(server.requests).toEqual([
      {
        model: 'gpt-run',
        input: [
          { role: 'user', content: 'Hi' },
          { type: 'function_call', call_id: 'call_1', name: 'ping', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'pong' },
        ],
        stream: true,
        store: false,
      },
      {
        model: 'gpt-4.1-mini',
        input: [{ role: 'user', content: 'Hi' }],
        reasoning: { effort: 'low' },
        stream: true,
        store: true,
      },
    ]);
  });

  it('raises max_output_tokens to the API minimum of 16', async () => {
    const { model, server } = await setup({ output: [] });
    await collect(model, request({ maxCompletionTokens: 3 }));
    await collect(model, request({ maxCompletionTokens: 16 }));
    await collect(model, request({ maxCompletionTokens: 17 }));

    expect(server.requests.map((body) => body.max_output_tokens)).toEqual([16, 16, 17]);
  });

  it('maps tools with strict false by default, a named tool choice, and no tool fields without tools', async () => {
    const { model, server } = await setup({ output: [] });
    await collect(
      model,
      request({
        tools: [
          { name: 'ping', description: undefined, parameters: undefined, strict: null },
          { name: 'pong', description: 'Pongs' },
        ],
        toolChoice: { type: 'function', name: 'ping' },
      }),
    );
    await collect(model, request({ toolChoice: 'none' }));
    await collect(model, request({ toolChoice: 'required', parallelToolCalls: false }));

    expect(server.requests[0]).toMatchObject({
      tools: [
        {
          type: 'function',
          name: 'ping',
          parameters: { type: 'object', properties: {} },
          strict: false,
        },
        {
          type: 'function',
          name: 'pong',
          description: 'Pongs',
          parameters: { type: 'object', properties: {} },
          strict: false,
        },
      ],
      tool_choice: { type: 'function', name: 'ping' },
      parallel_tool_calls: true,
    });
    expect(Object.keys(server.requests[0].tools[0])).not.toContain('description');
    for (const body of server.requests.slice(1)) {
      expect(Object.keys(body)).not.toContain('tools');
      expect(Object.keys(body)).not.toContain('tool_choice');
      expect(Object.keys(body)).not.toContain('parallel_tool_calls');
    }
  });

  it.each([
    ['one after the other, as OpenAI sends them', false],
    ['with their argument deltas interleaved', true],
  ])(
    'maps two parallel function calls whose arguments are split over chunks (%s)',
    async (_, interleave) => {
      const { model } = await setup({
        interleave,
        output: [
          { type: 'message', text: ['Checking.'] },
          {
            type: 'function_call',
            call_id: 'call_a',
            name: 'get_weather',
            arguments: ['{"city":', '"Paris"}'],
          },
          {
            type: 'function_call',
            call_id: 'call_b',
            name: 'get_time',
            arguments: ['{"tz":"Europe/', '', 'Paris"}'],
          },
        ],
      });
      const events = await collect(model);

      expect(events.filter((e) => e.type === 'tool_call' && e.index === 0)).toEqual([
        { type: 'tool_call', index: 0, id: 'call_a', name: 'get_weather' },
        { type: 'tool_call', index: 0, arguments: '{"city":' },
        { type: 'tool_call', index: 0, arguments: '"Paris"}' },
      ]);
      expect(events.filter((e) => e.type === 'tool_call' && e.index === 1)).toEqual([
        { type: 'tool_call', index: 1, id: 'call_b', name: 'get_time' },
        { type: 'tool_call', index: 1, arguments: '{"tz":"Europe/' },
        { type: 'tool_call', index: 1, arguments: 'Paris"}' },
      ]);
      expect(events.filter((e) => e.type === 'text')).toEqual([
        { type: 'text', delta: 'Checking.' },
      ]);
      expect(events).toHaveLength(7);
      const calls = accumulate(events);
      expect(calls).toEqual([
        { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'call_b', name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
      ]);
      expect(calls.map((call) => JSON.parse(call.arguments))).toEqual([
        { city: 'Paris' },
        { tz: 'Europe/Paris' },
      ]);
    },
  );

  it('takes the arguments from the finished call when no deltas were streamed', async () => {
    const { model } = await setup({
      output: [
        {
          type: 'function_call',
          call_id: 'call_q',
          name: 'add',
          arguments: ['{"a":2,"b":3}'],
          quiet: true,
        },
      ],
    });

    expect(await collect(model)).toEqual([
      { type: 'tool_call', index: 0, id: 'call_q', name: 'add' },
      { type: 'tool_call', index: 0, arguments: '{"a":2,"b":3}' },
    ]);
  });

  it('maps the usage of response.completed', async () => {
    const { model } = await setup({
      output: [{ type: 'message', text: ['Hello'] }],
      usage: { input_tokens: 12, output_tokens: 3 },
    });

    expect(await collect(model)).toEqual([
      { type: 'text', delta: 'Hello' },
      { type: 'usage', promptTokens: 12, completionTokens: 3 },
    ]);
  });

  it('streams a refusal as text', async () => {
    const { model } = await setup({
      output: [{ type: 'message', part: 'refusal', text: ["I can't ", 'help.'] }],
    });

    expect(await collect(model)).toEqual([
      { type: 'text', delta: "I can't " },
      { type: 'text', delta: 'help.' },
    ]);
  });

  itErrorsWithTheSdkErrors([
    [500, InternalServerError, 'server_error'],
    [400, BadRequestError, 'invalid_request_error'],
    [429, RateLimitError, 'requests'],
  ]);

  it('errors with the message and code of response.failed, after the deltas', async () => {
    const { model } = await setup({
      output: [{ type: 'message', text: ['Par', 'tial'] }],
      end: 'failed',
      error: { code: 'server_error', message: 'The model failed to generate a response.' },
    });
    const { events, error } = await failure(model);

    expect(events).toEqual([
      { type: 'text', delta: 'Par' },
      { type: 'text', delta: 'tial' },
    ]);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      message: 'The model failed to generate a response.',
      code: 'server_error',
    });
    expect((error as { status?: number }).status).toBeUndefined();
  });

  it('gives a rate-limited response.failed the status 429', async () => {
    const { model } = await setup({
      end: 'failed',
      error: { code: 'rate_limit_exceeded', message: 'Slow down.' },
    });
    const { error } = await failure(model);

    expect(error).toMatchObject({
      message: 'Slow down.',
      code: 'rate_limit_exceeded',
      status: 429,
    });
  });

  it('ends the turn with its usage and finish length on response.incomplete (max_output_tokens)', async () => {
    const { model } = await setup({
      output: [{ type: 'message', text: ['Cut'] }],
      usage: { input_tokens: 5, output_tokens: 16 },
      end: 'incomplete',
    });

    expect(await collect(model)).toEqual([
      { type: 'text', delta: 'Cut' },
      { type: 'usage', promptTokens: 5, completionTokens: 16 },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it("sends the run's json_schema response format as the text format, with its schema", async () => {
    const { model, server } = await setup({ output: [{ type: 'message', text: ['{}'] }] });
    const schema = { type: 'object', properties: { x: { type: 'number' } } };
    await collect(
      model,
      request({
        responseFormat: 'json_schema',
        jsonSchema: { name: 'answer', schema, strict: true },
      }),
    );
    await collect(model, request({ responseFormat: 'json_schema', jsonSchema: { name: 'free' } }));

    expect(server.requests[0].text).toEqual({
      format: { type: 'json_schema', name: 'answer', schema, strict: true },
    });
    expect(server.requests[1].text).toBeUndefined();
  });

  it('errors with the message and code of an error event', async () => {
    const { model } = await setup({
      output: [{ type: 'message', text: ['Hal'] }],
      end: 'error',
      error: { code: 'invalid_prompt', message: 'Invalid prompt.' },
    });
    const { events, error } = await failure(model);

    expect(events).toEqual([{ type: 'text', delta: 'Hal' }]);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: 'Invalid prompt.', code: 'invalid_prompt' });
  });

  it('errors when the connection drops mid-stream', async () => {
    const { model } = await setup({ output: [{ type: 'message', text: ['Hal'] }], end: 'destroy' });
    const { events, error } = await failure(model);

    expect(events).toEqual([{ type: 'text', delta: 'Hal' }]);
    expect(error).toBeInstanceOf(TypeError); // undici's "terminated"
  });

  itAbortsWhenUnsubscribed({ output: [{ type: 'message', text: ['one', 'two'] }], end: 'hang' });
});

describe('the embedded runtime on the Responses API', () => {
  it('runs a tool call and the reply through the model, with its usage', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { client, server } = await setup((body: { input: any[] }) =>
      body.input.some((item) => item.type === 'function_call_output')
        ? {
            output: [{ type: 'message', text: ['It is ', '5.'] }],
            usage: { input_tokens: 30, output_tokens: 3 },
          }
        : {
            output: [
              {
                type: 'function_call',
                call_id: 'call_x',
                name: 'add',
                arguments: ['{"a":2,', '"b":3}'],
              },
            ],
            usage: { input_tokens: 20, output_tokens: 8 },
          },
    );
    const rx = rxAssistants(localBackend({ model: responsesModel(client) }), { poll: 5 });
    const assistant = await lastValueFrom(
      rx.assistants.create({ model: 'gpt-4.1-mini', instructions: 'Be brief.' }),
    );

    const events = await lastValueFrom(
      rx
        .ask(assistant.id, 'What is 2 + 3?', {
          run: {
            tools: [
              { type: 'function', function: { name: 'add', parameters: { type: 'object' } } },
            ],
          },
          tools: { add: ({ a, b }: { a: number; b: number }) => a + b },
        })
        .pipe(toArray()),
    );

    const completed = events.filter(isRunEvent).at(-1)!.data;
    expect(completed.status).toBe('completed');
    expect(completed.usage).toEqual({
      prompt_tokens: 50,
      completion_tokens: 11,
      total_tokens: 61,
    });
    const reply = events.find((e) => e.event === 'thread.message.completed')!.data as {
      content: Array<{ text: { value: string } }>;
    };
    expect(reply.content[0]!.text.value).toBe('It is 5.');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]).toMatchObject({
      model: 'gpt-4.1-mini',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: 'What is 2 + 3?' }],
      tools: [{ type: 'function', name: 'add', parameters: { type: 'object' }, strict: false }],
      store: false,
      stream: true,
    });
    expect(server.requests[1].input).toEqual([
      { role: 'user', content: 'What is 2 + 3?' },
      { type: 'function_call', call_id: 'call_x', name: 'add', arguments: '{"a":2,"b":3}' },
      { type: 'function_call_output', call_id: 'call_x', output: '5' },
    ]);
  });
});

describe('the embedded runtime on the Responses API: a response cut off', () => {
  it('ends the run incomplete (max_completion_tokens), its message incomplete, with the usage', async () => {
    const { client } = await setup({
      output: [{ type: 'message', text: ['Once upon', ' a'] }],
      usage: { input_tokens: 9, output_tokens: 16 },
      end: 'incomplete',
    });
    const rx = rxAssistants(localBackend({ model: responsesModel(client) }), { poll: 5 });
    const { seen, error } = await askUntilError(rx, 'gpt-4.1-mini', 'A story?');

    expect(error).toMatchObject({ name: 'RunIncompleteError' });
    const run = seen.filter(isRunEvent).at(-1)!.data;
    expect(run).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_completion_tokens' },
      last_error: null,
      usage: { prompt_tokens: 9, completion_tokens: 16, total_tokens: 25 },
    });
    expect(seen.find((e) => e.event === 'thread.message.incomplete')!.data).toMatchObject({
      incomplete_details: { reason: 'max_tokens' },
      content: [{ type: 'text', text: { value: 'Once upon a' } }],
    });
  });
});
