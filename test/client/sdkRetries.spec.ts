import OpenAI from 'openai';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { rxAssistants } from '../../src/client';
import { runWith } from '../support/fixtures';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    // Were the SDK retrying, it would retry at once.
    headers: { 'content-type': 'application/json', 'retry-after-ms': '0' },
  });
const serverError = () => json({ error: { type: 'server_error', message: 'boom' } }, 500);
const emptyList = { object: 'list', data: [], first_id: null, last_id: null, has_more: false };

/** A real OpenAI client (the SDK's default retries) over a fake fetch that fails `failures` POSTs. */
function sdkClient(failures: number) {
  const posts: Headers[] = [];
  const gets: string[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if ((init?.method ?? 'GET') === 'GET') {
      gets.push(url.pathname);
      return json(emptyList);
    }
    posts.push(new Headers(init?.headers));
    return posts.length <= failures ? serverError() : json(runWith('queued'));
  });
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:1/v1', fetch });
  return { client, posts, gets };
}

describe('over the openai SDK', () => {
  it("turns the SDK's retries off and retries itself, with one Idempotency-Key", async () => {
    const { client, posts, gets } = sdkClient(2);
    const rx = rxAssistants(client, { retry: { random: () => 0 } });
    const run = await lastValueFrom(rx.runs.create('thread_1', { assistant_id: 'asst_1' }));
    expect(run.status).toBe('queued');
    // Three attempts, not three times three: the SDK sent each once.
    expect(posts).toHaveLength(3);
    const keys = posts.map((headers) => headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^rxa_[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(1);
    // After each ambiguous 500, the thread's runs were looked at first.
    expect(gets).toEqual(['/v1/threads/thread_1/runs', '/v1/threads/thread_1/runs']);
  });

  it("leaves the SDK's own retries on with retry: false", async () => {
    const { client, posts, gets } = sdkClient(2);
    const rx = rxAssistants(client, { retry: false });
    await lastValueFrom(rx.runs.create('thread_1', { assistant_id: 'asst_1' }));
    expect(posts).toHaveLength(3);
    expect(gets).toEqual([]);
  });
});
