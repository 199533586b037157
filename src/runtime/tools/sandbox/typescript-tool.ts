/**
 * TypeScript and JavaScript tools: parsed and stripped of types by esbuild (a source that does not
 * parse is refused with esbuild's message and line), their schema read from the function's
 * signature and JSDoc (`typescript-signature.ts`), run in QuickJS. Imports are refused: the
 * sandbox has no modules to give (`npm_requirements` are refused the same way).
 *
 * @example
 * const t = await compileTool('export function add(a: number, b: number) { return a + b }', 'typescript');
 * // t.entry === 'add', t.params = ['a', 'b'], t.code is JavaScript
 */
import { type SignatureSchema, signatureSchema } from './typescript-signature.js';

export type JsSourceType = 'typescript' | 'javascript';

export interface CompiledTool {
  /** JavaScript, CommonJS-shaped (expects `module`/`exports`). */
  code: string;
  entry: string;
  params: string[];
  schema: SignatureSchema;
}

const cache = new Map<string, CompiledTool>();
const CACHE_SIZE = 256;

export function isJsSourceType(type: string | null | undefined): type is JsSourceType {
  return type === 'typescript' || type === 'javascript';
}

/**
 * Compiles a tool (cached by source); `{error}` names what is wrong, with a line when known. When
 * the signature cannot be read (destructured parameters…) a given `json_schema` names the
 * function and its parameters' order instead.
 */
export async function compileTool(
  source: string,
  type: JsSourceType,
  given?: Record<string, unknown> | null,
): Promise<CompiledTool | { error: string }> {
  const key = `${type}\n${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let code: string;
  try {
    // esbuild is loaded with the first TypeScript tool (start-up time).
    const { transform } = await import('esbuild');
    const out = await transform(source, {
      loader: type === 'typescript' ? 'ts' : 'js',
      format: 'cjs',
      target: 'es2020',
      sourcefile: 'tool.ts',
      logLevel: 'silent',
    });
    code = out.code;
  } catch (err) {
    const first = (
      err as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }
    ).errors?.[0];
    if (first)
      return {
        error: first.location
          ? `line ${first.location.line}, column ${first.location.column + 1}: ${first.text}`
          : first.text,
      };
    return { error: (err as Error).message };
  }
  if (/(^|\n)\s*import\s+(?!type\b)[\w*{'"]/.test(source) || /\brequire\s*\(/.test(code))
    return {
      error: 'imports are not available in the tool sandbox (it has no modules and installs no packages)',
    };
  const schema = signatureSchema(source);
  if ('error' in schema) {
    const props = (given?.parameters as { properties?: unknown } | undefined)?.properties;
    if (typeof given?.name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(given.name)) return schema;
    const params = props && typeof props === 'object' ? Object.keys(props) : [];
    return {
      code,
      entry: given.name,
      params,
      schema: {
        name: given.name,
        description: String(given.description ?? ''),
        params,
        parameters: (given.parameters as Record<string, unknown> | undefined) ?? {
          type: 'object',
          properties: {},
        },
      },
    };
  }
  const compiled = { code, entry: schema.name, params: schema.params, schema };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, compiled);
  return compiled;
}
