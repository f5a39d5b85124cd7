import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type SqlDriver, sqlStore, SqlStoreError } from '../../src/sql';
import { answer, put } from '../store/support';
import { run, thread } from '../store/records';

/** A driver that records the statements answered, and can run a hook after each one. */
export function spy(driver: SqlDriver) {
  const seen = {
    statements: [] as string[],
    afterEach: (_sql: string) => {},
    /** Called when a transaction has ended, committed or not. */
    settled: () => {},
  };
  const wrapped: SqlDriver = {
    dialect: 'postgres',
    query: async (sql, params, signal) => {
      const rows = await driver.query(sql, params, signal);
      seen.statements.push(sql);
      seen.afterEach(sql);
      return rows;
    },
    transaction: (work, signal) => {
      const done = driver.transaction(
        (query) =>
          work(async (sql, params) => {
            const rows = await query(sql, params);
            seen.statements.push(sql);
            seen.afterEach(sql);
            return rows;
          }),
        signal,
      );
      done.then(
        () => seen.settled(),
        () => seen.settled(),
      );
      return done;
    },
  };
  return { driver: wrapped, seen };
}

/**
 * What the SQL store does beyond the port, on any driver: migrations, the
 * laziness of its first statement, rollback on unsubscribe, bad input.
 */
export function sqlSpecifics(name: string, driver: () => SqlDriver, timeout = 60_000): void {
  let schemas = 0;
  const schema = () => `specifics_${Date.now().toString(36)}_${schemas++}`;

  describe(`sqlStore over ${name}`, { timeout }, () => {
    it('migrates on its first operation, once, and a second store finds nothing to apply', async () => {
      const { driver: counted, seen } = spy(driver());
      const name = schema();
      const store = sqlStore(counted, { schema: name });
      store.list('thread');
      store.write([put('thread', thread('t1'))]);
      expect(seen.statements).toEqual([]);
      expect(await answer(store.migrate())).toEqual([1, 2, 3]);
      expect(seen.statements.some((sql) => /create table/.test(sql))).toBe(true);
      const migrations = seen.statements.length;
      await answer(store.write([put('thread', thread('t1'))]));
      expect(seen.statements.length).toBe(migrations + 1);
      expect(await answer(sqlStore(driver(), { schema: name }).migrate())).toEqual([]);
      expect(await answer(sqlStore(driver(), { schema: name }).get('thread', 't1'))).toEqual(
        thread('t1'),
      );
    });

    it('lets one of several stores starting at once migrate, and the others wait for it', async () => {
      const name = schema();
      const applied = await Promise.all(
        [1, 2, 3].map(() => answer(sqlStore(driver(), { schema: name }).migrate())),
      );
      expect(applied.flat()).toEqual([1, 2, 3]);
    });

    it('rolls back a batch unsubscribed after its first statement', async () => {
      const { driver: counted, seen } = spy(driver());
      const store = sqlStore(counted, { schema: schema() });
      await answer(store.migrate());
      let stop = () => {};
      seen.afterEach = () => stop();
      const subscription = store
        .write(['t1', 't2', 't3'].map((id) => put('thread', thread(id))))
        .subscribe({ error: () => expect.fail('an unsubscribed write reports nothing') });
      const first = seen.statements.length;
      await new Promise<void>((resolve) => {
        stop = () => {
          subscription.unsubscribe();
          resolve();
        };
      });
      seen.afterEach = () => {};
      // The next operation waits for the rolled back transaction (one connection, or row locks).
      expect((await answer(store.list('thread'))).data).toEqual([]);
      // The first insert, then the list: the second insert was never sent.
      expect(seen.statements.slice(first).map((sql) => sql.trim().split(' ')[0])).toEqual([
        'insert',
        'with',
      ]);
      await answer(store.write([put('thread', thread('t4'))]));
      expect((await answer(store.list('thread'))).data.map((t) => t.id)).toEqual(['t4']);
    });

    it('rolls back a claim unsubscribed once its runs were leased: another process gets them', async () => {
      const { driver: counted, seen } = spy(driver());
      const store = sqlStore(counted, { schema: schema() });
      await answer(store.write([put('run', run('r1', 't1')), put('run', run('r2', 't2'))]));
      const finished = new Promise<void>((resolve) => (seen.settled = resolve));
      let stop = () => {};
      seen.afterEach = () => stop();
      const subscription = store.claimRuns('a', 1_000, 1_000, 10).subscribe({
        next: () => expect.fail('an unsubscribed claim answers nothing'),
        error: () => expect.fail('an unsubscribed claim reports nothing'),
      });
      stop = () => subscription.unsubscribe();
      await finished;
      seen.afterEach = () => {};
      expect(seen.statements.at(-1)).toMatch(/update/);
      const leases = await answer(store.claimRuns('b', 1_000, 1_000, 10));
      expect(leases.map((lease) => [lease.runId, lease.owner])).toEqual([
        ['r1', 'b'],
        ['r2', 'b'],
      ]);
    });

    it('refuses what is not a driver, a database or a schema name, with a typed error', () => {
      expect(() => sqlStore({} as never)).toThrow(SqlStoreError);
      expect(() => sqlStore(null as never)).toThrow(/takes a driver, pglite\(db\) or pg\(pool\)/);
      for (const bad of ['', 'Upper', 'a-b', 'a"b', '1st', 'x'.repeat(64)]) {
        expect(() => sqlStore(driver(), { schema: bad }), bad).toThrow(SqlStoreError);
      }
    });

    it('refuses a limit outside 1 to 100 as the API does, though the runtime checks it first', async () => {
      const store = sqlStore(driver(), { schema: schema() });
      for (const limit of [0, 101, 2.5]) {
        const refused = await lastValueFrom(store.list('thread', { limit })).catch((e) => e);
        expect(refused).toMatchObject({ status: 400, param: 'limit' });
      }
    });

    it('lists nothing of a kind by a parent or a run it does not have', async () => {
      const store = sqlStore(driver(), { schema: schema() });
      await answer(store.write([put('thread', thread('t1'))]));
      expect((await answer(store.list('thread', { parentId: 't1' }))).data).toEqual([]);
      expect((await answer(store.list('thread', { runId: 't1' }))).data).toEqual([]);
      expect((await answer(store.list('thread', {}))).data).toEqual([thread('t1')]);
    });

    it('keeps JSON values exactly, unicode and numbers alike', async () => {
      const store = sqlStore(driver(), { schema: schema() });
      const odd = {
        ...thread('t1'),
        metadata: { quote: `'"\\`, emoji: '🧮', nul: 'a\u0001b', big: '12345678901234567890' },
      };
      await answer(store.write([put('thread', odd)]));
      const back = await lastValueFrom(store.get('thread', 't1'));
      expect(back).toEqual(odd);
      // Field for field in the order written, as the API serialises its objects.
      expect(JSON.stringify(back)).toBe(JSON.stringify(odd));
      const response = { nested: [1, 2.5, -0.125, null, true, { e: 1e21 }] };
      expect(await answer(store.keepResponse('k', { request: '[]', response, at: 1.5 }))).toEqual({
        request: '[]',
        response,
        at: 1.5,
      });
    });
  });
}
