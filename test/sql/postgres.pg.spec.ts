import pgLib from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pg, type SqlDriver, sqlStore, SqlStoreError } from '../../src/sql';
import { storeConformance } from '../store/conformance';
import { thread } from '../store/records';
import { answer, put } from '../store/support';
import { sqlSpecifics } from './sqlSpecifics';

// `npm run test:pg` sets DATABASE_URL, starting a throwaway Postgres if needed.
const url = process.env.DATABASE_URL;
if (!url) throw new Error('These tests need DATABASE_URL: run them with `npm run test:pg`.');

const pool = new pgLib.Pool({ connectionString: url, max: 8 });
// Schemas of this run only, so that a shared database keeps other runs' data.
const prefix = `rx_test_${Date.now().toString(36)}`;
let schemas = 0;

afterAll(async () => {
  const { rows } = await pool.query<{ nspname: string }>(
    `select nspname from pg_namespace where nspname like $1`,
    [`${prefix}%`],
  );
  for (const { nspname } of rows) await pool.query(`drop schema "${nspname}" cascade`);
  await pool.end();
});

storeConformance(
  'sqlStore over a Postgres server (pg)',
  () => sqlStore(pg(pool), { schema: `${prefix}_${schemas++}` }),
  { timeout: 60_000 },
);
sqlSpecifics('a Postgres server (pg)', () => pg(pool));

describe('pg()', () => {
  it('gives every connection back, with no transaction left open, however early one unsubscribes', async () => {
    const base = pg(pool);
    // Each batch is unsubscribed once `stopAfter` of its statements have answered (0: at once).
    let stopAfter = 0;
    let stop = () => {};
    let settled = () => {};
    const driver: SqlDriver = {
      dialect: 'postgres',
      query: (sql, params, signal) => base.query(sql, params, signal),
      transaction: (work, signal) => {
        let answered = 0;
        const done = base.transaction(
          (query) =>
            work(async (sql, params) => {
              const rows = await query(sql, params);
              if (++answered === stopAfter) stop();
              return rows;
            }),
          signal,
        );
        done.then(settled, settled);
        return done;
      },
    };
    const store = sqlStore(driver, { schema: `${prefix}_${schemas++}` });
    await answer(store.migrate());
    for (stopAfter = 0; stopAfter < 4; stopAfter++) {
      const finished = new Promise<void>((resolve) => (settled = resolve));
      const subscription = store
        .write(['a', 'b', 'c', 'd'].map((id) => put('thread', thread(`t${stopAfter}_${id}`))))
        .subscribe({ error: () => expect.fail('an unsubscribed write reports nothing') });
      stop = () => subscription.unsubscribe();
      if (stopAfter === 0) subscription.unsubscribe();
      await finished;
      // The connection went back before the transaction's promise settled.
      expect(pool.idleCount, `after ${stopAfter} statements`).toBe(pool.totalCount);
    }
    const { rows } = await pool.query(
      `select count(*)::int as open from pg_stat_activity where state like 'idle in transaction%'`,
    );
    expect(rows[0].open).toBe(0);
    // Every batch was rolled back: none of its threads are there.
    expect((await answer(store.list('thread'))).data).toEqual([]);
  });

  it('refuses a pg.Client: the store needs a pool of connections', () => {
    expect(() => pg(new pgLib.Client({ connectionString: url }) as never)).toThrow(SqlStoreError);
    expect(() => pg(new pgLib.Client({ connectionString: url }) as never)).toThrow(
      /not a pg.Client/,
    );
  });
});
