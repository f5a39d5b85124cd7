import { SqlStoreError } from './SqlStoreError';
import { checkLive, quotedChannel, type SqlDriver, type SqlRow } from './SqlDriver';

/** What the store needs of a PGlite transaction. */
export interface PGliteTransactionLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

/** What the store needs of a PGlite instance (`@electric-sql/pglite`). */
export interface PGliteLike extends PGliteTransactionLike {
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  listen?(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/**
 * A {@link SqlDriver} over PGlite: Postgres embedded in the process, in
 * memory, in a directory (Node) or in IndexedDB (`idb://…`, browsers). PGlite
 * has one connection: its transactions run one after another.
 *
 * ## Example
 *
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { localBackend } from 'rx-assistants/local';
 * import { pglite, sqlStore } from 'rx-assistants/sql';
 *
 * const store = sqlStore(pglite(new PGlite('./assistants-data')));
 * ```
 *
 * @param db A PGlite instance, made with `new PGlite(dataDir?)` or `await PGlite.create(…)`.
 */
export function pglite(db: PGliteLike): SqlDriver {
  if (
    typeof db !== 'object' ||
    db === null ||
    typeof db.query !== 'function' ||
    typeof db.transaction !== 'function'
  ) {
    throw new SqlStoreError(
      `pglite() takes a PGlite instance (with query() and transaction()), got ${describe(db)}.`,
    );
  }
  return {
    dialect: 'postgres',
    // One process opens a PGlite database (a directory, memory, IndexedDB).
    exclusive: true,
    async query(sql, params, signal) {
      checkLive(signal);
      return (await db.query<SqlRow>(sql, [...params])).rows;
    },
    async transaction(work, signal) {
      checkLive(signal);
      return db.transaction(async (tx) => {
        const result = await work(async (sql, params = []) => {
          checkLive(signal);
          return (await tx.query<SqlRow>(sql, [...params])).rows;
        });
        // Throwing here makes PGlite roll back instead of committing.
        checkLive(signal);
        return result;
      });
    },
    // One process opens the database: it hears only itself, which its runtime does not need.
    ...(db.listen && {
      listen: (channel: string, heard: (payload: string) => void) =>
        db.listen!(quotedChannel(channel), heard).then((stop) => () => stop()),
    }),
  };
}

/** What a bad argument is, for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
