import { describe, expect, it } from 'vitest';
import {
  BackendError,
  redactSecrets,
  RunCancelledError,
  RunError,
  runErrorFor,
  RunExpiredError,
  RunFailedError,
  RunIncompleteError,
  RunTimeoutError,
  RxAssistantsError,
  ToolCallError,
} from '../../src/errors';
import { runWith } from '../support/fixtures';

describe('errors', () => {
  it.each([
    ['failed', RunFailedError, 'RunFailedError'],
    ['cancelled', RunCancelledError, 'RunCancelledError'],
    ['expired', RunExpiredError, 'RunExpiredError'],
    ['incomplete', RunIncompleteError, 'RunIncompleteError'],
  ] as const)('maps a %s run to %s, with its context', (status, type, name) => {
    const run = runWith(status);
    const error = runErrorFor(run)!;
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toBeInstanceOf(RxAssistantsError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.run).toBe(run);
    expect([error.threadId, error.runId]).toEqual(['thread_1', 'run_1']);
    expect(error.message).toContain('run_1');
  });

  it.each(['completed', 'in_progress', 'requires_action'] as const)(
    'has no error for a %s run',
    (status) => {
      expect(runErrorFor(runWith(status))).toBeUndefined();
    },
  );

  it('says why a run failed or ended incomplete', () => {
    const failed = runWith('failed', {
      last_error: { code: 'server_error', message: 'model down' },
    });
    expect(new RunFailedError(failed).message).toBe(
      'Run run_1 on thread thread_1 failed: server_error: model down',
    );
    expect(new RunFailedError(runWith('failed')).message).toBe(
      'Run run_1 on thread thread_1 failed',
    );
    const incomplete = runWith('incomplete', {
      incomplete_details: { reason: 'max_prompt_tokens' },
    });
    expect(new RunIncompleteError(incomplete).message).toBe(
      'Run run_1 on thread thread_1 ended incomplete (max_prompt_tokens)',
    );
    expect(new RunCancelledError(runWith('cancelled')).message).toBe(
      'Run run_1 on thread thread_1 ended cancelled',
    );
  });

  it('gives a timeout its deadline and last snapshot', () => {
    const error = new RunTimeoutError({
      threadId: 't',
      runId: 'r',
      timeout: 500,
      lastRun: runWith('queued'),
    });
    expect(error.name).toBe('RunTimeoutError');
    expect(error.message).toBe(
      'Run r on thread t did not finish within 500 ms (last status: queued)',
    );
    expect(error.lastRun?.status).toBe('queued');
    expect(new RunTimeoutError({ threadId: 't', runId: 'r', timeout: 5 }).message).toBe(
      'Run r on thread t did not finish within 5 ms',
    );
  });

  it('keeps the cause of a tool error', () => {
    const cause = new Error('db down');
    const error = new ToolCallError({
      threadId: 't',
      runId: 'r',
      toolCallId: 'c',
      toolName: 'lookup',
      cause,
    });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Tool call c of run r: tool "lookup" failed: db down');
    expect(
      new ToolCallError({
        threadId: 't',
        runId: 'r',
        toolCallId: 'c',
        toolName: 'x',
        cause: 'text',
      }).message,
    ).toBe('Tool call c of run r: tool "x" failed: text');
  });

  it("gives a BackendError the API's fields and JSON shape", () => {
    const error = new BackendError({ status: 404, message: 'No thread found', param: 'thread_id' });
    expect([error.status, error.type, error.code, error.param]).toEqual([
      404,
      'invalid_request_error',
      null,
      'thread_id',
    ]);
    expect(error.toJSON()).toEqual({
      error: {
        type: 'invalid_request_error',
        message: 'No thread found',
        param: 'thread_id',
        code: null,
      },
    });
    expect(new BackendError({ status: 500, message: 'boom' }).type).toBe('server_error');
  });

  it('never puts an API key or a bearer token in a message', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const cause = new Error(`Incorrect API key provided: ${key}`);
    const error = new ToolCallError({
      threadId: 't',
      runId: 'r',
      toolCallId: 'c',
      toolName: 'x',
      cause,
    });
    expect(error.message).not.toContain(key);
    expect(error.message).toContain('sk-proj***');
    expect(new RxAssistantsError(`header Authorization: Bearer ${key}`).message).toBe(
      'header Authorization: Bearer ***',
    );
    expect(redactSecrets('no secrets here, sk-1 is too short')).toBe(
      'no secrets here, sk-1 is too short',
    );
  });

  it('masks bearer tokens but not the word "Bearer" in prose or before a placeholder', () => {
    for (const text of [
      'Send it as `Authorization: Bearer <key>`.',
      'Provide it using Bearer auth (Authorization: Bearer YOUR_KEY).',
      'Bearer authentication is required.',
      'Bearer ***',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
    for (const token of [
      'abcd1234efgh',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'abcdefghijklmnopqrstuvwxyz',
      'dG9rZW4tMTIz==',
    ]) {
      expect(redactSecrets(`Authorization: Bearer ${token}, then`)).toBe(
        'Authorization: Bearer ***, then',
      );
    }
  });
});
