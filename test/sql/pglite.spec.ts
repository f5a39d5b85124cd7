import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pg, pglite, sqlStore, SqlStoreError } from '../../src/sql';
import { storeConformance } from '../store/conformance';
import { sqlSpecifics } from './sqlSpecifics';

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
