import { EMPTY, expand, from, mergeMap, type Observable } from 'rxjs';
import type { Page } from '../backend/AssistantsBackend';

/**
 * Every item of a cursor-paginated list: fetches the first page, then the
 * next one with `after` = the last id, until `has_more` is false. Pages are
 * fetched one at a time, only as the previous one arrives.
 */
export function paginate<T, Q extends object>(
  fetchPage: (query: Q & { after?: string }) => Observable<Page<T>>,
  query: Q,
): Observable<T> {
  return fetchPage(query).pipe(
    expand((page) =>
      page.has_more && page.last_id ? fetchPage({ ...query, after: page.last_id }) : EMPTY,
    ),
    mergeMap((page) => from(page.data)),
  );
}
