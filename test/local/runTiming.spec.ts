import { NEVER, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isRunEvent } from '../../src/backend/runStatus';
import { memoryStore, type ModelAdapter, type ModelEvent } from '../../src/local';
import type { Runtime } from '../../src/local/records';
import { assistantFrom, runFrom, threadFrom } from '../../src/local/requests';
import { RunEngine } from '../../src/local/RunEngine';
import type { RunTiming } from '../../src/local/RunStatusMachine';
import { testScheduler } from '../support/scheduler';
import { counterIds } from './scriptedModel';
import { recordsOf, putRecords } from '../support/storeRecords';

/**
 * The engine on a virtual clock with `timing`, and one run on its way: the
 * frame of each of its run events, as `status@frame`.
 */
function engineWith(timing: RunTiming | undefined, turns: Array<ModelEvent[] | 'never'>) {
  const scheduler = testScheduler();
  const runtime: Runtime = {
    store: memoryStore(),
    now: () => Math.floor(scheduler.now() / 1000),
    newId: counterIds(),
  };
  let turn = 0;
  const model: ModelAdapter = {
    name: 'scripted',
    respond: () => {
      const events = turns[Math.min(turn++, turns.length - 1)]!;
      return events === 'never' ? NEVER : of(...events);
    },
  };
  const engine = new RunEngine({
    runtime,
    scheduler,
    modelFor: () => model,
    expiresAfter: 1000,
    ...(timing && { timing }),
  });
  const assistant = assistantFrom(runtime, { model: 'm' });
  const { thread } = threadFrom(runtime, {}, '');
  const { run } = runFrom(runtime, thread.id, {}, assistant, 1);
  putRecords(runtime.store, 'assistant', assistant);
  putRecords(runtime.store, 'thread', thread);
  putRecords(runtime.store, 'run', run);
  const seen: string[] = [];
  engine.start(run);
  engine.events(run.id).subscribe((event) => {
    if (isRunEvent(event)) seen.push(`${event.data.status}@${scheduler.frame}`);
  });
  return { scheduler, engine, run, seen };
}

describe('the run timing hook', () => {
  it('moves on at the next tick by default', () => {
    const { scheduler, seen } = engineWith(undefined, [[{ type: 'text', delta: 'Hi' }]]);
    scheduler.flush();

    expect(seen).toEqual(['in_progress@0', 'completed@0']);
  });

  it('holds a run queued for timing.queued, first turn and after each submit', () => {
    const timing: RunTiming = { queued: () => 3, cancelling: () => 0 };
    const { scheduler, engine, run, seen } = engineWith(timing, [
      [{ type: 'tool_call', index: 0, id: 'call_1', name: 'f', arguments: '{}' }],
      [{ type: 'text', delta: 'Done.' }],
    ]);
    scheduler.schedule(
      () => void engine.submit(run, [{ tool_call_id: 'call_1', output: 'ok' }]).subscribe(),
      10,
    );
    scheduler.flush();

    expect(seen).toEqual([
      'in_progress@3',
      'requires_action@3',
      'queued@10',
      'in_progress@13',
      'completed@13',
    ]);
  });

  it('holds a run cancelling for timing.cancelling', () => {
    const timing: RunTiming = { queued: () => 0, cancelling: () => 2 };
    const { scheduler, engine, run, seen } = engineWith(timing, ['never']);
    scheduler.schedule(() => void engine.cancel(run).subscribe(), 5);
    scheduler.flush();

    expect(seen).toEqual(['in_progress@0', 'cancelling@5', 'cancelled@7']);
  });

  it('expires a run after timing.expiresAfter, asked again after each submit', () => {
    const asked: string[] = [];
    const timing: RunTiming = {
      queued: () => 0,
      cancelling: () => 0,
      expiresAfter: (run) => (
        asked.push(run.status),
        run.status === 'queued' && asked.length > 1 ? 4 : undefined
      ),
    };
    const { scheduler, engine, run, seen } = engineWith(timing, [
      [{ type: 'tool_call', index: 0, id: 'call_1', name: 'f', arguments: '{}' }],
      'never',
    ]);
    scheduler.schedule(
      () => void engine.submit(run, [{ tool_call_id: 'call_1', output: 'ok' }]).subscribe(),
      10,
    );
    scheduler.flush();

    // The first answer keeps the runtime's deadline (1000 ms); the second expires it 4 ms after the submit.
    expect(asked).toEqual(['queued', 'queued']);
    expect(seen).toEqual([
      'in_progress@0',
      'requires_action@0',
      'queued@10',
      'in_progress@10',
      'expired@14',
    ]);
  });

  it('waits forever on Infinity, and drops required_action on cancel', () => {
    const timing: RunTiming = { queued: () => 0, cancelling: () => Infinity };
    const { scheduler, engine, run, seen } = engineWith(timing, [
      [{ type: 'tool_call', index: 0, id: 'call_1', name: 'f', arguments: '{}' }],
    ]);
    scheduler.schedule(
      () =>
        engine.cancel(run).subscribe((cancelling) => expect(cancelling.required_action).toBeNull()),
      5,
    );
    scheduler.flush();

    // Still cancelling when the virtual clock stops (750 frames): only the expiry ends it.
    expect(seen).toEqual(['in_progress@0', 'requires_action@0', 'cancelling@5']);
  });
});

describe('the model context', () => {
  it('gives the model the run it serves, and opens the message on an empty text', () => {
    const served: unknown[] = [];
    const scheduler = testScheduler();
    const runtime: Runtime = { store: memoryStore(), now: () => 0, newId: counterIds() };
    const model: ModelAdapter = {
      name: 'm',
      respond: (_request, context) => (served.push(context.run), of({ type: 'text', delta: '' })),
    };
    const engine = new RunEngine({ runtime, scheduler, modelFor: () => model, expiresAfter: 1000 });
    const assistant = assistantFrom(runtime, { model: 'm' });
    const { thread } = threadFrom(runtime, {}, '');
    const { run } = runFrom(runtime, thread.id, {}, assistant, 1);
    for (const [kind, record] of [
      ['assistant', assistant],
      ['thread', thread],
    ] as const) {
      putRecords(runtime.store, kind, record);
    }
    putRecords(runtime.store, 'run', run);
    engine.start(run);
    scheduler.flush();

    expect(served).toEqual([expect.objectContaining({ id: run.id, status: 'in_progress' })]);
    expect(recordsOf(runtime.store, 'message', thread.id)).toEqual([
      expect.objectContaining({ role: 'assistant', run_id: run.id, content: [] }),
    ]);
  });
});
