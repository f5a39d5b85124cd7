import type { Page } from '../backend/AssistantsBackend';
import { BackendError } from '../errors/BackendError';

/** The cursor query every list of the API takes. */
export interface ListQuery {
  limit?: number;
  order?: 'asc' | 'desc';
  after?: string;
  before?: string;
}

/** A 400 `invalid_request_error`, as the API raises it for bad input. */
export function badRequest(message: string, param: string | null = null): BackendError {
  return new BackendError({ status: 400, message, param });
}

export function notFound(kind: string, id: string, param: string): BackendError {
  return new BackendError({ status: 404, message: `No ${kind} found with id '${id}'.`, param });
}

function cursorIndex<T extends { id: string }>(items: T[], id: string, param: string): number {
  const index = items.findIndex((item) => item.id === id);
  if (index < 0)
    throw badRequest(`Invalid '${param}': no object with id '${id}' in this list.`, param);
  return index;
}

/**
 * One exact page of `items` (given in creation order), as the API pages:
 * `order` (default `desc`), `after` and `before` cursors, and `limit`
 * (default 20, 1 to 100). With only `before`, the page is the `limit` items
 * right before that cursor.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  query: ListQuery = {},
): Page<T> {
  const limit = query.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw badRequest(`Invalid 'limit': expected an integer from 1 to 100, got ${limit}.`, 'limit');
  }
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw badRequest(`Invalid 'order': expected 'asc' or 'desc', got '${String(order)}'.`, 'order');
  }
  return pageOf(items, { ...query, limit, order });
}

/**
 * One page of `items` (given in creation order) for a query already checked:
 * as {@link paginate}, but without `limit` every item in the window.
 */
export function pageOf<T extends { id: string }>(
  items: readonly T[],
  query: ListQuery = {},
): Page<T> {
  const ordered = query.order === 'asc' ? [...items] : [...items].reverse();
  const start = query.after === undefined ? 0 : cursorIndex(ordered, query.after, 'after') + 1;
  const end =
    query.before === undefined ? ordered.length : cursorIndex(ordered, query.before, 'before');
  const window = ordered.slice(start, Math.max(start, end));
  const limit = query.limit ?? window.length;
  const backwards = query.before !== undefined && query.after === undefined;
  const data = backwards
    ? window.slice(Math.max(0, window.length - limit))
    : window.slice(0, limit);
  return {
    data,
    has_more: window.length > data.length,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
