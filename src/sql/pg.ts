import { describe } from './pglite';
import { SqlStoreError } from './SqlStoreError';
import { checkLive, type SqlDriver, type SqlRow } from './SqlDriver';

/** What the store needs of a connection checked out of a `pg.Pool`. */
export interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  release(error?: Error | boolean): void;
}

/** What the store needs of a `pg.Pool` (the `pg` package, node-postgres). */
export interface PgPoolLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  connect(): Promise<PgClientLike>;
}

/**
 * A {@link SqlDriver} over a `pg.Pool`: a Postgres server, shared by several
 * processes. Each transaction checks a connection out of the pool and always
 * gives it back, also when its subscriber unsubscribes first.
 *
 * ## Example
 *
 * ```ts
 * import pgLib from 'pg';
 * import { pg, sqlStore } from 'rx-assistants/sql';
 *
 * const pool = new pgLib.Pool({ connectionString: 'postgres://localhost/assistants' });
 * const store = sqlStore(pg(pool));
 * ```
 *
 * @param pool A `pg.Pool` (not a `pg.Client`: the store needs connections of its own).
 */
export function pg(pool: PgPoolLike): SqlDriver {
  if (
    typeof pool !== 'object' ||
    pool === null ||
    typeof pool.query !== 'function' ||
    typeof pool.connect !== 'function'
  ) {
    throw new SqlStoreError(
      `pg() takes a pg.Pool (with query() and connect()), got ${describe(pool)}.`,
    );
  }
  if (!('totalCount' in pool) && 'connectionParameters' in pool) {
    throw new SqlStoreError('pg() takes a pg.Pool, not a pg.Client: make a pool of connections.');
  }
  return {
    dialect: 'postgres',
    async query(sql, params, signal) {
      checkLive(signal);
      return (await pool.query(sql, [...params])).rows;
    },
    async transaction(work, signal) {
      checkLive(signal);
      const client = await pool.connect();
      if (typeof client?.release !== 'function') {
        throw new SqlStoreError('pg() takes a pg.Pool: its connect() gave no client to release.');
      }
      let broken: Error | undefined;
      try {
        checkLive(signal);
        await client.query('begin');
        const result = await work(async (sql, params = []) => {
          checkLive(signal);
          return (await client.query(sql, [...params])).rows;
        });
        checkLive(signal);
        await client.query('commit');
        return result;
      } catch (error) {
        // Outside a transaction (begin never sent) this is only a warning.
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        // A connection whose rollback failed is closed, not reused.
        client.release(broken);
      }
    },
  };
}
