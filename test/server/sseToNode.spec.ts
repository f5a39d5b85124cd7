// Event streams written straight to Node's response settle their start in
// every case, so that no request handler waits forever.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { NEVER, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { runEvent } from '../../src/backend/runEvent';
import type { AssistantStreamEvent, Run } from '../../src/backend/types';
import { sseToNode, streamRegistry } from '../../src/server/sse';

/** A Node response that records what is written to it. */
function fakeResponse() {
  const emitter = new EventEmitter();
  const written: string[] = [];
  const response = Object.assign(emitter, {
    writeHead: () => response,
    flushHeaders: () => undefined,
    write: (text: string) => written.push(text) > 0,
    end: () => written.push('<end>') > 0,
  });
  return { response: response as unknown as ServerResponse, emitter, written };
}

describe('sseToNode', () => {
  it('rejects its start with a 499 when the client leaves before the first event', async () => {
    const { response, emitter } = fakeResponse();
    const events$ = new Subject<AssistantStreamEvent>();
    const started = sseToNode(events$, { registry: streamRegistry() }, response, {});
    emitter.emit('close');
    await expect(started).rejects.toMatchObject({ status: 499 });
    expect(events$.observed).toBe(false); // the events are no longer followed
  });

  it('resolves at the first event, writes each event, and ends after done', async () => {
    const { response, written } = fakeResponse();
    const events$ = new Subject<AssistantStreamEvent>();
    const started = sseToNode(events$, { registry: streamRegistry() }, response, {});
    const run = { id: 'run_1', status: 'queued' } as Run;
    events$.next(runEvent('thread.run.created', run));
    await expect(started).resolves.toBeUndefined();
    events$.complete();
    expect(written[0]).toBe(`event: thread.run.created\ndata: ${JSON.stringify(run)}\n\n`);
    expect(written.slice(1)).toEqual(['event: done\ndata: [DONE]\n\n', '<end>']);
  });

  it('rejects with the error that came before any event, and writes nothing', async () => {
    const { response, written } = fakeResponse();
    const events$ = new Subject<AssistantStreamEvent>();
    const started = sseToNode(events$, { registry: streamRegistry() }, response, {});
    events$.error(new Error('no such assistant'));
    await expect(started).rejects.toThrow('no such assistant');
    expect(written).toEqual([]);
  });

  it('rejects with a 503 when the server closes before the first event', async () => {
    const { response } = fakeResponse();
    const registry = streamRegistry();
    const started = sseToNode(NEVER, { registry }, response, {});
    registry.endAll();
    await expect(started).rejects.toMatchObject({ status: 503 });
  });
});
