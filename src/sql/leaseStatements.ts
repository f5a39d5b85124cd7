import type { RunLease } from '../local/storePort';
import { ACTIVE_STATUSES } from './migrations';
import type { SqlRow } from './SqlDriver';

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** The lease of a row of `runs`, read back from the columns a lease statement returns. */
export const leaseOf = (row: SqlRow): RunLease => ({
  runId: String(row.id),
  owner: String(row.lease_owner),
  until: Number(row.lease_until),
  cancelRequested: row.cancel_requested === true,
});

const returned = 'r.id, r.lease_owner, r.lease_until, r.cancel_requested';

/**
 * The claim of up to `limit` runs of schema `s` that have not ended and whose
 * lease is free or expired at `now`, locked with `FOR UPDATE SKIP LOCKED`, so
 * that two claimers at once never take the same run. Without `runIds`: in
 * creation order, and a run waiting for tool outputs only once it has expired
 * (`expires_at`, in seconds); with `runIds`, only those runs, in that order,
 * waiting or not.
 */
export function claimStatement(
  s: string,
  owner: string,
  now: number,
  ttl: number,
  limit: number,
  runIds?: readonly string[],
): Statement {
  const free = `r.status in ${ACTIVE_STATUSES} and (r.lease_owner is null or r.lease_until <= $2::float8)`;
  const candidates =
    runIds === undefined
      ? `select r.id, r.seq as rank from ${s}.runs r
         where ${free} and not (r.status = 'requires_action'
           and (r.expires_at is null or r.expires_at * 1000 > $2::float8))
         order by r.seq limit $4 for update of r skip locked`
      : `select r.id, wanted.n as rank from ${s}.runs r
         join jsonb_array_elements_text($5::jsonb) with ordinality as wanted(id, n) on wanted.id = r.id
         where ${free}
         order by wanted.n limit $4 for update of r skip locked`;
  return {
    sql: `with free as (${candidates}), claimed as (
            update ${s}.runs r set lease_owner = $1, lease_until = $2::float8 + $3::float8
            from free where r.id = free.id
            returning free.rank, ${returned}
          )
          select * from claimed order by rank`,
    params: [owner, now, ttl, limit, ...(runIds === undefined ? [] : [JSON.stringify(runIds)])],
  };
}

/** Extends the leases `owner` holds on the runs `runIds` that have not ended. */
export function renewStatement(
  s: string,
  owner: string,
  runIds: readonly string[],
  now: number,
  ttl: number,
): Statement {
  return {
    sql: `update ${s}.runs r set lease_until = $3::float8 + $4::float8
          where r.lease_owner = $1 and r.status in ${ACTIVE_STATUSES}
            and r.id in (select jsonb_array_elements_text($2::jsonb))
          returning ${returned}`,
    params: [owner, JSON.stringify(runIds), now, ttl],
  };
}

/** Hands back `owner`'s leases on `runIds`, or all of them. */
export function releaseStatement(s: string, owner: string, runIds?: readonly string[]): Statement {
  return {
    sql: `update ${s}.runs set lease_owner = null, lease_until = null
          where lease_owner = $1
            and ($2::jsonb is null or id in (select jsonb_array_elements_text($2::jsonb)))`,
    params: [owner, runIds === undefined ? null : JSON.stringify(runIds)],
  };
}
