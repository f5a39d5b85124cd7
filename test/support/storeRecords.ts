import {
  putWrite,
  type AssistantsStore,
  type StoredKind,
  type StoredRecords,
} from '../../src/local';

/**
 * Every record of `kind` in the store (of `parentId`'s thread or run), in
 * creation order. For the memory store, which answers as it is asked.
 */
export function recordsOf<K extends StoredKind>(
  store: AssistantsStore,
  kind: K,
  parentId?: string,
): Array<StoredRecords[K]> {
  let records: Array<StoredRecords[K]> | undefined;
  store
    .list(kind, { order: 'asc', ...(parentId !== undefined && { parentId }) })
    .subscribe((page) => (records = page.data));
  if (!records) throw new Error('The store did not answer at once.');
  return records;
}

/** Puts records into the memory store at once. */
export function putRecords<K extends StoredKind>(
  store: AssistantsStore,
  kind: K,
  ...records: Array<StoredRecords[K]>
): void {
  let done = false;
  store.write(records.map((record) => putWrite(kind, record))).subscribe(() => (done = true));
  if (!done) throw new Error('The store did not answer at once.');
}
