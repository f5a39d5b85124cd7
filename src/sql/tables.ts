import type { StoredKind, StoredRecords } from '../local/storePort';
import { ACTIVE_STATUSES } from './migrations';

/** Where each kind of record lives, and the columns beside its JSON body. */
export interface TableOf<K extends StoredKind> {
  table: string;
  /** The column of `parentId` in a list: the thread of a message or run, the run of a step. */
  parent?: string;
  /** The column of `runId` in a list. */
  run?: string;
  /** The indexed columns, after `id`, and their values in a record. */
  columns: string[];
  values: (record: StoredRecords[K]) => unknown[];
}

/** The table of each kind. */
export const tables: { [K in StoredKind]: TableOf<K> } = {
  assistant: { table: 'assistants', columns: [], values: () => [] },
  thread: { table: 'threads', columns: [], values: () => [] },
  message: {
    table: 'messages',
    parent: 'thread_id',
    run: 'run_id',
    columns: ['thread_id', 'run_id'],
    values: (message) => [message.thread_id, message.run_id ?? null],
  },
  run: {
    table: 'runs',
    parent: 'thread_id',
    columns: ['thread_id', 'status', 'expires_at'],
    values: (run) => [run.thread_id, run.status, run.expires_at ?? null],
  },
  step: {
    table: 'steps',
    parent: 'run_id',
    run: 'run_id',
    columns: ['run_id', 'thread_id'],
    values: (step) => [step.run_id, step.thread_id],
  },
};

/**
 * The upsert of a record of `kind` into schema `s`: a new id is inserted at
 * the end of the creation order, a known one is replaced where it stands
 * (`seq` kept), and a run's lease is left as it is (its cancel request too,
 * until it ends), unless `leased`: a run stored with its lease (two more
 * parameters, its owner and expiry), in one statement.
 */
export function putStatement(s: string, kind: StoredKind, leased = false): string {
  const { table, columns } = tables[kind];
  const names = ['id', ...columns, 'body', ...(leased ? ['lease_owner', 'lease_until'] : [])];
  const params = names.map((name, i) => (name === 'body' ? `$${i + 1}::json` : `$${i + 1}`));
  const updates = names.slice(1).map((name) => `${name} = excluded.${name}`);
  // A run that ends forgets the cancel asked of it.
  if (kind === 'run') {
    updates.push(
      `cancel_requested = ${s}.runs.cancel_requested and excluded.status in ${ACTIVE_STATUSES}`,
    );
  }
  return (
    `insert into ${s}.${table} (${names.join(', ')}) values (${params.join(', ')}) ` +
    `on conflict (id) do update set ${updates.join(', ')}`
  );
}
