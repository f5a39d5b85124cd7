import OpenAI, { APIError, BadRequestError, InternalServerError } from 'openai';
import { describe, expect, it } from 'vitest';
import { isRunEvent, rxAssistants } from '../../../src';
import { localBackend } from '../../../src/local';
import {
  chatCompletionsModel,
  type ChatCompletionsModelOptions,
} from '../../../src/local/models/chatCompletionsModel';
import { startFakeChatServer, type FakeStream } from '../../support/fakeChatServer';
import { startFakeEndpoint, type FakeEndpoint } from '../../support/fakeEndpoint';
import {
  accumulate,
  adapterKit,
  askUntilError,
  clientOf,
  collect,
  failure,
  request,
} from './adapterKit';

const { setup, track, itErrorsWithTheSdkErrors, itAbortsWhenUnsubscribed } = adapterKit<
  FakeStream,
  ChatCompletionsModelOptions
>(startFakeChatServer, chatCompletionsModel);

/**
 * A Chat Completions endpoint whose every reply streams `texts`, then ends
 * with `finish_reason` (which the shared fake cannot script), without usage.
 */
async function cutOffServer(texts: string[], finish_reason: string): Promise<FakeEndpoint> {
  return track(
    await startFakeEndpoint(
      'chat/completions',
      () => ({}),
      (res, body: { model: string }) => {
        const chunk = (delta: object, finish: string | null = null) =>
          `data: ${JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion.chunk',
            created: 0,
            model: body.model,
            choices: [{ index: 0, delta, finish_reason: finish }],
          })}\n\n`;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const content of texts) res.write(chunk({ role: 'assistant', content }));
        res.end(chunk({}, finish_reason) + 'data: [DONE]\n\n');
      },
    ),
  );
}

