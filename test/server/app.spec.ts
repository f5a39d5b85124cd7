import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { localBackend } from '../../src/local';
import { createApp, serve } from '../../src/server';
import { start } from './support';

describe('createApp', () => {
  it('is a fetch handler: it serves without a listening server', async () => {
    const app = createApp(localBackend(), { apiKey: 'k' });
    const denied = await app.request('/v1/assistants');
    expect(denied.status).toBe(401);
    const created = await app.request('/v1/assistants', {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'tutor' }),
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ object: 'assistant', model: 'tutor' });
  });

  it('keeps no state of its own: two apps over one backend see the same objects', async () => {
    const backend = localBackend();
    const [a, b] = [createApp(backend), createApp(backend)];
    const created = await a.request('/v1/threads', { method: 'POST', body: '{}' });
    const { id } = (await created.json()) as { id: string };
    expect((await b.request(`/v1/threads/${id}`)).status).toBe(200);
  });

  it('refuses bad options', () => {
    expect(() => createApp(localBackend(), { bodyLimit: 0 })).toThrow(/bodyLimit/);
    expect(() => createApp(localBackend(), { pollAfterMs: -1 })).toThrow(/pollAfterMs/);
  });
});

describe('serve', () => {
  it('binds 127.0.0.1 by default and reports the URL of the API and the port chosen', async () => {
    const server = await start(localBackend());
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1`);
    expect((await fetch(`${server.url}/assistants`)).status).toBe(200);
  });

  it('rejects a port out of range, or one in use', async () => {
    await expect(serve(localBackend(), { port: 70000 })).rejects.toThrow(/port/);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(serve(localBackend(), { port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      taken.close();
    }
  });

  it('closes once, however often close() is called, and then refuses connections', async () => {
    const server = await serve(localBackend(), { port: 0 });
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(fetch(`${server.url}/assistants`)).rejects.toThrow();
  });
});
