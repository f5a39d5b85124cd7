import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pglite, sqlStore } from '../../src/sql';
import { storeConformance } from '../store/conformance';
import { message, run, thread } from '../store/records';
import { answer, put } from '../store/support';

// One PGlite in a data directory for the whole file, closed and reopened at the end.
const dir = mkdtempSync(join(tmpdir(), 'rx-assistants-pglite-'));
let db: PGlite;
beforeAll(async () => {
  db = await PGlite.create(dir);
}, 120_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

let schemas = 0;
storeConformance(
  'sqlStore over PGlite in a directory',
  () => sqlStore(pglite(db), { schema: `conformance_${schemas++}` }),
  { timeout: 60_000 },
);

describe('sqlStore over PGlite in a directory, reopened', { timeout: 120_000 }, () => {
  it('keeps its records and kept responses, hands back the leases of the process that closed it, and applies no migration again', async () => {
    const before = sqlStore(pglite(db), { schema: 'kept' });
    expect(await answer(before.migrate())).toEqual([1, 2, 3]);
    await answer(
      before.write([
        put('thread', thread('t1')),
        put('message', message('m1', 't1')),
        put('run', run('r1', 't1')),
        { op: 'lease', lease: { runId: 'r1', owner: 'a', until: 5_000 } },
      ]),
    );
    await answer(before.keepResponse('k', { request: 'req', response: { ok: true }, at: 7 }));
    await db.close();

    db = await PGlite.create(dir);
    const after = sqlStore(pglite(db), { schema: 'kept' });
    expect(await answer(after.migrate())).toEqual([]);
    const { rows } = await db.query<{ version: number }>(
      'select version from kept.schema_migrations',
    );
    expect(rows.map((row) => row.version)).toEqual([1, 2, 3]);
    expect(await answer(after.get('thread', 't1'))).toEqual(thread('t1'));
    expect((await answer(after.list('message', { parentId: 't1' }))).data).toEqual([
      message('m1', 't1'),
    ]);
    expect(await answer(after.keptResponse('k', 8, 10))).toEqual({
      request: 'req',
      response: { ok: true },
      at: 7,
    });
    // Only one process opens a directory: the lease of the one before (held
    // until 5_000) is handed back as the store opens, and the run is claimable at once.
    expect((await answer(after.claimRuns('b', 10, 100, 10))).map((l) => l.runId)).toEqual(['r1']);
    expect(await answer(after.claimRuns('c', 20, 100, 10))).toEqual([]);
    // And the conformance schemas of this file are all there, at their one version.
    const versions = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_namespace where nspname like 'conformance_%'`,
    );
    expect(versions.rows[0]!.n).toBe(schemas);
  });
});
