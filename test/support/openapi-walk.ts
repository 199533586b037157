/**
 * Helpers over the generated `/openapi.json` for the security tests: every operation with its
 * parameters and body schema, and a minimal valid JSON value for a schema.
 */
export type Schema = Record<string, unknown>;

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/agents/{agent}`. */
  path: string;
  public: boolean;
  pathParams: string[];
  query: Array<{ name: string; schema: Schema; required: boolean }>;
  body: Schema | undefined;
  bodyRequired: boolean;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOp>>;
}
interface OpenApiOp {
  security?: unknown[];
  parameters?: Array<{ in: string; name: string; schema?: Schema; required?: boolean }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

export function operations(doc: unknown): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries((doc as OpenApiDoc).paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = op.parameters ?? [];
      out.push({
        method: method.toUpperCase(),
        path,
        public: Array.isArray(op.security) && op.security.length === 0,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })),
        body: op.requestBody?.content?.['application/json']?.schema,
        bodyRequired: op.requestBody?.required !== false && op.requestBody !== undefined,
      });
    }
  }
  return out;
}

/** A small value that satisfies `schema` (required properties only). */
export function minimalValue(schema: Schema | undefined): unknown {
  if (!schema) return {};
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  for (const k of ['anyOf', 'oneOf'] as const) {
    const alts = schema[k];
    if (Array.isArray(alts)) {
      const pick = (alts as Schema[]).find((a) => a.type !== 'null') ?? alts[0];
      return minimalValue(pick as Schema);
    }
  }
  if (Array.isArray(schema.allOf)) return minimalValue(schema.allOf[0] as Schema);
  const type = [schema.type].flat()[0];
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const out: Record<string, unknown> = {};
      for (const name of (schema.required as string[] | undefined) ?? [])
        out[name] = minimalValue(props[name]);
      return out;
    }
    case 'array': {
      const n = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return Array.from({ length: n }, () => minimalValue(schema.items as Schema));
    }
    case 'string': {
      const n = typeof schema.minLength === 'number' ? Math.max(schema.minLength, 1) : 1;
      return 'x'.repeat(n);
    }
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}

/** `/agents/{agent}` with `values` substituted (URL-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}
