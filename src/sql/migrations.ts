import type { SqlDriver } from './SqlDriver';

/** The statuses of a run that has not ended, as SQL. */
export const ACTIVE_STATUSES = `('queued', 'in_progress', 'requires_action', 'cancelling')`;

/** The index that keeps one run that has not ended per thread. */
export const ONE_ACTIVE_RUN = 'runs_one_active_per_thread';

/** Whether `error` is Postgres's unique_violation (23505) of {@link ONE_ACTIVE_RUN}. */
export function isActiveRunConflict(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === ONE_ACTIVE_RUN;
}

/**
 * The store's schema, one version after another. A version, once released,
 * never changes: a change to the schema is a new version.
 */
export const migrations: ReadonlyArray<{
  version: number;
  name: string;
  sql: (s: string) => string;
}> = [
  {
    version: 1,
    name: 'records, kept responses and run leases',
    sql: (s) => `
        create table ${s}.assistants (
          seq bigint generated always as identity unique,
          id text primary key,
          body json not null
        );
        create table ${s}.threads (
          seq bigint generated always as identity unique,
          id text primary key,
          body json not null
        );
        create table ${s}.messages (
          seq bigint generated always as identity unique,
          id text primary key,
          thread_id text not null,
          run_id text,
          body json not null
        );
        create index messages_by_thread on ${s}.messages (thread_id, seq);
        create index messages_by_run on ${s}.messages (run_id, seq) where run_id is not null;
        create table ${s}.runs (
          seq bigint generated always as identity unique,
          id text primary key,
          thread_id text not null,
          status text not null,
          expires_at double precision,
          lease_owner text,
          lease_until double precision,
          cancel_requested boolean not null default false,
          body json not null
        );
        create index runs_by_thread on ${s}.runs (thread_id, seq);
        create unique index ${ONE_ACTIVE_RUN} on ${s}.runs (thread_id)
          where status in ${ACTIVE_STATUSES};
        create index runs_not_ended on ${s}.runs (seq) where status in ${ACTIVE_STATUSES};
        create index runs_expiring on ${s}.runs (expires_at) where status in ${ACTIVE_STATUSES};
        create index runs_by_lease_owner on ${s}.runs (lease_owner) where lease_owner is not null;
        create table ${s}.steps (
          seq bigint generated always as identity unique,
          id text primary key,
          run_id text not null,
          thread_id text not null,
          body json not null
        );
        create index steps_by_run on ${s}.steps (run_id, seq);
        create table ${s}.kept_responses (
          key text primary key,
          request text not null,
          response json not null,
          kept_at double precision not null
        );
        create index kept_responses_by_time on ${s}.kept_responses (kept_at);
      `,
  },
  {
    version: 2,
    name: 'run events too long for a notification',
    sql: (s) => `
        create table ${s}.run_events (
          id bigint generated always as identity primary key,
          run_id text not null,
          body json not null,
          kept_at timestamptz not null default now()
        );
        create index run_events_by_time on ${s}.run_events (kept_at);
      `,
  },
  {
    version: 3,
    name: 'claims on idempotency keys while their requests are answered',
    sql: (s) => `
        alter table ${s}.kept_responses add column claimant text;
      `,
  },
];

/**
 * Brings the schema `schema` (a checked identifier) up to the last version,
 * under a transaction-level advisory lock, so that of two processes starting
 * at once one migrates and the other then finds nothing to do. With
 * `staleLeases` (a database only this process opens), the leases found are
 * handed back. Resolves to the versions it applied.
 */
export async function migrate(
  driver: SqlDriver,
  schema: string,
  staleLeases = false,
): Promise<number[]> {
  const s = `"${schema}"`;
  return driver.transaction(async (query) => {
    await query(`select pg_advisory_xact_lock(hashtext('rx-assistants'), hashtext($1))`, [schema]);
    await query(`create schema if not exists ${s}`);
    await query(
      `create table if not exists ${s}.schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`,
    );
    const rows = await query(`select version from ${s}.schema_migrations`);
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const { version, name, sql } of migrations) {
      if (applied.has(version)) continue;
      for (const statement of sql(s).split(';')) {
        if (statement.trim() !== '') await query(statement);
      }
      await query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
        version,
        name,
      ]);
      done.push(version);
    }
    if (staleLeases) {
      await query(
        `update ${s}.runs set lease_owner = null, lease_until = null where lease_owner is not null`,
      );
    }
    return done;
  }, new AbortController().signal);
}
