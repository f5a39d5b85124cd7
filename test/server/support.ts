import { afterEach } from 'vitest';
import type { AssistantsBackend } from '../../src/backend';
import { serve, type ServeOptions, type ServerHandle } from '../../src/server';
import document from '../../src/server/assistants-openapi.json';
import { operationsOf } from '../../src/server/spec';

const open: ServerHandle[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** A server on 127.0.0.1 and a free port, closed after the test. */
export async function start(
  backend: AssistantsBackend,
  options: ServeOptions = {},
): Promise<ServerHandle> {
  const server = await serve(backend, { port: 0, ...options });
  open.push(server);
  return server;
}

/** A raw JSON request: `body` is sent as is when it is a string, else as JSON. */
export function request(
  server: ServerHandle,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** One Server-Sent Event, as it came: its name and its raw data line. */
export interface SseEvent {
  event: string;
  data: string;
}

/** The events of an SSE body (`event: x` / `data: y`, separated by blank lines). */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join('\n');
      return { event: field('event'), data: field('data') };
    });
}

type Schema = {
  $ref?: string;
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  enum?: string[];
};
interface SpecOperation {
  operationId: string;
  responses: Record<string, { content: Record<string, { schema: Schema }> }>;
}
const doc = document as unknown as {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, Schema> };
};

/** The operations of the reference document (method, path, operationId, body schema). */
export const specOperations = operationsOf();

/** The name of the schema of an operation's 200 answer, such as `RunObject`. */
export function responseSchemaOf(operationId: string): string {
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) {
      if (op.operationId === operationId) {
        const ref = op.responses['200']!.content['application/json']!.schema.$ref!;
        return ref.replace('#/components/schemas/', '');
      }
    }
  }
  throw new Error(`No operation ${operationId}`);
}

/** Every event name of `AssistantStreamEvent`, from its member schemas' `event` enums. */
export const specEventNames: ReadonlySet<string> = new Set(
  ['ThreadStreamEvent', 'RunStreamEvent', 'RunStepStreamEvent', 'MessageStreamEvent'].flatMap(
    (name) =>
      (doc.components.schemas[name]!.oneOf ?? []).flatMap((m) => m.properties!['event']!.enum!),
  ),
);
