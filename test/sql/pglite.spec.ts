import { PGlite } from '@electric-sql/pglite';
import { from, lastValueFrom, toArray } from 'rxjs';
import { replyText, rxAssistants } from '../../src';
import { localBackend } from '../../src/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pg, pglite, sqlStore, SqlStoreError } from '../../src/sql';
import { storeConformance } from '../store/conformance';
import { eventChannel } from '../store/conformanceEvents';
import { thread } from '../store/records';
import { put } from '../store/support';
import { pgliteAsPool } from './pgliteAsPool';
import { spy, sqlSpecifics } from './sqlSpecifics';

// One PGlite for the whole file (it takes seconds and about half a GB to
// start); each test gets a schema of its own.
let db: PGlite;
beforeAll(async () => {
  db = await PGlite.create();
}, 120_000);
afterAll(async () => {
  await db?.close();
});

let schemas = 0;
storeConformance(
  'sqlStore over PGlite in memory',
  () => sqlStore(pglite(db), { schema: `conformance_${schemas++}` }),
  { timeout: 60_000 },
);
sqlSpecifics('PGlite in memory', () => pglite(db));

describe('sqlStore over PGlite, as if processes shared it', { timeout: 60_000 }, () => {
  // PGlite is opened by one process, so its store has no channel; shared (as
  // a Postgres server would be), the same statements carry the events.
  eventChannel(() => {
    const schema = `events_${schemas++}`;
    const shared = () => sqlStore({ ...pglite(db), exclusive: false }, { schema });
    return Promise.resolve([shared(), shared()]);
  });

  it('has no channel as PGlite opens it: one process, no other to hear', () => {
    expect(sqlStore(pglite(db)).events).toBeUndefined();
  });
});

// The pg() driver, over a one-connection pool of the same PGlite (no server needed).
let pool: ReturnType<typeof pgliteAsPool>;
beforeAll(() => {
  pool = pgliteAsPool(db);
});
storeConformance(
  'sqlStore through pg() over a one-connection pool',
  () => sqlStore(pg(pool), { schema: `conformance_pool_${schemas++}` }),
  { timeout: 60_000 },
);
sqlSpecifics('pg() over a one-connection pool', () => pg(pool));

describe('pg() over a one-connection pool', { timeout: 60_000 }, () => {
  it('gives the connection back and ends the transaction, however early one unsubscribes', async () => {
    const { driver, seen } = spy(pg(pool));
    const store = sqlStore(driver, { schema: 'unsubscribed' });
    await lastValueFrom(store.migrate());
    for (let stopAfter = 0; stopAfter < 4; stopAfter++) {
      // Unsubscribed after `stopAfter` of its 4 inserts have answered (0: at once).
      let answered = 0;
      let stop = () => {};
      seen.afterEach = () => ++answered === stopAfter && stop();
      const finished = new Promise<void>((resolve) => (seen.settled = resolve));
      const subscription = store
        .write(['a', 'b', 'c', 'd'].map((id) => put('thread', thread(`t${stopAfter}_${id}`))))
        .subscribe({ error: () => expect.fail('an unsubscribed write reports nothing') });
      stop = () => subscription.unsubscribe();
      if (stopAfter === 0) subscription.unsubscribe();
      await finished;
      expect(answered).toBe(stopAfter);
      expect(pool.open).toBe(0);
      expect(pool.unended).toBe(0);
    }
    seen.afterEach = () => {};
    expect((await lastValueFrom(store.list('thread'))).data).toEqual([]);
  });
});

describe('the embedded runtime on the SQL store', { timeout: 60_000 }, () => {
  it('answers an ask, and keeps the thread, its messages and the run in the database', async () => {
    const store = sqlStore(pglite(db), { schema: 'runtime' });
    expect(store.shared).toBe(true);
    const backend = localBackend({ store });
    try {
      const rx = rxAssistants(backend);
      const assistant = await lastValueFrom(rx.assistants.create({ model: 'tutor' }));
      const events = await lastValueFrom(rx.ask(assistant.id, 'Solve 2x + 3 = 7').pipe(toArray()));
      const reply = await lastValueFrom(from(events).pipe(replyText()));
      expect(reply).toMatch(/^x = 2\./);
      const threadId = events.find((e) => e.event === 'thread.run.created')!.data.thread_id;
      // Read back through a store of its own, as another process would.
      const other = sqlStore(pglite(db), { schema: 'runtime' });
      const runs = await lastValueFrom(other.list('run', { parentId: threadId }));
      expect(runs.data.map((run) => run.status)).toEqual(['completed']);
      const messages = await lastValueFrom(
        other.list('message', { parentId: threadId, order: 'asc' }),
      );
      expect(messages.data.map((m) => m.role)).toEqual(['user', 'assistant']);
      // A run that has ended is executed by no one: nothing to claim.
      expect(await lastValueFrom(other.claimRuns('other', Date.now(), 1_000, 10))).toEqual([]);
    } finally {
      await lastValueFrom(backend.close(), { defaultValue: undefined });
    }
  });
});

describe('pglite() and pg()', () => {
  it('refuse what is not a PGlite or a pool, naming what they got', () => {
    expect(() => pglite({} as never)).toThrow(SqlStoreError);
    expect(() => pglite(null as never)).toThrow('pglite() takes a PGlite instance');
    expect(() => pg(new Map() as never)).toThrow('got a Map');
    expect(() => pg(db as never)).toThrow('pg() takes a pg.Pool');
  });

  it('refuse a database given where a driver is due', () => {
    expect(() => sqlStore(db as never)).toThrow('sqlStore() takes a driver');
  });
});
