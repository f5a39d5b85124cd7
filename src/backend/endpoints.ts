import { catchError, type Observable, throwError } from 'rxjs';
import { namingEndpoint } from '../errors/connectionError';
import type { AssistantsBackend } from './AssistantsBackend';

/** The REST route of each method of the port; `{n}` is its n-th argument. */
const ROUTES: Record<keyof AssistantsBackend, Record<string, string>> = {
  assistants: {
    create: 'POST /assistants',
    retrieve: 'GET /assistants/{0}',
    update: 'POST /assistants/{0}',
    list: 'GET /assistants',
    delete: 'DELETE /assistants/{0}',
  },
  threads: {
    create: 'POST /threads',
    retrieve: 'GET /threads/{0}',
    update: 'POST /threads/{0}',
    delete: 'DELETE /threads/{0}',
    createAndRun: 'POST /threads/runs',
  },
  messages: {
    create: 'POST /threads/{0}/messages',
    retrieve: 'GET /threads/{0}/messages/{1}',
    update: 'POST /threads/{0}/messages/{1}',
    list: 'GET /threads/{0}/messages',
    delete: 'DELETE /threads/{0}/messages/{1}',
  },
  runs: {
    create: 'POST /threads/{0}/runs',
    retrieve: 'GET /threads/{0}/runs/{1}',
    update: 'POST /threads/{0}/runs/{1}',
    list: 'GET /threads/{0}/runs',
    cancel: 'POST /threads/{0}/runs/{1}/cancel',
    submitToolOutputs: 'POST /threads/{0}/runs/{1}/submit_tool_outputs',
  },
  steps: {
    retrieve: 'GET /threads/{0}/runs/{1}/steps/{2}',
    list: 'GET /threads/{0}/runs/{1}/steps',
  },
  streaming: {
    createRun: 'POST /threads/{0}/runs',
    createThreadAndRun: 'POST /threads/runs',
    submitToolOutputs: 'POST /threads/{0}/runs/{1}/submit_tool_outputs',
  },
};

type Method = (...args: unknown[]) => Observable<unknown>;

/**
 * The backend with each connection error naming the request that failed:
 * its method and URL under `baseURL` (see `namingEndpoint`).
 */
export function namingEndpoints(backend: AssistantsBackend, baseURL: string): AssistantsBackend {
  const base = baseURL.replace(/\/+$/, '');
  const wrapped = Object.entries(backend).map(([key, resource]) => {
    const routes = ROUTES[key as keyof AssistantsBackend];
    const methods = Object.entries(resource as Record<string, Method>).map(([name, method]) => {
      const [verb, path] = (routes?.[name] ?? `? /${key}/${name}`).split(' ') as [string, string];
      return [
        name,
        (...args: unknown[]) =>
          method(...args).pipe(
            catchError((error: unknown) => {
              const url = base + path.replace(/\{(\d)\}/g, (_m, n: string) => String(args[+n]));
              return throwError(() => namingEndpoint(error, verb, url));
            }),
          ),
      ];
    });
    return [key, Object.fromEntries(methods)];
  });
  return Object.fromEntries(wrapped) as unknown as AssistantsBackend;
}
