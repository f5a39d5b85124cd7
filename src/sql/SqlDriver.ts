/** One row of a result, by column name. */
export type SqlRow = Record<string, unknown>;

/** Sends one statement with its `$1, $2, …` parameters; resolves to its rows. */
export type SqlQuery = (sql: string, params?: readonly unknown[]) => Promise<SqlRow[]>;

/**
 * How the SQL store talks to Postgres: one statement, or a transaction on one
 * connection. `pglite(db)` and `pg(pool)` make one; any other Postgres client
 * can be given the same shape.
 *
 * Both methods take the `AbortSignal` of the subscription they serve. Once it
 * is aborted, no further statement is sent: a transaction is rolled back as
 * soon as the statement in flight has answered, and its connection goes back
 * to its pool.
 *
 * ## Example
 *
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { pglite, type SqlDriver } from 'rx-assistants/sql';
 *
 * const driver: SqlDriver = pglite(new PGlite());
 * const rows = await driver.query('select 1 as one', [], new AbortController().signal);
 * ```
 */
export interface SqlDriver {
  /** Always `'postgres'`: the one SQL dialect the store speaks. */
  readonly dialect: 'postgres';
  /**
   * Whether this process alone can use the database (PGlite: one process
   * opens a data directory). The leases the store finds as it opens are then
   * those of a process that stopped, and are handed back at once, so that
   * its runs resume without waiting for their leases to expire.
   */
  readonly exclusive?: boolean;
  /** Sends one statement on its own. */
  query(sql: string, params: readonly unknown[], signal: AbortSignal): Promise<SqlRow[]>;
  /**
   * Runs `work` in one transaction: commits when it resolves, rolls back when
   * it rejects or when `signal` is aborted.
   */
  transaction<T>(work: (query: SqlQuery) => Promise<T>, signal: AbortSignal): Promise<T>;
  /**
   * Listens to a notification channel (`LISTEN`, the name quoted as given):
   * calls `heard` with each payload until the function it resolves to is
   * called; resolves once it listens. `failed` is called if the connection
   * that listens is lost (nothing is heard after it). A driver without it
   * gives a store without an event channel: a client streaming through one
   * process then does not follow the runs others execute.
   */
  listen?(
    channel: string,
    heard: (payload: string) => void,
    failed: (error: unknown) => void,
  ): Promise<() => Promise<void>>;
}

/** `channel` as a quoted identifier, for `LISTEN` and `UNLISTEN`. */
export const quotedChannel = (channel: string): string => `"${channel.replaceAll('"', '""')}"`;

/** A driver check: throws unless `signal` is still live. */
export function checkLive(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('Aborted.');
}
