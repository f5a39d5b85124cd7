// What a database restart does to the runtimes on it: every connection is
// cut and, for a while, no new one is accepted (here: the runtimes' role may
// not log in, and its connections are terminated, as a restart or a failover
// would). The runs whose writes fail stop on their runtime and are taken up
// again once the database is back and their leases expire; nothing
// acknowledged is lost.
import pgLib from 'pg';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBackend, type LocalBackend, type ModelAdapter, tutorModel } from '../../src/local';
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
const backends: LocalBackend[] = [];

/** A runtime with a pool of its own, as a process would have. */
function runtime(): LocalBackend {
  const pool = new pgLib.Pool({ connectionString: asRole(), max: 4 });
  // A cut connection is an error event on an idle client: the pool drops it.
  pool.on('error', () => {});
  pools.push(pool);
  const backend = localBackend({
    store: sqlStore(pg(pool), { schema: SCHEMA }),
    model: counted(tutorModel({ delay: 1_500, chunkDelay: 20 })),
    limits: { runLeaseTtl: LEASE_TTL },
  });
  backends.push(backend);
  return backend;
}

/** How many turns the models were asked for, in all. */
let turns = 0;
const counted = (model: ModelAdapter): ModelAdapter => ({
  ...model,
  respond: (request, context) => {
    turns += 1;
    return model.respond(request, context);
  },
});

beforeAll(async () => {
  // The runtimes' own role, so that it can be shut out while the test's stays.
  await admin.query(`create role ${ROLE} login`);
  await admin.query(
    `grant create on database ${new URL(url).pathname.slice(1) || 'postgres'} to ${ROLE}`,
  );
});

afterAll(async () => {
  await Promise.all(backends.map((b) => lastValueFrom(b.close(), { defaultValue: undefined })));
  await Promise.all(pools.map((pool) => pool.end()));
  await admin.query(`drop schema if exists ${SCHEMA} cascade`);
  await admin.query(`drop owned by ${ROLE}`);
  await admin.query(`drop role ${ROLE}`);
  await admin.end();
});

/** Polls `check` every 100 ms until it holds, for `within` ms at most. */
async function eventually(check: () => Promise<boolean>, within: number): Promise<void> {
  for (const until = performance.now() + within; performance.now() < until;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${within} ms`);
}

describe('the runtime when the database cuts every connection', { timeout: 120_000 }, () => {
  it('takes up again the runs whose writes failed: each completes, with one reply', async () => {
    const [a, b] = [runtime(), runtime()];
    const assistant = await lastValueFrom(a.assistants.create({ model: 'tutor' }));
    const threads = await Promise.all(
      Array.from({ length: 6 }, () =>
        lastValueFrom(
          a.threads.create({ messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }] }),
        ),
      ),
    );
    const runs = await Promise.all(
      threads.map((thread, i) =>
        lastValueFrom((i % 2 ? b : a).runs.create(thread.id, { assistant_id: assistant.id })),
      ),
    );
    // Mid-turn, the database goes away for two lease periods: every
    // connection of the runtimes is cut, and no new one is accepted.
    await eventually(async () => {
      const { rows: working } = await admin.query<{ n: number }>(
        `select count(*)::int as n from ${SCHEMA}.runs where status = 'in_progress'`,
      );
      return working[0]!.n === threads.length;
    }, 30_000);
    await admin.query(`alter role ${ROLE} nologin`);
    const { rows } = await admin.query<{ cut: boolean }>(
      `select pg_terminate_backend(pid) as cut from pg_stat_activity where usename = $1`,
      [ROLE],
    );
    expect(rows.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_TTL));
    await admin.query(`alter role ${ROLE} login`);

    await eventually(async () => {
      const { rows: open } = await admin.query<{ n: number }>(
        `select count(*)::int as n from ${SCHEMA}.runs where status <> 'completed'`,
      );
      return open[0]!.n === 0;
    }, 30 * LEASE_TTL);

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
