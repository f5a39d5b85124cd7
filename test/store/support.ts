import { lastValueFrom, type Observable, toArray } from 'rxjs';
import { expect } from 'vitest';
import type {
  AssistantsStore,
  StoredKind,
  StoredRecords,
  StoreWrite,
} from '../../src/local/storePort';

/** Makes a new, empty store for one test. */
export type MakeStore = () => AssistantsStore | Promise<AssistantsStore>;

/** A `put` write of a record of `kind`. */
export const put = <K extends StoredKind>(kind: K, record: StoredRecords[K]): StoreWrite =>
  ({ op: 'put', kind, record }) as StoreWrite;

/** The one value an Observable of the port emits (it must emit exactly one, then complete). */
export async function answer<T>(answer$: Observable<T>): Promise<T> {
  const values = await lastValueFrom(answer$.pipe(toArray()));
  expect(values).toHaveLength(1);
  return values[0]!;
}
