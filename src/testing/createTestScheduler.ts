import { TestScheduler } from 'rxjs/testing';

/** How a {@link createTestScheduler} compares actual and expected frames. */
export type DeepEqualAssertion = (actual: unknown, expected: unknown) => void;

function stripStacks(value: unknown, seen = new WeakMap<object, unknown>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Error) {
    const copy: Record<string, unknown> = { name: value.name, message: value.message };
    seen.set(value, copy);
    for (const [key, item] of Object.entries(value)) copy[key] = stripStacks(item, seen);
    if (value.cause !== undefined) copy['cause'] = stripStacks(value.cause, seen);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(stripStacks(item, seen));
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = stripStacks(item, seen);
  return copy;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const defined = (value: object) =>
    new Map(Object.entries(value).filter(([, item]) => item !== undefined));
  const fieldsA = defined(a);
  const fieldsB = defined(b);
  return (
    fieldsA.size === fieldsB.size &&
    [...fieldsA].every(([key, item]) => fieldsB.has(key) && isDeepEqual(item, fieldsB.get(key)))
  );
}

/** Deep equality without a test framework: throws with both sides printed. */
function defaultAssertion(actual: unknown, expected: unknown): void {
  const expectFn = (globalThis as { expect?: (v: unknown) => { toEqual(e: unknown): void } })
    .expect;
  if (typeof expectFn === 'function') return expectFn(actual).toEqual(expected);
  if (!isDeepEqual(actual, expected)) {
    throw new Error(
      `Marbles differ.\nactual:   ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`,
    );
  }
}

/**
 * A `TestScheduler` for marble tests that compares frames with your test
 * framework's deep equality and ignores error stacks, so that an expected
 * `new RunTimeoutError(...)` matches the one raised by the code under test.
 *
 * Errors are compared by their `name`, `message`, own fields and `cause`.
 * Frames are compared with the assertion you pass (vitest's or jest's
 * `expect(actual).toEqual(expected)` gives the best diffs); without one it
 * uses a global `expect` when the framework provides one, else a built-in deep
 * equality.
 *
 * ## Example
 *
 * ```ts
 * import { expect, it } from 'vitest';
 * import { map } from 'rxjs';
 * import { createTestScheduler } from 'rx-assistants/testing';
 *
 * it('doubles', () => {
 *   createTestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
 *     expectObservable(cold('-a-b|', { a: 1, b: 2 }).pipe(map((x) => x * 2))).toBe('-a-b|', {
 *       a: 2,
 *       b: 4,
 *     });
 *   });
 * });
 * ```
 *
 * @param assertDeepEqual Throws when `actual` and `expected` differ.
 */
export function createTestScheduler(
  assertDeepEqual: DeepEqualAssertion = defaultAssertion,
): TestScheduler {
  return new TestScheduler((actual, expected) =>
    assertDeepEqual(stripStacks(actual), stripStacks(expected)),
  );
}
