import type { Observable } from 'rxjs';
import type { Page } from '../backend/AssistantsBackend';
import type { Run } from '../backend/types';
import { fromAbortable } from '../internal/fromAbortable';
import {
  ActiveRunConflictError,
  type AssistantsStore,
  type RunLease,
  type StoredKind,
  type StoredRecords,
  type StoreWrite,
} from '../local/storePort';
import { listStatement } from './listQuery';
import { claimStatement, leaseOf, releaseStatement, renewStatement } from './leaseStatements';
import { isActiveRunConflict, migrate } from './migrations';
import { describe } from './pglite';
import type { SqlDriver, SqlQuery } from './SqlDriver';
import { SqlStoreError } from './SqlStoreError';
import { keptResponses } from './keptResponses';
import { cancelChannelOf, sqlChannel } from './sqlChannel';
import { putStatement, tables } from './tables';

/** Options of {@link sqlStore}. */
export interface SqlStoreOptions {
  /**
   * The Postgres schema that holds the store's tables, created if needed.
   * Default `rx_assistants`. Lowercase letters, digits and `_`.
   */
  schema?: string;
}

/** The embedded runtime's store (`AssistantsStore`) in Postgres. */
export interface SqlStore extends AssistantsStore {
  /**
   * Brings the schema up to date, as the store's first operation does anyway;
   * emits the versions this store applied (none if the schema was current).
   */
  migrate(): Observable<number[]>;
}

/**
 * The runtime's store in Postgres: PGlite in process (memory, a directory,
 * IndexedDB) with `pglite(db)`, or a Postgres server with `pg(pool)`. Several
 * runtimes can share one database: one run that has not ended per thread is a
 * unique index, and runs are executed under leases.
 *
 * The schema is created, or brought up to date, on the store's first
 * operation. Every method is a cold Observable; unsubscribing before the
 * answer rolls back its transaction.
 *
 * ## Example
 *
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { pglite, sqlStore } from 'rx-assistants/sql';
 *
 * const store = sqlStore(pglite(new PGlite()));
 * store.list('thread', { limit: 10 }).subscribe((page) => console.log(page.data));
 * ```
 *
 * @param driver `pglite(db)`, `pg(pool)`, or another {@link SqlDriver}.
 * @param options The schema to use.
 */
