import document from './assistants-openapi.json';

/** The reference OpenAPI document (see assistants-openapi.NOTICE.md). */
export const spec = document as unknown as OpenApiDocument;

/** What the server needs of an OpenAPI document. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown> };
}

interface OpenApiOperation {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

/** One operation of the API: a method on a path, its body schema and its query. */
export interface OperationSpec {
  operationId: string;
  /** Upper-case HTTP method. */
  method: string;
  /** The spec's path, such as `/threads/{thread_id}/runs`. */
  path: string;
  /** The name of the request body's schema, such as `CreateRunRequest`. */
  bodySchema?: string;
  /** The query parameters and their schemas. */
  query: Array<{ name: string; required: boolean; schema: unknown }>;
}

/** Every operation of `doc` (default: the reference document), in document order. */
export function operationsOf(doc: OpenApiDocument = spec): OperationSpec[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      return {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        bodySchema: ref?.replace('#/components/schemas/', ''),
        query: (op.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} })),
      };
    }),
  );
}
