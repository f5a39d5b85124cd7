import type { Observable } from 'rxjs';
import type { AssistantsStore, KeptResponse } from '../local/storePort';
import type { SqlRow } from './SqlDriver';

type One = (sql: string, params: readonly unknown[], signal: AbortSignal) => Promise<SqlRow[]>;
type Op = <T>(call: (signal: AbortSignal) => Promise<T>) => Observable<T>;

/**
 * The SQL store's responses kept for `Idempotency-Key`s, and the claims on
 * keys whose requests are being answered, in `<schema>.kept_responses`.
 *
 * @param s The store's schema, quoted.
 * @param one Sends one statement.
 * @param op Makes a cold Observable of a call, once the schema is current.
 */
export function keptResponses(
  s: string,
  one: One,
  op: Op,
): Pick<AssistantsStore, 'keptResponse' | 'keepResponse' | 'settleResponse'> {
  const columns = 'request, response, kept_at, claimant';
  return {
    keptResponse: (key, now, ttl) =>
      op(async (signal) => {
        // Forgets every response that is no longer fresh, so that its key can be kept anew.
        const rows = await one(
          `with forgotten as (
             delete from ${s}.kept_responses where kept_at <= $2::float8 - $3::float8
           )
           select ${columns} from ${s}.kept_responses
           where key = $1 and kept_at > $2::float8 - $3::float8`,
          [key, now, ttl],
          signal,
        );
        return rows[0] && keptOf(rows[0]);
      }),

    keepResponse: (key, entry) =>
      op(async (signal) => {
        const inserted = await one(
          `insert into ${s}.kept_responses (key, request, response, kept_at, claimant)
           values ($1, $2, $3::json, $4, $5)
           on conflict (key) do nothing
           returning ${columns}`,
          [key, entry.request, JSON.stringify(entry.response ?? null), entry.at, entry.claimant],
          signal,
        );
        if (inserted[0]) return keptOf(inserted[0]);
        // Kept first by another: read in a statement of its own, whose snapshot
        // (unlike the insert's) sees the other's commit.
        const kept = await one(
          `select ${columns} from ${s}.kept_responses where key = $1`,
          [key],
          signal,
        );
        return keptOf(kept[0]!);
      }),

    settleResponse: (key, claimant, entry) =>
      op(async (signal) => {
        await (entry
          ? one(
              `update ${s}.kept_responses set request = $3, response = $4::json, kept_at = $5, claimant = null
               where key = $1 and claimant = $2`,
              [key, claimant, entry.request, JSON.stringify(entry.response ?? null), entry.at],
              signal,
            )
          : one(
              `delete from ${s}.kept_responses where key = $1 and claimant = $2`,
              [key, claimant],
              signal,
            ));
      }),
  };
}

const keptOf = (row: SqlRow): KeptResponse => ({
  request: String(row.request),
  response: row.claimant === null || row.claimant === undefined ? row.response : undefined,
  at: Number(row.kept_at),
  ...(typeof row.claimant === 'string' && { claimant: row.claimant }),
});
