import { redactSecrets } from '../errors/RxAssistantsError';

/** The error object of every error response: `{ "error": ApiErrorBody }`. */
export interface ApiErrorBody {
  type: string;
  message: string;
  param: string | null;
  code: string | null;
}

/**
 * An error the server answers with itself (bad JSON, a failed validation, a
 * missing key, an unknown URL...), with its HTTP status and the API's fields.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;

  constructor(
    status: number,
    message: string,
    fields: { type?: string; param?: string | null; code?: string | null } = {},
  ) {
    super(message);
    this.status = status;
    this.type = fields.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = fields.param ?? null;
    this.code = fields.code ?? null;
  }
}

/** A 400 `invalid_request_error` about one parameter. */
export const badRequest = (message: string, param: string | null = null): HttpError =>
  new HttpError(400, message, { param });

/** The 404 of a route the API does not have. */
export const unknownUrl = (method: string, path: string): HttpError =>
  new HttpError(404, `Unknown request URL: ${method} ${path}.`, { code: 'unknown_url' });

const INTERNAL: ApiErrorBody = {
  type: 'server_error',
  message: 'The server had an error while processing your request.',
  param: null,
  code: null,
};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The status and body that answer `error`. An error with an HTTP status
 * (an {@link HttpError}, a `BackendError`, the SDK's `APIError`) keeps its
 * status, type, param and code; anything else is a 500 that says nothing
 * about its cause, so no stack, path or secret leaves the server.
 */
export function errorResponseOf(error: unknown): { status: number; body: { error: ApiErrorBody } } {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const status = fields['status'];
  const message = fields['message'];
  if (
    typeof status !== 'number' ||
    !Number.isInteger(status) ||
    status < 400 ||
    status > 599 ||
    typeof message !== 'string'
  ) {
    return { status: 500, body: { error: INTERNAL } };
  }
  return {
    status,
    body: {
      error: {
        type: text(fields['type']) ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
        message: redactSecrets(message),
        param: text(fields['param']),
        code: text(fields['code']),
      },
    },
  };
}
