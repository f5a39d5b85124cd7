import { describe, expect, it, vi } from 'vitest';
import { map, NEVER } from 'rxjs';
import { localBackend, type ModelAdapter } from '../../src/local';
import { say, scriptedModel } from '../local/scriptedModel';
import { schemaErrors } from '../support/schema';
import { request, responseSchemaOf, specOperations, start } from './support';

/**
 * How `vi.waitFor` retries `getRun` until the run gets to a status: as long as
 * the test may take (not its 1 s default, which a loaded machine exceeds), every 10 ms.
 */
const UNTIL_STATUS = { timeout: 50_000, interval: 10 };

/** A model that never answers: its runs stay `in_progress` until cancelled. */
const hang: ModelAdapter = { name: 'hang', respond: () => NEVER };

describe('every route of the reference document', () => {
  it('answers each operation with a 200 whose body validates against its schema', async () => {
    const { model } = scriptedModel([
      [{ type: 'tool_call', index: 0, id: 'call_1', name: 'get_time', arguments: '{}' }],
      say('It is noon.'),
    ]);
    const server = await start(localBackend({ model, models: { hang } }));
    const answered = new Set<string>();
    const call = async (
      operationId: string,
      ids: Record<string, string> = {},
      init: { query?: string; body?: unknown } = {},
    ) => {
      const op = specOperations.find((o) => o.operationId === operationId)!;
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]!);
      const response = await request(server, op.method, path + (init.query ?? ''), init.body);
      const body = (await response.json()) as Record<string, unknown> & { id: string };
      expect({ operationId, status: response.status, body }).toMatchObject({ status: 200 });
      expect(schemaErrors(responseSchemaOf(operationId), body)).toEqual([]);
      answered.add(operationId);
      return body;
    };

    const assistant = await call(
      'createAssistant',
      {},
      {
        body: {
          model: 'scripted',
          name: 'Clock',
          tools: [
            { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
          ],
        },
      },
    );
    const assistant_id = assistant.id;
    const page = await call('listAssistants', {}, { query: '?limit=5&order=asc' });
    expect(page['data']).toEqual([assistant]);
    expect(await call('getAssistant', { assistant_id })).toEqual(assistant);
    const modified = await call(
      'modifyAssistant',
      { assistant_id },
      { body: { description: 'd' } },
    );
    expect(modified['description']).toBe('d');

    const thread = await call('createThread', {}, { body: { metadata: { topic: 'time' } } });
    const thread_id = thread.id;
    expect(await call('getThread', { thread_id })).toEqual(thread);
    await call('modifyThread', { thread_id }, { body: { metadata: { topic: 'clocks' } } });

    const message = await call(
      'createMessage',
      { thread_id },
      {
        body: { role: 'user', content: 'What time is it?' },
      },
    );
    const message_id = message.id;
    expect(await call('getMessage', { thread_id, message_id })).toEqual(message);
    await call('modifyMessage', { thread_id, message_id }, { body: { metadata: { seen: 'yes' } } });

    const run = await call('createRun', { thread_id }, { body: { assistant_id } });
    const run_id = run.id;
    await vi.waitFor(
      async () =>
        expect((await call('getRun', { thread_id, run_id }))['status']).toBe('requires_action'),
      UNTIL_STATUS,
    );
    const steps = await call('listRunSteps', { thread_id, run_id }, { query: '?order=asc' });
    const [step] = steps['data'] as Array<{ id: string }>;
    const include = '?include[]=step_details.tool_calls[*].file_search.results[*].content';
    await call('getRunStep', { thread_id, run_id, step_id: step!.id }, { query: include });
    await call(
      'submitToolOuputsToRun',
      { thread_id, run_id },
      {
        body: { tool_outputs: [{ tool_call_id: 'call_1', output: '12:00' }] },
      },
    );
    await vi.waitFor(
      async () => expect((await call('getRun', { thread_id, run_id }))['status']).toBe('completed'),
      UNTIL_STATUS,
    );
    await call('modifyRun', { thread_id, run_id }, { body: { metadata: { checked: 'yes' } } });
    const runs = await call('listRuns', { thread_id });
    expect((runs['data'] as Array<{ id: string }>).map((r) => r.id)).toEqual([run_id]);
    const replies = await call('listMessages', { thread_id }, { query: `?run_id=${run_id}` });
    expect(replies['data']).toMatchObject([{ role: 'assistant', run_id }]);

    const other = await call(
      'createThreadAndRun',
      {},
      {
        body: {
          assistant_id,
          model: 'hang',
          thread: { messages: [{ role: 'user', content: 'hi' }] },
        },
      },
    );
    const cancelled = await call('cancelRun', {
      thread_id: other['thread_id'] as string,
      run_id: other.id,
    });
    expect(cancelled['status']).toMatch(/^cancell(ing|ed)$/);

    expect(await call('deleteMessage', { thread_id, message_id })).toMatchObject({ deleted: true });
    expect(await call('deleteThread', { thread_id })).toMatchObject({ deleted: true });
    expect(await call('deleteAssistant', { assistant_id })).toMatchObject({ deleted: true });

    expect([...answered].sort()).toEqual(specOperations.map((o) => o.operationId).sort());
    expect(answered.size).toBe(23);
  });

  it('sends the openai-poll-after-ms hint with a run: the option, or the backend’s own', async () => {
    const backend = localBackend();
    const server = await start(backend, { pollAfterMs: 1200 });
    const assistant = (await (
      await request(server, 'POST', '/assistants', { model: 'tutor' })
    ).json()) as { id: string };
    const run = (await (
      await request(server, 'POST', '/threads/runs', { assistant_id: assistant.id })
    ).json()) as { id: string; thread_id: string };
    const path = `/threads/${run.thread_id}/runs/${run.id}`;
    const response = await request(server, 'GET', path);
    expect(response.status).toBe(200);
    expect(response.headers.get('openai-poll-after-ms')).toBe('1200');
    // Only a run retrieval carries it.
    expect(
      (await request(server, 'GET', `/threads/${run.thread_id}`)).headers.has(
        'openai-poll-after-ms',
      ),
    ).toBe(false);

    const hinting = await start({
      ...backend,
      runs: {
        ...backend.runs,
        retrieve: (threadId, runId) =>
          backend.runs.retrieve(threadId, runId).pipe(map((r) => ({ ...r, pollAfterMs: 42 }))),
      },
    });
    const hinted = await request(hinting, 'GET', path);
    expect(hinted.headers.get('openai-poll-after-ms')).toBe('42');

    // pollAfterMs: null sends no hint of its own.
    const silent = await start(backend, { pollAfterMs: null });
    const unhinted = await request(silent, 'GET', path);
    expect(unhinted.status).toBe(200);
    expect(unhinted.headers.has('openai-poll-after-ms')).toBe(false);
  });

  it('defaults the poll hint to 500 ms and sends a fresh x-request-id with every answer', async () => {
    const server = await start(localBackend());
    const first = await request(server, 'GET', '/assistants');
    const second = await request(server, 'GET', '/nope');
    expect(first.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(second.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    const { id } = (await (
      await request(server, 'POST', '/assistants', { model: 'tutor' })
    ).json()) as { id: string };
    const run = (await (
      await request(server, 'POST', '/threads/runs', { assistant_id: id })
    ).json()) as { id: string; thread_id: string };
    const response = await request(server, 'GET', `/threads/${run.thread_id}/runs/${run.id}`);
    expect(response.headers.get('openai-poll-after-ms')).toBe('500');
  });
});
