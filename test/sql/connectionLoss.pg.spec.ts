// What a database restart does to the runtimes on it: every connection is
// cut and, for a while, no new one is accepted (here: the runtimes' role may
// not log in, and its connections are terminated, as a restart or a failover
// would). The runs whose writes fail stop on their runtime and are taken up
// again once the database is back and their leases expire; nothing
// acknowledged is lost.
import pgLib from 'pg';
import {
  concatMap,
  count,
  defer,
  filter,
  finalize,
  firstValueFrom,
  lastValueFrom,
  ReplaySubject,
  Subject,
  Subscription,
  take,
} from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBackend, type LocalBackend, type ModelAdapter, tutorModel } from '../../src/local';
import type { SharedRunEvent } from '../../src/local/storePort';
import { pg, sqlStore } from '../../src/sql';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('These tests need DATABASE_URL: run them with `npm run test:pg`.');

const SCHEMA = `rx_cut_${process.pid}`;
const LEASE_TTL = 1_000;
const SOLVED = 'x = 2. Subtract 3 from both sides to get 2x = 4, then divide both sides by 2.';

const ROLE = `rx_cut_${process.pid}`;
const admin = new pgLib.Pool({ connectionString: url, max: 1 });
/** The database's URL for the runtimes' own role. */
const asRole = () => {
  const own = new URL(url);
  own.username = ROLE;
  own.password = '';
  return own.toString();
};
const pools: pgLib.Pool[] = [];
const watchers = new Subscription();
const backends: LocalBackend[] = [];

/** A runtime with a pool of its own, as a process would have. */
function runtime(): LocalBackend {
  const pool = new pgLib.Pool({ connectionString: asRole(), max: 4 });
  // A cut connection is an error event on an idle client: the pool drops it.
  pool.on('error', () => {});
  pools.push(pool);
  const backend = localBackend({
    store: sqlStore(pg(pool), { schema: SCHEMA }),
    model: gated(tutorModel({ delay: 0, chunkDelay: 20 })),
    limits: { runLeaseTtl: LEASE_TTL },
  });
  backends.push(backend);
  return backend;
}

/** How many turns the models were asked for, in all. */
let turns = 0;
/** Each turn, as it begins; and each, as it ends (its text written, or its run stopped). */
const begun = new Subject<void>();
const ended = new Subject<void>();
/** No turn writes a word before this emits: the test holds them until the database is away. */
const released = new ReplaySubject<void>(1);
const gated = (model: ModelAdapter): ModelAdapter => ({
  ...model,
  respond: (request, context) =>
    defer(() => {
      turns += 1;
      begun.next();
      return released.pipe(
        take(1),
        concatMap(() => model.respond(request, context)),
        finalize(() => ended.next()),
      );
    }),
});

beforeAll(async () => {
  // The runtimes' own role, so that it can be shut out while the test's stays.
  await admin.query(`create role ${ROLE} login`);
  await admin.query(
    `grant create on database ${new URL(url).pathname.slice(1) || 'postgres'} to ${ROLE}`,
  );
});

afterAll(async () => {
  watchers.unsubscribe();
  await Promise.all(backends.map((b) => lastValueFrom(b.close(), { defaultValue: undefined })));
  await Promise.all(pools.map((pool) => pool.end()));
  await admin.query(`drop schema if exists ${SCHEMA} cascade`);
  await admin.query(`drop owned by ${ROLE}`);
  await admin.query(`drop role ${ROLE}`);
  await admin.end();
});

/** Resolves once `subject` has emitted `n` times from now. */
const times = (subject: Subject<void>, n: number) => firstValueFrom(subject.pipe(take(n), count()));

describe('the runtime when the database cuts every connection', { timeout: 120_000 }, () => {
  it('takes up again the runs whose writes failed: each completes, with one reply', async () => {
    const [a, b] = [runtime(), runtime()];
    const assistant = await lastValueFrom(a.assistants.create({ model: 'tutor' }));
    const n = 6;
    const threads = await Promise.all(
      Array.from({ length: n }, () =>
        lastValueFrom(
          a.threads.create({ messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }] }),
        ),
      ),
    );
    const allBegun = times(begun, n);
    const runs = await Promise.all(
      threads.map((thread, i) =>
        lastValueFrom((i % 2 ? b : a).runs.create(thread.id, { assistant_id: assistant.id })),
      ),
    );
    // The test follows each run on the database's own role, which stays.
    const watching = new pgLib.Pool({ connectionString: url, max: 2 });
    pools.push(watching);
    const watcher = sqlStore(pg(watching), { schema: SCHEMA });
    const completed = await Promise.all(
      runs.map(async (run) => {
        const events = new ReplaySubject<readonly SharedRunEvent[]>();
        watchers.add(watcher.events!.listen(run.id).subscribe(events));
        await firstValueFrom(events); // listening
        // In an object: an async function's promise would wait for this one.
        return {
          done: firstValueFrom(
            events.pipe(
              filter((batch) => batch.some(({ event }) => event.event === 'thread.run.completed')),
            ),
          ),
        };
      }),
    );
    // Every run is mid-turn: the database goes away. Every connection of the
    // runtimes is cut, and no new one is accepted.
    await allBegun;
    await admin.query(`alter role ${ROLE} nologin`);
    const { rows } = await admin.query<{ cut: boolean }>(
      `select pg_terminate_backend(pid) as cut from pg_stat_activity where usename = $1`,
      [ROLE],
    );
    expect(rows.length).toBeGreaterThan(0);
    // The turns write their text: their writes fail, and their runs stop.
    const allEnded = times(ended, n);
    released.next();
    await allEnded;
    await admin.query(`alter role ${ROLE} login`);

    // Once their leases expire, the runs are taken up and complete.
    await Promise.all(completed.map(({ done }) => done));

    for (const [i, thread] of threads.entries()) {
      const { data: messages } = await lastValueFrom(a.messages.list(thread.id));
      const replies = messages.filter((m) => m.role === 'assistant');
      expect(replies, `thread ${i}`).toHaveLength(1);
      expect(replies[0]!.content).toEqual([
        { type: 'text', text: { value: SOLVED, annotations: [] } },
      ]);
      expect(replies[0]!.run_id).toBe(runs[i]!.id);
    }
    for (const thread of threads) {
      expect((await lastValueFrom(b.runs.list(thread.id))).data).toHaveLength(1);
    }
    // Turns cut short were redone: the outage did stop runs mid-turn.
    expect(turns).toBeGreaterThan(threads.length);
  });
});