export function sqlStore(driver: SqlDriver, options: SqlStoreOptions = {}): SqlStore {
  if (typeof driver !== 'object' || driver === null || driver.dialect !== 'postgres') {
    throw new SqlStoreError(
      `sqlStore() takes a driver, pglite(db) or pg(pool), got ${describe(driver)}.`,
    );
  }
  const schema = options.schema ?? 'rx_assistants';
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new SqlStoreError(
      `Invalid schema ${JSON.stringify(schema)}: use lowercase letters, digits and _.`,
    );
  }
  const s = `"${schema}"`;
  let migrated: Promise<number[]> | undefined;
  /** Migrates once per store (again after a failure), whoever subscribes first. */
  const ready = () =>
    (migrated ??= migrate(driver, schema, driver.exclusive === true).catch((error: unknown) => {
      migrated = undefined;
      throw error;
    }));
  const op = <T>(call: (signal: AbortSignal) => Promise<T>): Observable<T> =>
    fromAbortable(async (signal) => {
      await ready();
      return call(signal);
    });
  const one = (sql: string, params: readonly unknown[], signal: AbortSignal) =>
    driver.query(sql, params, signal);
  const transaction = <T>(signal: AbortSignal, work: (query: SqlQuery) => Promise<T>) =>
    driver.transaction(work, signal);

  const events = sqlChannel(driver, schema, ready);
  return {
    // Other processes may use the same database: the runtime leases the runs it executes.
    shared: true,
    ...(events && { events }),
    migrate: () => fromAbortable(() => ready()),

    get: <K extends StoredKind>(kind: K, id: string) =>
      op(async (signal) => {
        const rows = await one(
          `select body from ${s}.${tables[kind].table} where id = $1`,
          [id],
          signal,
        );
        return rows[0]?.body as StoredRecords[K] | undefined;
      }),

    list: <K extends StoredKind>(kind: K, query = {}) =>
      op(async (signal) => {
        const statement = listStatement(s, kind, query);
        return statement.page(await one(statement.sql, statement.params, signal)) as Page<
          StoredRecords[K]
        >;
      }),

    write: (batch) =>
      op((signal) => {
        const writes = withLeasesFolded(batch);
        // One write is one statement, atomic by itself: no transaction to open and commit.
        return writes.length === 1
          ? apply(s, (sql, params = []) => one(sql, params, signal), writes[0]!)
          : driver.transaction(async (query) => {
              for (const write of writes) await apply(s, query, write);
            }, signal);
      }),

    ...keptResponses(s, one, op),

    // In a transaction, so that a claim whose subscriber has left is rolled back, not kept.
    claimRuns: (owner, now, ttl, limit, runIds) =>
      op(async (signal) => {
        const { sql, params } = claimStatement(s, owner, now, ttl, limit, runIds);
        return (await transaction(signal, (query) => query(sql, params))).map(leaseOf);
      }),

    renewLeases: (owner, runIds, now, ttl) =>
      op(async (signal) => {
        if (runIds.length === 0) return [];
        const { sql, params } = renewStatement(s, owner, runIds, now, ttl);
        const held = new Map((await one(sql, params, signal)).map((row) => [row.id, row]));
        return runIds.flatMap((id) => (held.has(id) ? [leaseOf(held.get(id)!)] : []));
      }),

    // With a channel, the holder hears it at once (the notification goes out at commit).
    requestCancel: (runId) =>
      op(async (signal) => {
        const update = `update ${s}.runs set cancel_requested = true where id = $1`;
        await (events
          ? one(
              `with asked as (${update} returning id) select pg_notify($2, id) from asked`,
              [runId, cancelChannelOf(schema)],
              signal,
            )
          : one(update, [runId], signal));
      }),

    releaseLeases: (owner, runIds) =>
      op(async (signal) => {
        const { sql, params } = releaseStatement(s, owner, runIds);
        await one(sql, params, signal);
      }),
  };
}

/** A write of a batch; a run's put may carry the lease the batch gives it. */
type Write = StoreWrite | { op: 'put'; kind: 'run'; record: Run; lease: RunLease };

/** The batch, each lease of a run the batch puts carried by that put (one statement fewer). */
function withLeasesFolded(batch: readonly StoreWrite[]): Write[] {
  const leases = new Map<string, RunLease>();
  for (const write of batch) if (write.op === 'lease') leases.set(write.lease.runId, write.lease);
  const put = (id: string) =>
    batch.some((write) => write.op === 'put' && write.kind === 'run' && write.record.id === id);
  return batch.flatMap((write): Write[] => {
    if (write.op === 'lease') return put(write.lease.runId) ? [] : [write];
    if (write.op !== 'put' || write.kind !== 'run') return [write];
    const lease = leases.get(write.record.id);
    return [lease ? { ...write, lease } : write];
  });
}

/** Applies one write of a batch, inside its transaction. */
async function apply(s: string, query: SqlQuery, write: Write): Promise<void> {
  if (write.op === 'delete') {
    await query(`delete from ${s}.${tables[write.kind].table} where id = $1`, [write.id]);
  } else if (write.op === 'lease') {
    const { runId, owner, until } = write.lease;
    await query(`update ${s}.runs set lease_owner = $2, lease_until = $3 where id = $1`, [
      runId,
      owner,
      until,
    ]);
  } else {
    const { kind, record } = write;
    const values = (tables[kind].values as (record: unknown) => unknown[])(record);
    const lease = 'lease' in write ? [write.lease.owner, write.lease.until] : [];
    try {
      await query(putStatement(s, kind, lease.length > 0), [
        record.id,
        ...values,
        JSON.stringify(record),
        ...lease,
      ]);
    } catch (error) {
      if (kind === 'run' && isActiveRunConflict(error)) {
        throw new ActiveRunConflictError(String(values[0]), record.id);
      }
      throw error;
    }
  }
}
