import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/errors/BackendError';
import { localBackend, type ModelAdapter, type ModelEvent, tutorModel } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { counterIds, scriptedModel } from './scriptedModel';
import { ok, settle } from '../support/settle';

const code = { type: 'code_interpreter' } as const;
const files = { type: 'file_search' } as const;

/** A local backend on virtual time: `body` runs inside the scheduler, then time is flushed. */
function virtual<T>(
  model: ModelAdapter,
  body: (backend: ReturnType<typeof localBackend>) => () => T,
): T {
  let read!: () => T;
  const scheduler = testScheduler();
  scheduler.run(({ flush }) => {
    const backend = localBackend({ ids: counterIds(), scheduler, model });
    read = body(backend);
    flush();
  });
  return read();
}

function refusal(outcome: { value: unknown } | { error: unknown }) {
  expect(outcome).toHaveProperty('error');
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError & { param: unknown; type?: unknown };
}

describe('built-in tools: declared, but not run', () => {
  it.each([
    ['code_interpreter', code],
    ['file_search', files],
  ])('a run that forces %s is a 400 naming tool_choice, in all four forms', (name, tool) => {
    const backend = localBackend({ ids: counterIds() });
    const assistant = ok(backend.assistants.create({ model: 'tutor', tools: [tool] }));
    const thread = ok(backend.threads.create({}));
    const forms = [
      settle(backend.runs.create(thread.id, { assistant_id: assistant.id, tool_choice: tool })),
      settle(backend.threads.createAndRun({ assistant_id: assistant.id, tool_choice: tool })),
      settle(
        backend.streaming!.createRun(thread.id, { assistant_id: assistant.id, tool_choice: tool }),
      ),
      settle(
        backend.streaming!.createThreadAndRun({ assistant_id: assistant.id, tool_choice: tool }),
      ),
    ];
    for (const form of forms) {
      const error = refusal(form);
      expect(error.status).toBe(400);
      expect(error.param).toBe('tool_choice');
      expect(error.message).toContain(`'${name}' is not supported by this server yet`);
    }
    expect(ok(backend.runs.list(thread.id)).data).toEqual([]);
  });

  it('assistants and runs may still declare them', () => {
    const backend = localBackend({ ids: counterIds() });
    const assistant = ok(backend.assistants.create({ model: 'tutor', tools: [code, files] }));
    const thread = ok(backend.threads.create({}));
    const run = ok(backend.runs.create(thread.id, { assistant_id: assistant.id, tools: [code] }));
    expect(run.tools).toEqual([code]);
  });

  it.each([
    ['code_interpreter', code],
    ['file_search', files],
  ])('a model that calls %s fails the run with unsupported_tool', (name, tool) => {
    const calls: ModelEvent[] = [
      { type: 'tool_call', index: 0, id: 'call_1', name, arguments: '{}' },
    ];
    const { model } = scriptedModel([calls]);
    const run = virtual(model, (backend) => {
      const assistant = ok(backend.assistants.create({ model: 'm', tools: [tool] }));
      const created = ok(backend.threads.createAndRun({ assistant_id: assistant.id }));
      return () => ok(backend.runs.retrieve(created.thread_id, created.id)).run;
    });
    expect(run.status).toBe('failed');
    expect(run.required_action).toBeNull();
    expect(run.last_error).toEqual({
      code: 'unsupported_tool',
      message: expect.stringContaining(`'${name}'`),
    });
  });

  it('a function that happens to be named code_interpreter is still a function call', () => {
    const calls: ModelEvent[] = [
      { type: 'tool_call', index: 0, id: 'call_1', name: 'code_interpreter', arguments: '{}' },
    ];
    const { model } = scriptedModel([calls]);
    const run = virtual(model, (backend) => {
      const assistant = ok(
        backend.assistants.create({
          model: 'm',
          tools: [{ type: 'function', function: { name: 'code_interpreter' } }],
        }),
      );
      const created = ok(backend.threads.createAndRun({ assistant_id: assistant.id }));
      return () => ok(backend.runs.retrieve(created.thread_id, created.id)).run;
    });
    // It waited for outputs (and, with none submitted, expired): it did not fail.
    expect(run.status).toBe('expired');
    expect(run.last_error).toBeNull();
  });

  const replyOf = (tools: Array<typeof code | typeof files>, text: string) =>
    virtual(tutorModel({ chunkDelay: 1, chunkSize: 50 }), (backend) => {
      const assistant = ok(backend.assistants.create({ model: 'tutor', tools }));
      const created = ok(
        backend.threads.createAndRun({
          assistant_id: assistant.id,
          thread: { messages: [{ role: 'user', content: text }] },
        }),
      );
      return () => {
        const [message] = ok(backend.messages.list(created.thread_id)).data;
        const block = message!.content[0];
        return block?.type === 'text' ? block.text.value : '';
      };
    });

  it.each([
    [[code], 'Can you run this Python code: print(1 + 1)', "I can't run code here"],
    [[code], 'Please plot y = 2x + 1', "I can't run code here"],
    [[files], 'Search my files for the invoice total', "I can't search your files here"],
    [[files], 'Summarize the documents I uploaded', "I can't search your files here"],
  ])('the tutor says what it cannot do (%j: %s)', (tools, text, expected) => {
    const reply = replyOf(tools, text);
    expect(reply).toContain(expected);
    expect(reply).toMatch(/does not implement (?:code_interpreter|file_search) yet/);
  });

  it('without the tool declared, the tutor gives its usual answer', () => {
    expect(replyOf([], 'Can you run this Python code: print(1 + 1)')).not.toContain(
      "I can't run code",
    );
    expect(replyOf([files], 'Solve 3x + 11 = 14')).toContain('x = 1');
  });
});
