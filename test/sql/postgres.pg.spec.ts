import pgLib from 'pg';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { replyText, rxAssistants } from '../../src';
import { localBackend } from '../../src/local';
import { pg, type SqlDriver, sqlStore, SqlStoreError } from '../../src/sql';
import { storeConformance } from '../store/conformance';
import { eventChannel } from '../store/conformanceEvents';
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

describe('sqlStore over a Postgres server (pg), two processes', { timeout: 60_000 }, () => {
  // Each "process" has a pool of its own: its own connections, its own listener.
  const pools: pgLib.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });
  eventChannel(() => {
    const schema = `${prefix}_${schemas++}`;
    const opened = () => {
      const own = new pgLib.Pool({ connectionString: url, max: 3 });
      pools.push(own);
      return sqlStore(pg(own), { schema });
    };
    return Promise.resolve([opened(), opened()]);
  });
});

describe('two runtimes on one Postgres', () => {
  it('answer on one what the other asked, and refuse a second active run on a thread', async () => {
    const schema = `${prefix}_${schemas++}`;
    const [a, b] = [1, 2].map(() => localBackend({ store: sqlStore(pg(pool), { schema }) }));
    try {
      const [rxA, rxB] = [rxAssistants(a!), rxAssistants(b!)];
      const assistant = await lastValueFrom(rxA.assistants.create({ model: 'tutor' }));
      const thread = await lastValueFrom(rxB.threads.create());
      const reply = await lastValueFrom(
        rxA.ask(assistant.id, 'Solve 2x + 3 = 7', { threadId: thread.id }).pipe(replyText()),
      );
      expect(reply).toMatch(/^x = 2\./);
      const messages = await lastValueFrom(rxB.messages.list(thread.id).pipe(toArray()));
      expect(messages.map((m) => m.role)).toEqual(['assistant', 'user']);
      // Both create a run on the thread at once: one is refused with the API's 400.
      const created = await Promise.allSettled(
        [rxA, rxB].map((rx) =>
          lastValueFrom(rx.runs.create(thread.id, { assistant_id: assistant.id })),
        ),
      );
      expect(created.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = created.find((c) => c.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ status: 400 });
    } finally {
      await Promise.all(
        [a, b].map((backend) => lastValueFrom(backend!.close(), { defaultValue: undefined })),
      );
    }
  });
});

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
