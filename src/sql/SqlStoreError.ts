import { RxAssistantsError } from '../errors/RxAssistantsError';

/**
 * The SQL store was given something it cannot use: a driver that is not one
 * (`pglite(db)` or `pg(pool)`), a database object that is not a PGlite or a
 * `pg.Pool`, or a schema name that is not a plain SQL identifier.
 *
 * ## Example
 *
 * ```ts
 * import { SqlStoreError, sqlStore } from 'rx-assistants/sql';
 *
 * try {
 *   sqlStore({} as never);
 * } catch (error) {
 *   if (error instanceof SqlStoreError) console.error(error.message);
 * }
 * ```
 */
export class SqlStoreError extends RxAssistantsError {
  override readonly name = 'SqlStoreError';
}
