import { of, throwError } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../src/errors/BackendError';
import { createTestScheduler, type DeepEqualAssertion } from '../../src/testing';

const vitestAssertion: DeepEqualAssertion = (actual, expected) => expect(actual).toEqual(expected);

/** Runs one marble expectation of an error with the given scheduler. */
function expectError(
  scheduler: ReturnType<typeof createTestScheduler>,
  actual: unknown,
  expected: unknown,
): void {
  scheduler.run(({ expectObservable }) => {
    expectObservable(throwError(() => actual)).toBe('#', undefined, expected);
  });
}

describe('createTestScheduler', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('strips error stacks, so that equal errors match', () => {
    const actual = new Error('boom');
    const expected = new Error('boom');
    expect(actual.stack).not.toEqual(expected.stack);
    expect(() => expectError(createTestScheduler(vitestAssertion), actual, expected)).not.toThrow();
  });

  it('hands the assertion errors without stacks', () => {
    const seen: unknown[] = [];
    const scheduler = createTestScheduler((actual) => seen.push(actual));
    expectError(scheduler, new Error('boom', { cause: new Error('root') }), null);
    expect(seen).toEqual([
      [
        {
          frame: 0,
          notification: {
            kind: 'E',
            error: { name: 'Error', message: 'boom', cause: { name: 'Error', message: 'root' } },
            value: undefined,
          },
        },
      ],
    ]);
    expect(JSON.stringify(seen)).not.toContain('stack');
  });

  it('does not match errors that differ in message, fields or cause', () => {
    const scheduler = () => createTestScheduler(vitestAssertion);
    expect(() => expectError(scheduler(), new Error('boom'), new Error('bang'))).toThrow();
    const notFound = (status: number) =>
      new BackendError({ status, message: 'No thread found.', param: 'thread_id' });
    expect(() => expectError(scheduler(), notFound(404), notFound(404))).not.toThrow();
    expect(() => expectError(scheduler(), notFound(404), notFound(400))).toThrow();
    expect(() =>
      expectError(
        scheduler(),
        new Error('boom', { cause: 'a' }),
        new Error('boom', { cause: 'b' }),
      ),
    ).toThrow();
    expect(() => expectError(scheduler(), new TypeError('boom'), new RangeError('boom'))).toThrow();
  });

  it('compares with a built-in deep equality when no assertion and no global expect exist', () => {
    vi.stubGlobal('expect', undefined);
    const scheduler = () => createTestScheduler();
    expect(() =>
      scheduler().run(({ expectObservable }) => {
        expectObservable(of({ a: [1, { b: undefined }], c: undefined })).toBe('(x|)', {
          x: { a: [1, {}] },
        });
      }),
    ).not.toThrow();
    expect(() => expectError(scheduler(), new Error('boom'), new Error('boom'))).not.toThrow();
    expect(() =>
      scheduler().run(({ expectObservable }) => {
        expectObservable(of(1)).toBe('(x|)', { x: 2 });
      }),
    ).toThrow(/^Marbles differ\.\nactual: {3}\[.*"value":1.*\nexpected: \[.*"value":2/);
    expect(() => expectError(scheduler(), new Error('boom'), new Error('bang'))).toThrow(
      /Marbles differ/,
    );
    expect(() =>
      scheduler().run(({ expectObservable }) => {
        expectObservable(of([1])).toBe('(x|)', { x: { 0: 1 } });
      }),
    ).toThrow(/Marbles differ/);
    expect(() =>
      scheduler().run(({ expectObservable }) => {
        expectObservable(of({ a: 1 })).toBe('(x|)', { x: { a: 1, b: 2 } });
      }),
    ).toThrow(/Marbles differ/);
    expect(() =>
      scheduler().run(({ expectObservable }) => {
        expectObservable(of({ a: 1 })).toBe('(x|)', { x: null });
      }),
    ).toThrow(/Marbles differ/);
  });

  it("uses the framework's global expect when there is one", () => {
    const globalExpect = vi.fn((actual: unknown) => expect(actual));
    vi.stubGlobal('expect', globalExpect);
    expect(() =>
      createTestScheduler().run(({ expectObservable }) => {
        expectObservable(of(1)).toBe('(x|)', { x: 2 });
      }),
    ).toThrow(/expected .* to deeply equal/);
    expect(globalExpect).toHaveBeenCalledOnce();
  });

  it('keeps shared and circular references intact', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle['self'] = cycle;
    const shared = new Error('shared');
    expect(() =>
      createTestScheduler(vitestAssertion).run(({ expectObservable }) => {
        expectObservable(of({ cycle, pair: [shared, shared], date: new Date(0) })).toBe('(x|)', {
          x: { cycle, pair: [new Error('shared'), new Error('shared')], date: new Date(0) },
        });
      }),
    ).not.toThrow();
  });

  it('runs the documented example', () => {
    createTestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b|', { a: 2, b: 4 })).toBe('-a-b|', { a: 2, b: 4 });
    });
  });
});
