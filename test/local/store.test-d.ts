import { describe, expectTypeOf, it } from 'vitest';
import type { Assistant, Message, Run, RunStep } from '../../src/backend/types';
import { memoryStore } from '../../src/local';
import type { RunRecorder } from '../../src/local/RunRecorder';

describe('the store is typed by kind', () => {
  const store = memoryStore();

  it('gets and lists the record type of each kind', () => {
    expectTypeOf(store.get('run', 'run_1')).toEqualTypeOf<Run | undefined>();
    expectTypeOf(store.list('step', 'run_1')).toEqualTypeOf<RunStep[]>();
    expectTypeOf(store.list('message')).toEqualTypeOf<Message[]>();
  });

  it('refuses a record of another kind', () => {
    const assistant = {} as Assistant;
    // @ts-expect-error an assistant is not a run
    store.put('run', assistant);
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
