import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { Page } from '../../src/backend/AssistantsBackend';
import type { Assistant, Message, Run, RunStep } from '../../src/backend/types';
import { memoryStore, putWrite, type StoreWrite } from '../../src/local';
import type { RunRecorder } from '../../src/local/RunRecorder';

describe('the store is typed by kind', () => {
  const store = memoryStore();

  it('gets and lists the record type of each kind', () => {
    expectTypeOf(store.get('run', 'run_1')).toEqualTypeOf<Observable<Run | undefined>>();
    expectTypeOf(store.list('step', { parentId: 'run_1' })).toEqualTypeOf<
      Observable<Page<RunStep>>
    >();
    expectTypeOf(store.list('message')).toEqualTypeOf<Observable<Page<Message>>>();
  });

  it('refuses a record of another kind', () => {
    const assistant = {} as Assistant;
    // @ts-expect-error an assistant is not a run
    putWrite('run', assistant);
    // @ts-expect-error an assistant is not a run
    const write: StoreWrite = { op: 'put', kind: 'run', record: assistant };
    expectTypeOf(write).toEqualTypeOf<StoreWrite>();
  });
});

describe("a run's events are typed by name", () => {
  const recorder = {} as RunRecorder;
  const run = {} as Run;
  const step = {} as RunStep;

  it('takes the data its event name calls for', () => {
    expectTypeOf(recorder.emit<'thread.run.completed'>)
      .parameter(1)
      .toEqualTypeOf<Run>();
    recorder.emit(`thread.run.${run.status}`, run);
    // @ts-expect-error a step is not a run
    recorder.emit('thread.run.completed', step);
    // @ts-expect-error a run is not a step
    recorder.putStep(step, 'thread.run.completed');
  });
});
