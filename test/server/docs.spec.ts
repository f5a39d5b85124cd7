// The runnable examples of docs/server.md. Each block between `// doc:begin`
// and `// doc:end` appears word for word in that page (a test checks it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
// doc:begin imports
import OpenAI from 'openai';
import { localBackend } from 'rx-assistants/local';
import { serve } from 'rx-assistants/server';
// doc:end
// doc:begin create-app-imports
import { createApp } from 'rx-assistants/server';
// doc:end

describe('docs/server.md', () => {
  it('serves the tutor to the official SDK', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // doc:begin serve
      const server = await serve(localBackend(), { port: 0, apiKey: 'local-secret' });
      const openai = new OpenAI({ baseURL: server.url, apiKey: 'local-secret' });

      const tutor = await openai.beta.assistants.create({ model: 'tutor', name: 'Math Tutor' });
      const run = await openai.beta.threads.createAndRunPoll({
        assistant_id: tutor.id,
        thread: { messages: [{ role: 'user', content: 'Solve 3x + 11 = 14' }] },
      });
      const [reply] = (await openai.beta.threads.messages.list(run.thread_id)).data;
      console.log(run.status, reply?.content[0]); // completed { type: 'text', text: { value: 'x = 1 ...' } }
      await server.close();
      // doc:end
      expect(log).toHaveBeenCalledWith('completed', {
        type: 'text',
        text: { value: expect.stringMatching(/x = 1\b/), annotations: [] },
      });
    } finally {
      log.mockRestore();
    }
  }, 20_000);

  it('answers through createApp without a socket', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // doc:begin create-app
      const app = createApp(localBackend());
      const response = await app.request('/v1/assistants');
      console.log(response.status); // 200
      // doc:end
      expect(log).toHaveBeenCalledWith(200);
    } finally {
      log.mockRestore();
    }
  });

  it('shows each example of this file word for word', () => {
    const source = readFileSync(__filename, 'utf8');
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'server.md'), 'utf8');
    const blocks = [...source.matchAll(/\/\/ doc:begin \S+\n([\s\S]*?)\s*\/\/ doc:end/g)].map(
      (m) => {
        const indent = /^ */.exec(m[1]!)![0].length;
        return m[1]!
          .split('\n')
          .map((line) => line.slice(indent))
          .join('\n');
      },
    );
    expect(blocks).toHaveLength(4);
    for (const block of blocks) expect(page).toContain(block);
  });
});
