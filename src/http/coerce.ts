/**
 * Query-string and path values arrive as strings; this turns them into what their schema says
 * (`limit=50` → 50, `include_system=true` → true, `tags=a` → ['a']) before validation. Bodies are
 * JSON and are never coerced, so `{"name": 5}` is a 422, not the name "5". (Ajv's own
 * `coerceTypes` would apply to bodies too, so it is off.)
 */
import type { FastifyInstance } from 'fastify';

interface PropSchema {
  type?: string | string[];
  anyOf?: PropSchema[];
  items?: PropSchema;
}

function typesOf(schema: PropSchema | undefined): Set<string> {
  const out = new Set<string>();
  if (!schema) return out;
  for (const t of [schema.type ?? []].flat()) out.add(t);
  for (const member of schema.anyOf ?? []) for (const t of typesOf(member)) out.add(t);
  return out;
}

function coerceScalar(value: string, types: Set<string>): unknown {
  if (types.has('string') || types.size === 0) return value;
  if (
    (types.has('integer') && /^-?\d{1,15}$/.test(value)) ||
    (types.has('number') && /^-?\d+(\.\d+)?$/.test(value))
  ) {
    return Number(value);
  }
  if (types.has('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if (types.has('null') && (value === '' || value === 'null')) return null;
  return value;
}

/** A copy of `values` with each property coerced per `schema.properties`. */
export function coerceStrings(
  schema: { properties?: Record<string, PropSchema> } | undefined,
  values: unknown,
): unknown {
  if (!schema?.properties || typeof values !== 'object' || values === null) return values;
  const out: Record<string, unknown> = { ...(values as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(schema.properties)) {
    const value = out[key];
    if (value === undefined) continue;
    const types = typesOf(prop);
    if (types.has('array')) {
      const itemTypes = typesOf(prop.items);
      const list = Array.isArray(value) ? value : [value];
      out[key] = list.map((v) => (typeof v === 'string' ? coerceScalar(v, itemTypes) : v));
    } else if (typeof value === 'string') {
      out[key] = coerceScalar(value, types);
    }
  }
  return out;
}

/** Coerces every route's query string and path parameters before they are validated. */
export function installCoercion(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema as
      | { querystring?: Parameters<typeof coerceStrings>[0]; params?: Parameters<typeof coerceStrings>[0] }
      | undefined;
    if (schema?.querystring) request.query = coerceStrings(schema.querystring, request.query);
    if (schema?.params) request.params = coerceStrings(schema.params, request.params);
  });
}
