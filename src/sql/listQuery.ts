import type { Page } from '../backend/AssistantsBackend';
import { badRequest } from '../internal/apiLists';
import type { StoredKind, StoreListQuery } from '../local/storePort';
import type { SqlRow } from './SqlDriver';
import { tables } from './tables';

/** One list as one SQL statement, and how to read its rows into a page. */
export interface ListStatement {
  sql: string;
  params: unknown[];
  page: (rows: SqlRow[]) => Page<unknown>;
}

/**
 * The statement of one page of `kind` in schema `s`, with the API's exact
 * paging (the same page as `paginate()` over the same records): `order`,
 * `after` and `before` by creation order, `limit` (none: every record), and
 * a 400 for a cursor that names no record of the list.
 */
export function listStatement(s: string, kind: StoredKind, query: StoreListQuery): ListStatement {
  const { limit, after, before } = query;
  const order = query.order ?? 'desc';
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100)) {
    throw badRequest(`Invalid 'limit': expected an integer from 1 to 100, got ${limit}.`, 'limit');
  }
  if (order !== 'asc' && order !== 'desc') {
    throw badRequest(`Invalid 'order': expected 'asc' or 'desc', got '${String(order)}'.`, 'order');
  }
  const spec = tables[kind];
  const params: unknown[] = [after ?? null, before ?? null];
  const filter: Array<(alias: string) => string> = [];
  // A kind without a parent (or a run) has no records of one.
  for (const [column, id] of [
    [spec.parent, query.parentId],
    [spec.run, query.runId],
  ] as const) {
    if (id === undefined) continue;
    params.push(id);
    const param = `$${params.length}::text`;
    filter.push((alias) => (column ? `${alias}.${column} = ${param}` : `${param} is null`));
  }
  const where = (alias: string) => filter.map((f) => `and ${f(alias)}`).join(' ');
  const table = `${s}.${spec.table}`;
  const cursor = (param: string) =>
    `(select seq from ${table} c where c.id = ${param} ${where('c')})`;
  // With only `before`, the page is the records right before it: read backwards, then turn.
  const backwards = before !== undefined && after === undefined;
  const forward = order === 'asc' ? 'asc' : 'desc';
  const reading = backwards ? (forward === 'asc' ? 'desc' : 'asc') : forward;
  const [afterSide, beforeSide] = order === 'asc' ? ['>', '<'] : ['<', '>'];
  const sql = `
    with cursors as (select ${cursor('$1::text')} as after_seq, ${cursor('$2::text')} as before_seq)
    select cursors.after_seq is not null as after_found,
           cursors.before_seq is not null as before_found,
           page.body
    from cursors left join lateral (
      select r.seq, r.body from ${table} r
      where ($1::text is null or r.seq ${afterSide} cursors.after_seq)
        and ($2::text is null or r.seq ${beforeSide} cursors.before_seq)
        ${where('r')}
      order by r.seq ${reading}
      ${limit === undefined ? '' : `limit ${limit + 1}`}
    ) page on true
    order by page.seq ${reading}`;

  return {
    sql,
    params,
    page(rows) {
      const first = rows[0];
      if (after !== undefined && !first?.after_found) throw noCursor('after', after);
      if (before !== undefined && !first?.before_found) throw noCursor('before', before);
      const found = rows
        .filter((row) => row.body !== null)
        .map((row) => row.body as { id: string });
      const data = limit === undefined ? found : found.slice(0, limit);
      if (backwards) data.reverse();
      return {
        data,
        has_more: found.length > data.length,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      };
    },
  };
}

const noCursor = (param: string, id: string) =>
  badRequest(`Invalid '${param}': no object with id '${id}' in this list.`, param);
