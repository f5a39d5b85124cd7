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

/**
 * How a backend over `baseURL` names the request that failed in a connection
 * error: `name(error, resource, method, ...args)` gives the error to raise,
 * with its method and URL (see `namingEndpoint`). The request Observables call it themselves, rather than
 * each being wrapped in one more operator.
 */
export function endpointNamer(baseURL: string) {
  const base = baseURL.replace(/\/+$/, '');
  return (
    error: unknown,
    resource: keyof AssistantsBackend,
    method: string,
    ...args: unknown[]
  ): unknown => {
    const route = ROUTES[resource]?.[method] ?? `? /${resource}/${method}`;
    const [verb, path] = route.split(' ') as [string, string];
    const url = base + path.replace(/\{(\d)\}/g, (_m, n: string) => String(args[+n]));
    return namingEndpoint(error, verb, url);
  };
}
