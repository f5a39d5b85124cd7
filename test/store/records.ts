import type { Assistant, Message, Run, RunStatus, RunStep, Thread } from '../../src/backend/types';
import { runWith } from '../support/fixtures';

/** Records of each kind, with nested JSON, nulls and unicode, as the runtime stores them. */
export const assistant = (id: string, name = 'Tutor'): Assistant =>
  ({
    id,
    object: 'assistant',
    created_at: 1_700_000_000,
    name,
    description: null,
    model: 'tutor',
    instructions: 'Réponds en français — 日本語も',
    tools: [{ type: 'function', function: { name: 'quiz', parameters: { type: 'object' } } }],
    metadata: { team: 'maths' },
    temperature: 1,
    top_p: 1,
    response_format: 'auto',
  }) as Assistant;

export const thread = (id: string): Thread =>
  ({
    id,
    object: 'thread',
    created_at: 1_700_000_001,
    metadata: {},
    tool_resources: null,
  }) as Thread;

export const message = (
  id: string,
  threadId: string,
  runId: string | null = null,
  text = `text of ${id}`,
): Message =>
  ({
    id,
    object: 'thread.message',
    created_at: 1_700_000_002,
    thread_id: threadId,
    run_id: runId,
    assistant_id: runId ? 'asst_1' : null,
    role: runId ? 'assistant' : 'user',
    status: 'completed',
    content: [{ type: 'text', text: { value: text, annotations: [] } }],
    attachments: [],
    metadata: {},
    incomplete_details: null,
    completed_at: null,
    incomplete_at: null,
  }) as Message;

export const run = (
  id: string,
  threadId: string,
  status: RunStatus = 'queued',
  extra: Partial<Run> = {},
): Run => runWith(status, { id, thread_id: threadId, expires_at: 1_700_000_600, ...extra });

export const step = (id: string, runId: string, threadId: string): RunStep =>
  ({
    id,
    object: 'thread.run.step',
    created_at: 1_700_000_003,
    run_id: runId,
    thread_id: threadId,
    assistant_id: 'asst_1',
    type: 'message_creation',
    status: 'completed',
    step_details: { type: 'message_creation', message_creation: { message_id: 'msg_1' } },
    last_error: null,
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    metadata: null,
    expired_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: 1_700_000_004,
  }) as RunStep;

/** A small deterministic PRNG (mulberry32), so that generated cases are the same on every run. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
