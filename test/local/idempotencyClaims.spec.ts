import { describe, expect, it } from 'vitest';
import { concatMap, type Observable, of, Subject, throwError, timer } from 'rxjs';
import type { BackendError } from '../../src/errors/BackendError';
import { idempotencyKeys } from '../../src/local/idempotency';
import { type AssistantsStore, localBackend, memoryStore } from '../../src/local';
import { testScheduler } from '../support/scheduler';
import { recordsOf } from '../support/storeRecords';

/** What `request` emits and how it ends, recorded as it goes. */
function record<T>(request: Observable<T>) {
  const got = { values: [] as T[], error: undefined as BackendError | undefined, done: false };
  const subscription = request.subscribe({
    next: (value) => got.values.push(value),
    error: (error: BackendError) => (got.error = error),
    complete: () => (got.done = true),
  });
  return { got, subscription };
}

/** Keys on a memory store, on a clock the test moves. */
function keys() {
  const clock = { now: 0 };
  const store = memoryStore();
  return { clock, store, keys: idempotencyKeys({ store, ttl: 86_400_000, now: () => clock.now }) };
}

describe('idempotency keys: the key of a request being answered is claimed', () => {
  it('answers the same request sent meanwhile with a 409 in use, then with the first response', () => {
    const { keys: k } = keys();
    const first = new Subject<string>();
    const acts: string[] = [];
    const a = record(k.once('k', 'req', () => first));
    const b = record(k.once('k', 'req', () => (acts.push('b'), of('b'))));
    expect(b.got.error).toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
    expect(b.got.error?.message).toContain("'k'");
    // Another request with the key is still the key reused.
    const other = record(k.once('k', 'other', () => of('x')));
    expect(other.got.error).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    first.next('one');
    first.complete();
    expect(a.got).toMatchObject({ values: ['one'], done: true });
    const c = record(k.once('k', 'req', () => (acts.push('c'), of('c'))));
    expect(c.got.values).toEqual(['one']);
    expect(acts).toEqual([]);
  });

  it('frees the key when the request fails, or is left before it answers', () => {
    const { keys: k } = keys();
    const failed = record(k.once('k', 'req', () => throwError(() => new Error('no'))));
    expect(failed.got.error).toEqual(new Error('no'));
    const left = record(k.once('k', 'req', () => new Subject<string>()));
    left.subscription.unsubscribe();
    const again = record(k.once('k', 'req', () => of('acted')));
    expect(again.got.values).toEqual(['acted']);
  });

  it('takes over a claim older than 10 s (its process stopped): the late one does not settle it', () => {
    const { keys: k, clock } = keys();
    const stuck = new Subject<string>();
    record(k.once('k', 'req', () => stuck));
    clock.now = 9_999;
    expect(record(k.once('k', 'req', () => of('early'))).got.error?.code).toBe(
      'idempotency_key_in_use',
    );
    clock.now = 10_000;
    expect(record(k.once('k', 'req', () => of('taken over'))).got.values).toEqual(['taken over']);
    stuck.next('late');
    stuck.complete();
    expect(record(k.once('k', 'req', () => of('again'))).got.values).toEqual(['taken over']);
  });

  it('makes one thread of two creates sent at once with a key, on a store that answers later', () => {
    const scheduler = testScheduler();
    const inner = memoryStore();
    const later = <T>(answer: () => Observable<T>) =>
      timer(2, scheduler).pipe(concatMap(() => answer()));
    const store: AssistantsStore = {
      ...inner,
      write: (batch) => later(() => inner.write(batch)),
      keptResponse: (...args) => later(() => inner.keptResponse(...args)),
      keepResponse: (...args) => later(() => inner.keepResponse(...args)),
      settleResponse: (...args) => later(() => inner.settleResponse(...args)),
    };
    const backend = localBackend({ store, scheduler });
    const create = () => record(backend.threads.create({}, { idempotencyKey: 'k' }));
    const [a, b] = [create(), create()];
    scheduler.flush();
    expect(recordsOf(inner, 'thread')).toHaveLength(1);
    expect(a.got.values.map((t) => t.id)).toEqual([recordsOf(inner, 'thread')[0]!.id]);
    expect(b.got.error).toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
    const c = create();
    scheduler.flush();
    expect(c.got.values).toEqual(a.got.values);
  });
});
