import type { PGlite } from '@electric-sql/pglite';
import type { PgClientLike, PgPoolLike } from '../../src/sql';

/**
 * A `pg.Pool` of one connection, over one PGlite session: each checkout waits
 * for the previous one to be released, as a full pool does. It lets the `pg()`
 * driver run in `npm test`, where there is no Postgres server. `open` counts
 * the connections checked out; `unended` the transactions begun and not yet
 * committed or rolled back.
 */
export function pgliteAsPool(db: PGlite): PgPoolLike & { open: number; unended: number } {
  let free: Promise<void> = Promise.resolve();
  const pool = {
    open: 0,
    unended: 0,
    connect(): Promise<PgClientLike> {
      const turn = free;
      let release = () => {};
      free = turn.then(() => new Promise<void>((resolve) => (release = resolve)));
      return turn.then(() => {
        pool.open++;
        let released = false;
        return {
          async query(sql: string, params: unknown[] = []) {
            if (released) throw new Error('query on a released connection');
            const verb = sql.trim().toLowerCase();
            if (verb === 'begin') pool.unended++;
            if (verb === 'commit' || verb === 'rollback')
              pool.unended = Math.max(0, pool.unended - 1);
            return { rows: (await db.query<Record<string, unknown>>(sql, params)).rows };
          },
          release() {
            if (released) throw new Error('a connection released twice');
            released = true;
            pool.open--;
            release();
          },
        };
      });
    },
    async query(sql: string, params: unknown[] = []) {
      const client = await pool.connect();
      try {
        return await client.query(sql, params);
      } finally {
        client.release();
      }
    },
  };
  return pool;
}