describe('chatCompletionsModel', () => {
  it('is named after its model override', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:1/v1' });
    expect(chatCompletionsModel(client, { model: 'gpt-4o-mini' }).name).toBe('chat:gpt-4o-mini');
    expect(chatCompletionsModel(client).name).toBe('chat');
  });

  it('streams text deltas in order and maps the conversation into the request', async () => {
    const { model, server } = await setup({
      deltas: [{ content: 'x = ' }, { content: '' }, { content: '2' }, { content: '.' }],
    });
    const events = await collect(
      model,
      request({
        instructions: 'Be brief.',
        messages: [
          { role: 'user', content: 'Solve 2x = 4' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'call_1', name: 'check', arguments: '{"x":2}' }],
          },
          { role: 'tool', toolCallId: 'call_1', content: 'ok' },
          { role: 'assistant', content: 'Checked.' },
          { role: 'user', content: 'Thanks' },
        ],
        temperature: 0.2,
        topP: 0.9,
        maxCompletionTokens: 50,
        responseFormat: 'json_object',
      }),
    );

    expect(events).toEqual([
      { type: 'text', delta: 'x = ' },
      { type: 'text', delta: '2' },
      { type: 'text', delta: '.' },
      { type: 'finish', reason: 'stop' },
    ]);
    expect(server.requests).toEqual([
      {
        model: 'gpt-run',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Solve 2x = 4' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'check', arguments: '{"x":2}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
          { role: 'assistant', content: 'Checked.' },
          { role: 'user', content: 'Thanks' },
        ],
        temperature: 0.2,
        top_p: 0.9,
        max_completion_tokens: 50,
        response_format: { type: 'json_object' },
        stream: true,
        stream_options: { include_usage: true },
      },
    ]);
  });

  it('overrides the model, omits empty instructions and unset options, and merges extraBody', async () => {
    const { model, client, server } = await setup({ deltas: [{ content: 'ok' }] });
    const llama = chatCompletionsModel(client, {
      model: 'llama3.2',
      extraBody: { seed: 7, stream: false },
    });
    await collect(
      model,
      request({ temperature: null, topP: null, maxCompletionTokens: null, responseFormat: 'text' }),
    );
    await collect(llama, request({ responseFormat: 'json_schema' }));

    expect(server.requests).toEqual([
      {
        model: 'gpt-run',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        stream_options: { include_usage: true },
      },
      {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Hi' }],
        seed: 7,
        stream: true,
        stream_options: { include_usage: true },
      },
    ]);
  });

  it('maps parallel tool calls whose arguments are split over chunks', async () => {
    const { model } = await setup({
      deltas: [
        {
          tool_calls: [
            {
              index: 0,
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
            },
          ],
        },
        { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
        { tool_calls: [{ index: 0, function: { arguments: '' } }] },
        { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
        {
          tool_calls: [
            {
              index: 1,
              id: 'call_b',
              type: 'function',
              function: { name: 'get_time', arguments: '' },
            },
          ],
        },
        { tool_calls: [{ index: 1, function: { arguments: '{"tz":"Europe/' } }] },
        { tool_calls: [{ index: 1, function: { arguments: 'Paris"}' } }] },
      ],
    });
    const events = await collect(model);

    expect(events).toEqual([
      { type: 'tool_call', index: 0, id: 'call_a', name: 'get_weather' },
      { type: 'tool_call', index: 0, arguments: '{"city":' },
      { type: 'tool_call', index: 0, arguments: '"Paris"}' },
      { type: 'tool_call', index: 1, id: 'call_b', name: 'get_time' },
      { type: 'tool_call', index: 1, arguments: '{"tz":"Europe/' },
      { type: 'tool_call', index: 1, arguments: 'Paris"}' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const calls = accumulate(events);
    expect(calls).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_b', name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
    ]);
    expect(calls.map((call) => JSON.parse(call.arguments))).toEqual([
      { city: 'Paris' },
      { tz: 'Europe/Paris' },
    ]);
  });

  it('maps tools, tool_choice and parallel_tool_calls, and a named tool choice', async () => {
    const { model, server } = await setup({ deltas: [] });
    const parameters = { type: 'object', properties: { city: { type: 'string' } } };
    await collect(
      model,
      request({
        tools: [
          { name: 'get_weather', description: 'The weather', parameters, strict: true },
          { name: 'ping', description: undefined, parameters: undefined, strict: null },
        ],
        toolChoice: 'required',
        parallelToolCalls: false,
      }),
    );
    await collect(
      model,
      request({
        tools: [{ name: 'ping' }],
        toolChoice: { type: 'function', name: 'ping' },
      }),
    );

    expect(server.requests[0]).toMatchObject({
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'The weather', parameters, strict: true },
        },
        { type: 'function', function: { name: 'ping' } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(server.requests[0].tools[1].function).toStrictEqual({ name: 'ping' });
    expect(server.requests[1]).toMatchObject({
      tools: [{ type: 'function', function: { name: 'ping' } }],
      tool_choice: { type: 'function', function: { name: 'ping' } },
      parallel_tool_calls: true,
    });
  });

  it('sends no tool fields when there are no tools', async () => {
    const { model, server } = await setup({ deltas: [] });
    await collect(model, request({ toolChoice: 'required', parallelToolCalls: false }));

    expect(Object.keys(server.requests[0])).not.toContain('tools');
    expect(Object.keys(server.requests[0])).not.toContain('tool_choice');
    expect(Object.keys(server.requests[0])).not.toContain('parallel_tool_calls');
  });

  it('maps the usage chunk', async () => {
    const { model } = await setup({
      deltas: [{ content: 'Hello' }],
      usage: { prompt_tokens: 12, completion_tokens: 3 },
    });

    expect(await collect(model)).toEqual([
      { type: 'text', delta: 'Hello' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', promptTokens: 12, completionTokens: 3 },
    ]);
  });

  it('streams a refusal as text', async () => {
    const { model } = await setup({ deltas: [{ refusal: "I can't " }, { refusal: 'help.' }] });

    expect(await collect(model)).toEqual([
      { type: 'text', delta: "I can't " },
      { type: 'text', delta: 'help.' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it.each(['length', 'content_filter'] as const)(
    'reports the finish reason %s of the last chunk',
    async (reason) => {
      const server = await cutOffServer(['Once upon', ' a'], reason);
      const model = chatCompletionsModel(clientOf(server));

      expect(await collect(model)).toEqual([
        { type: 'text', delta: 'Once upon' },
        { type: 'text', delta: ' a' },
        { type: 'finish', reason },
      ]);
    },
  );

  it("sends the run's json_schema response format with its schema", async () => {
    const { model, server } = await setup({ deltas: [{ content: '{"x":1}' }] });
    const jsonSchema = {
      name: 'answer',
      description: 'One number',
      schema: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] },
      strict: true,
    };
    await collect(model, request({ responseFormat: 'json_schema', jsonSchema }));

    expect(server.requests[0].response_format).toEqual({
      type: 'json_schema',
      json_schema: jsonSchema,
    });
  });

  itErrorsWithTheSdkErrors([
    [500, InternalServerError, 'server_error'],
    [400, BadRequestError, 'invalid_request_error'],
  ]);

  it.each([
    ['destroy', TypeError], // undici's "terminated": the socket closed mid-body
    ['malformed', SyntaxError], // a data line that is not JSON
    ['error', APIError], // an error object in the stream
  ] as const)(
    'errors after the deltas when the stream fails mid-way (%s)',
    async (end, ErrorClass) => {
      const { model } = await setup({ deltas: [{ content: 'Par' }, { content: 'tial' }], end });
      const { events, error } = await failure(model);

      expect(events).toEqual([
        { type: 'text', delta: 'Par' },
        { type: 'text', delta: 'tial' },
      ]);
      expect(error).toBeInstanceOf(ErrorClass);
      if (end === 'error') expect(error).toMatchObject({ type: 'server_error' });
    },
  );

  itAbortsWhenUnsubscribed({ deltas: [{ content: 'one' }, { content: 'two' }], end: 'hang' });
});

describe('the embedded runtime on Chat Completions: a reply cut off', () => {
  it.each([
    ['length', { reason: 'max_completion_tokens' }, 'max_tokens'],
    ['content_filter', {}, 'content_filter'],
  ] as const)(
    'ends the run incomplete on finish_reason %s, its message incomplete',
    async (finish, runDetails, messageReason) => {
      const server = await cutOffServer(['Once upon', ' a'], finish);
      const model = chatCompletionsModel(clientOf(server));
      const rx = rxAssistants(localBackend({ model }), { poll: 5 });
      const { seen, error } = await askUntilError(rx, 'gpt-4o-mini', 'A story?');

      expect(error).toMatchObject({ name: 'RunIncompleteError' });
      const run = seen.filter(isRunEvent).at(-1)!.data;
      expect([run.status, run.incomplete_details]).toEqual(['incomplete', runDetails]);
      expect(seen.find((e) => e.event === 'thread.message.incomplete')!.data).toMatchObject({
        incomplete_details: { reason: messageReason },
        content: [{ type: 'text', text: { value: 'Once upon a' } }],
      });
    },
  );
});
