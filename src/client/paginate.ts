import { EMPTY, expand, from, mergeMap, type Observable } from 'rxjs';
import type { Page } from '../backend/AssistantsBackend';

/** The cursors of a list query. */
interface Cursor {
  after?: string;
  before?: string;
}

/**
 * Every item of a cursor-paginated list: fetches the first page, then the
 * next one with `after` = its last id, until `has_more` is false. A query
 * with a `before` cursor (and no `after`) walks the other way: the next page
 * is the one `before` the first id, so pages come nearest first, each in the
 * list's order. Pages are fetched one at a time, only as the previous one
 * arrives.
 */
export function paginate<T, Q extends object>(
  fetchPage: (query: Q & Cursor) => Observable<Page<T>>,
  query: Q & Cursor,
): Observable<T> {
  const backwards = query.before !== undefined && query.after === undefined;
  const next = (page: Page<T>): Observable<Page<T>> => {
    const cursor = backwards ? page.first_id : page.last_id;
    if (!page.has_more || !cursor) return EMPTY;
    return fetchPage(backwards ? { ...query, before: cursor } : { ...query, after: cursor });
  };
  return fetchPage(query).pipe(
    expand(next),
    mergeMap((page) => from(page.data)),
  );
}
