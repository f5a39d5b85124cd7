import { RxAssistantsError } from './RxAssistantsError';

/** The API's error fields, as in `{ "error": { type, message, param, code } }`. */
export interface BackendErrorInit {
  /** HTTP-like status: 400 bad input, 401 auth, 404 unknown id, 500 server fault... */
  status: number;
  message: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  cause?: unknown;
}

/**
 * An error with the Assistants API's shape, raised by backends that are not
 * the SDK (the embedded runtime, the timeline backend). It has the same fields
 * as the SDK's `APIError`, so one handler serves both.
 *
 * ## Example
 *
 * ```ts
 * import { BackendError } from 'rx-assistants';
 *
 * const notFound = new BackendError({
 *   status: 404,
 *   type: 'invalid_request_error',
 *   message: "No thread found with id 'thread_x'.",
 *   param: 'thread_id',
 * });
 * ```
 */
export class BackendError extends RxAssistantsError {
  override name = 'BackendError';
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;

  constructor(init: BackendErrorInit) {
    super(init.message, { cause: init.cause });
    this.status = init.status;
    this.type = init.type ?? (init.status >= 500 ? 'server_error' : 'invalid_request_error');
    this.code = init.code ?? null;
    this.param = init.param ?? null;
  }

  /** The error as the REST API serialises it. */
  toJSON(): {
    error: { type: string; message: string; param: string | null; code: string | null };
  } {
    return {
      error: { type: this.type, message: this.message, param: this.param, code: this.code },
    };
  }
}
