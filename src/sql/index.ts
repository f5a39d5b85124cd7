/**
 * `rx-assistants/sql`: the embedded runtime's store in Postgres, over PGlite
 * (in process) or a Postgres server (`pg`).
 */
export { sqlStore, type SqlStore, type SqlStoreOptions } from './sqlStore';
export { pglite, type PGliteLike, type PGliteTransactionLike } from './pglite';
export { pg, type PgClientLike, type PgNotification, type PgPoolLike } from './pg';
export type { SqlDriver, SqlQuery, SqlRow } from './SqlDriver';
export { SqlStoreError } from './SqlStoreError';
